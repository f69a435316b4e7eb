"""``govhall verify-audit``: check the hash chain of every case (DESIGN 3.6).

Incremental by default: from the last signed checkpoint, only the events
written since are hashed, each chain continuing from the head the
checkpoint vouches for; ``--full`` hashes every event again. Exit 0 when
everything holds (a new checkpoint is signed); otherwise print each broken
case with its first broken event, and whatever is wrong with the
checkpoints, and exit 1. docs/security.md, "Audit checkpoints".
"""

from django.core.management.base import BaseCommand, CommandError

from govhall.cases.events import audit_verify
from govhall.core.errors import DomainError


class Command(BaseCommand):
    help = "Verify the hash chain of every case's events (from the last signed checkpoint); name the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true",
                            help="hash every event again, not only those written since the last checkpoint")
        parser.add_argument("--restart", action="store_true",
                            help="with --full: start a new series of checkpoints (after a key change, or once a "
                                 "damaged series was examined)")

    def handle(self, *args, full: bool = False, restart: bool = False, **options):
        try:
            result = audit_verify(full=full, restart=restart)
        except DomainError as error:
            raise CommandError(str(error)) from None
        for note in result.notes:
            self.stdout.write(note)
        for problem in result.problems:
            self.stderr.write(str(problem))
        for item in result.breaks:
            self.stderr.write(f"{item.case_number} event #{item.seq}: {item.reason}")
        if not result.ok:
            found = [f"{len(result.breaks)} broken chain(s)"] if result.breaks else []
            found += [f"{len(result.problems)} checkpoint problem(s)"] if result.problems else []
            raise CommandError(", ".join(found))
        scope = (f"{result.cases} case chain(s) verified" if result.full else
                 f"{result.cases} case chain(s) with new events verified from checkpoint #{result.since.number} "
                 f"(events up to id {result.since.last_event_id} not hashed again)")
        self.stdout.write(f"{scope}; {result.hashed} event(s) hashed")
        cp = result.checkpoint
        if cp is None:
            self.stdout.write("another verification signed a checkpoint meanwhile; none written")
        else:
            self.stdout.write(f"checkpoint #{cp.number} signed: events up to id {cp.last_event_id} "
                              f"({cp.events} event(s)), signature {cp.signature[:16]}…")

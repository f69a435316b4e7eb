"""``govhall sweep_media``: delete the uploaded files no row names (left by a
process killed between writing a file and committing its row), older than a
grace period. docs/operations.md, "Faults and recovery"."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from govhall.core.media import DEFAULT_MIN_AGE, media_orphans, media_sweep


class Command(BaseCommand):
    help = "Delete media files that no row references (orphans of interrupted uploads)."

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=int, default=int(DEFAULT_MIN_AGE.total_seconds()), metavar="SECONDS",
                            help="only files written at least this long ago (default: %(default)s): "
                                 "a younger file may belong to an upload still being committed")
        parser.add_argument("--dry-run", action="store_true", help="list the orphans, delete nothing")

    def handle(self, *args, min_age: int, dry_run: bool, **options):
        if min_age < 0:
            raise CommandError("--min-age must be 0 or more seconds")
        age = timedelta(seconds=min_age)
        names = media_orphans(min_age=age) if dry_run else media_sweep(min_age=age)
        for name in names:
            self.stdout.write(name)
        verb = "orphan file(s) found" if dry_run else "orphan file(s) deleted"
        self.stdout.write(f"{len(names)} {verb}")

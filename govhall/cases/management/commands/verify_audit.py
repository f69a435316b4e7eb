"""``govhall verify-audit``: check every case's hash chain (DESIGN 3.6).

Exit 0 when every chain holds; otherwise print each broken case with its
first broken event and exit 1.
"""

from django.core.management.base import BaseCommand, CommandError

from govhall.cases.events import chains_verify
from govhall.cases.models import Case


class Command(BaseCommand):
    help = "Verify the hash chain of every case's events; name the first broken event."

    def handle(self, *args, **options):
        broken = list(chains_verify())
        for item in broken:
            self.stderr.write(f"{item.case_number} event #{item.seq}: {item.reason}")
        if broken:
            raise CommandError(f"{len(broken)} broken chain(s)")
        self.stdout.write(f"{Case.objects.count()} case chain(s) verified")

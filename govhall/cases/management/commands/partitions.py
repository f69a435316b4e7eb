"""``govhall partitions``: the monthly partitions of the case event table
(PostgreSQL), with their rows; ``--ensure`` creates the months ahead."""

from django.core.management.base import BaseCommand, CommandError

from govhall.cases.partitions import MONTHS_AHEAD, event_partitions, event_partitions_ensure, is_partitioned
from govhall.core import clock


class Command(BaseCommand):
    help = "List the monthly partitions of the case event table (PostgreSQL); --ensure creates the months ahead."

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="create the partitions of the months ahead")
        parser.add_argument("--ahead", type=int, default=MONTHS_AHEAD,
                            help=f"months ahead of today to create (default {MONTHS_AHEAD})")

    def handle(self, *args, ensure: bool, ahead: int, **options):
        if not is_partitioned():
            raise CommandError("the case event table is not partitioned (partitions need PostgreSQL)")
        if ahead < 0:
            raise CommandError("--ahead must be 0 or more")
        if ensure:
            for name in event_partitions_ensure(today=clock.today(), ahead=ahead):
                self.stdout.write(f"created {name}")
        for partition in event_partitions():
            month = partition.start.strftime("%Y-%m") if partition.start else "default"
            self.stdout.write(f"{partition.name}\t{month}\t{partition.rows} events")

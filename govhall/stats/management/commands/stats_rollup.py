"""``govhall stats-rollup``: bring the statistics' rollups up to date now;
``--rebuild``: start over from the cases, ratings and alerts;
``--schedule``: make sure the task worker refreshes them every minute."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Refresh the statistics' rollups (--rebuild: recompute them all; --schedule: let the worker do it)."

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--rebuild", action="store_true", help="recompute every rollup from the cases")
        what.add_argument("--schedule", action="store_true",
                          help="only enqueue the periodic refresh for the task worker (if none is waiting)")

    def handle(self, *args, rebuild: bool = False, schedule: bool = False, **options):
        if schedule:
            from govhall.stats.tasks import schedule_next

            enqueued = schedule_next(immediately=True)
            self.stdout.write("rollup refresh scheduled" if enqueued else "rollup refresh already scheduled")
            return
        from govhall.stats.rollup import rollups_rebuild, rollups_refresh

        result = rollups_rebuild() if rebuild else rollups_refresh()
        self.stdout.write(f"rollups {'rebuilt' if result.rebuilt else 'refreshed'}: {result.cases} case(s), "
                          f"{result.days} day(s), {result.alert_days} alert day(s) in {result.seconds:.2f} s")

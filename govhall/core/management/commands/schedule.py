"""``govhall schedule``: enqueue the first run of every periodic task that
has none waiting (the supervision scan, the daily audit verification, the
statistics' rollup refresh, the event table's monthly partitions). The
worker runs it when it starts (``govhall worker``, ``make run``)."""

from django.core.management.base import BaseCommand

from govhall.core.tasks import periodic_schedule


class Command(BaseCommand):
    help = "Enqueue every periodic task of the task worker that has no run waiting."

    def handle(self, *args, **options):
        for label, enqueued in periodic_schedule():
            self.stdout.write(f"{label}: {'scheduled' if enqueued else 'already scheduled or not needed'}")

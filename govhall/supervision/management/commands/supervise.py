"""``govhall supervise``: run the time rules of electronic supervision once;
``--schedule``: make sure the task worker runs them every few seconds, and
verifies the audit chains once a day (GOVHALL_AUDIT_VERIFY_AT)."""

from django.core.management.base import BaseCommand

from govhall.core import clock


class Command(BaseCommand):
    help = "Run the supervision time rules once (lights, late steps, new events, late follow-ups)."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true",
                            help="only enqueue the periodic scan and the daily audit verification for the task "
                                 "worker (each if none is waiting)")

    def handle(self, *args, schedule: bool = False, **options):
        if schedule:
            from govhall.supervision.tasks import audit_schedule_next, schedule_next

            enqueued = schedule_next(immediately=True)
            self.stdout.write("supervision scan scheduled" if enqueued else "supervision scan already scheduled")
            enqueued = audit_schedule_next()
            self.stdout.write("daily audit verification scheduled" if enqueued
                              else "daily audit verification already scheduled")
            return
        from govhall.supervision.engine import supervise_scan

        result = supervise_scan(at=clock.now())
        self.stdout.write(f"supervision: {result.cases} case(s) looked at, {result.events} new event(s) checked, "
                          f"{result.followups} late follow-up(s) alerted, {result.others} row(s) of other apps' "
                          f"deadlines looked at")

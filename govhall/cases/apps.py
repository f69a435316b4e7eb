from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "govhall.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self):
        from govhall.calendars.signals import calendar_changed

        calendar_changed.connect(_recompute_deadlines, dispatch_uid="cases_recompute_deadlines")


def _recompute_deadlines(**kwargs):
    from govhall.cases.tasks import case_deadlines_recompute_task

    case_deadlines_recompute_task.enqueue()

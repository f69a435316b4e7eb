"""Thin tasks: call the service (STYLE 7)."""

from django_tasks import task


@task()
def case_deadlines_recompute_task() -> int:
    from govhall.cases.services import case_deadlines_recompute

    return case_deadlines_recompute()

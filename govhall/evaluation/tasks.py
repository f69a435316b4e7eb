"""Thin tasks: load by id, call the service (STYLE 7)."""

from django_tasks import task


@task()
def rating_invite_task(case_id: int) -> bool:
    """The SMS invitation to rate a delivered case, enqueued once the
    delivery commits; whether an invitation was recorded (its message goes
    out when that record commits)."""
    from govhall.cases.models import Case
    from govhall.evaluation.services import rating_invite_send

    case = Case.objects.select_related("item_version", "center").filter(pk=case_id).first()
    if case is None:
        return False
    return rating_invite_send(case=case)

"""The project tracking card (审批跟踪卡, 刷卡办事), DESIGN 3.8: a green-channel
case or a joint case carries a card with its number and a QR code leading
to its workbench page; opening it there (by the code, or by the number in
the search box) records the contact — who, which department and window,
when — and each department's holding time is measured from its cases'
receipt and decision days (working days, through ``cases.deadlines``)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases.deadlines import working_days_taken
from govhall.cases.models import Case
from govhall.cases.selectors import case_get_for_staff
from govhall.core import clock
from govhall.core.actors import person
from govhall.core.errors import NotFound
from govhall.joint.models import JointCase, ProjectContact
from govhall.joint.selectors import joint_case_get


def card_url(number: str) -> str:
    """Where the card's QR code leads: the project's page in the workbench."""
    return settings.GOVHALL_PUBLIC_URL + reverse("track_card", args=[number])


def card_target(*, user, number: str) -> Case | JointCase:
    """The project whose card bears ``number`` in ``user``'s scope: a joint
    case, or a green-channel case (others carry no card). NotFound otherwise."""
    number = (number or "").strip().upper()
    joint = joint_case_get(user=user, number=number) if number else None
    if joint is not None:
        return joint
    case = Case.objects.filter(number=number, green_channel=True).values_list("pk", flat=True).first()
    found = case_get_for_staff(user=user, case_id=case) if case is not None else None
    if found is None:
        raise NotFound(_("没有这张跟踪卡，或您无权查看该项目。"), field="number")
    return found


@transaction.atomic
def card_scan(*, actor, number: str, at: datetime | None = None) -> tuple[Case | JointCase, ProjectContact]:
    """Open the project of card ``number`` and record the contact."""
    target = card_target(user=actor, number=number)
    return target, contact_record(actor=actor, target=target, at=at)


def contact_record(*, actor, target: Case | JointCase, at: datetime | None = None) -> ProjectContact:
    """Record a contact of staff ``actor`` with the project: a scan of its
    card, or the joint application's receipt at the comprehensive window —
    the card's first contact, made with the card (``joint_submit``)."""
    joint = isinstance(target, JointCase)
    return ProjectContact.objects.create(case=None if joint else target, joint_case=target if joint else None,
                                         user=person(actor), department_id=actor.department_id,
                                         window_id=actor.window_id, at=at or clock.now())


@dataclass(frozen=True)
class Holding:
    """How long one department held the project: its cases, the working days
    from each one's receipt to its decision (or to ``today`` while open),
    and the contacts of its staff."""

    department: str
    cases: int
    days: int
    open_cases: int
    contacts: int
    last_contact: datetime | None


def holding_times(target: Case | JointCase, *, today: date) -> list[Holding]:
    """Each department's holding time of the project, measured, the longest first."""
    if isinstance(target, JointCase):
        held = Case.objects.filter(joint_link__joint_case=target).select_related("department")
        contacts = ProjectContact.objects.filter(joint_case=target)
    else:
        held = Case.objects.filter(pk=target.pk).select_related("department")
        contacts = ProjectContact.objects.filter(case=target)
    rows: dict[int, dict] = {}
    for case in held:
        row = rows.setdefault(case.department_id, {"department": case.department.name, "cases": 0, "days": 0,
                                                   "open_cases": 0, "contacts": 0, "last_contact": None})
        row["cases"] += 1
        start = case.received_on or timezone.localtime(case.created_at).date()
        end = case.decided_on or today
        if case.decided_on is None:
            row["open_cases"] += 1
        row["days"] += working_days_taken(accepted_on=start, decided_on=max(end, start))
    for contact in contacts.select_related("department"):
        if contact.department_id is None:
            continue
        row = rows.setdefault(contact.department_id, {"department": contact.department.name, "cases": 0, "days": 0,
                                                      "open_cases": 0, "contacts": 0, "last_contact": None})
        row["contacts"] += 1
        row["last_contact"] = contact.at
    return sorted((Holding(**row) for row in rows.values()), key=lambda h: (-h.days, h.department))

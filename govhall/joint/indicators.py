"""Indicators of joint approval (docs/joint.md, "Indicators"), for a period
and a center with the centers below it, within what the reader may see
(``joint.selectors.joint_case_scope``).

- **received**: joint cases received in the period (``received_on``);
- **delivered**: joint cases delivered together (统一出件, state
  ``delivered``) in the period (``ended_on``);
- **on time**: of those, delivered by the whole's deadline (``ended_on`` ≤
  ``due_date``, the deadline as the row keeps it: stopped periods left out,
  the extension added);
- **average working days**: of those, the working days from receipt to the
  unified delivery, (received_on, ended_on] (govhall.timing, through
  ``cases.deadlines.working_days_taken``), averaged — the total the
  applicant waited, days stood stopped included;
- **time saved**: for the same joint cases, the serial time limit — the sum
  of the promised days of every item approved (each current sub-case's
  item version), what the items would have been promised one after another
  — against those actual working days: saved = serial − actual, and its
  share of the serial time.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from govhall.cases.deadlines import working_days_taken
from govhall.joint.models import JointCase, JointState, SubCase
from govhall.joint.selectors import joint_case_scope
from govhall.org.models import Center, User


@dataclass(frozen=True)
class JointIndicators:
    received: int
    delivered: int
    on_time: int
    total_days: int  # working days from receipt to delivery, summed over the delivered
    serial_days: int  # the items' promised days, summed over the delivered

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.delivered if self.delivered else None

    @property
    def average_days(self) -> float | None:
        return round(self.total_days / self.delivered, 1) if self.delivered else None

    @property
    def saved_days(self) -> int:
        return self.serial_days - self.total_days

    @property
    def saved_rate(self) -> float | None:
        return self.saved_days / self.serial_days if self.serial_days else None


def joint_indicators(*, user: User, start: date, end: date, center: Center | None = None) -> JointIndicators:
    """The figures of the joint cases ``user`` may see, of ``center`` and
    the centers below it (all of them without one), for [start, end]: three
    reads whatever the volume, the working days counted in Python over the
    delivered joint cases' two dates."""
    joints = JointCase.objects.filter(joint_case_scope(user))
    if center is not None:
        joints = joints.filter(center__path__startswith=center.path)
    received = joints.filter(received_on__range=(start, end)).count()
    delivered = joints.filter(state=JointState.DELIVERED, ended_on__range=(start, end))
    rows = list(delivered.values_list("received_on", "ended_on", "due_date"))
    serial = SubCase.objects.filter(joint_case__in=delivered.values("pk"), replaced=False).aggregate(
        days=Sum("item_version__promised_days"))["days"] or 0
    total = sum(working_days_taken(accepted_on=received_on, decided_on=ended_on) for received_on, ended_on, _due in rows)
    on_time = sum(1 for _received, ended_on, due in rows if due is not None and ended_on <= due)
    return JointIndicators(received=received, delivered=len(rows), on_time=on_time, total_days=total,
                           serial_days=serial)

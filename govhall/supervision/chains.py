"""The daily verification of the case event chains (DESIGN 3.6) as
supervision sees it: a broken chain, or a damaged checkpoint, is a red alert
(docs/supervision.md, "The audit chains").

Run by ``audit_verify_task`` once a day (GOVHALL_AUDIT_VERIFY_AT):
incremental from the last signed checkpoint, everything again once the last
full verification is GOVHALL_AUDIT_FULL_DAYS old.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models.functions import Length

from govhall.cases.events import CheckpointProblem, audit_verify, checkpoint_latest_full
from govhall.cases.models import Case
from govhall.org.models import Department
from govhall.supervision.engine import Finding, alert_raise
from govhall.supervision.models import Alert, Severity

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainsResult:
    full: bool
    cases: int
    hashed: int
    breaks: int
    problems: int
    raised: int
    checkpoint: int | None  # the number of the checkpoint signed, if one was


def _raise_once(finding: Finding, **where) -> bool:
    """Raise the finding unless its condition was ever alerted: a broken
    event stays broken (the log is append-only), so an alert a supervisor
    closed after the department's answer is not raised again every day."""
    if Alert.objects.filter(rule=finding.rule, subject=finding.subject).exists():
        return False
    return alert_raise(finding, **where) is not None


def _hall_department() -> Department | None:
    """Who answers for the audit log as a whole (a checkpoint names no
    case; every alert names a department): the first department of the
    topmost center that has any. Supervisors see the alert wherever it is."""
    return Department.objects.order_by(Length("center__path"), "pk").first()


def _problem_finding(problem: CheckpointProblem) -> Finding:
    subject = f"audit:checkpoint:{problem.number}" if problem.number else "audit:history"
    return Finding("audit.checkpoint", subject, Severity.RED,
                   f"审计检查点#{problem.number}校验未通过（被篡改、删除或以其他密钥签署），办件事件链的核验结果不可信。",
                   {"reason": problem.reason})


def chains_supervise(*, at: datetime) -> ChainsResult:
    """Verify the chains and raise one red alert per broken chain (at its
    first broken event) and per checkpoint problem; a sound run raises
    nothing and signs the next checkpoint."""
    last_full = checkpoint_latest_full()
    full = last_full is None or at - last_full >= timedelta(days=settings.GOVHALL_AUDIT_FULL_DAYS)
    result = audit_verify(full=full)
    raised = 0
    broken = Case.objects.select_related("department", "window").in_bulk([b.case_id for b in result.breaks])
    for item in result.breaks:
        case = broken[item.case_id]
        finding = Finding("case.chain_broken", f"case:{case.pk}:chain:{item.seq}", Severity.RED,
                          f"办件{case.number}的事件链自第{item.seq}个事件起校验未通过（事件被修改、删除或插入）。",
                          {"seq": item.seq, "reason": item.reason})
        raised += _raise_once(finding, department=case.department, case=case, window=case.window, at=at)
    department = _hall_department() if result.problems else None
    for problem in result.problems:
        if department is None:  # no organization to alert yet: the log says it
            logger.error("audit checkpoint problem, no department to alert: %s", problem)
            continue
        raised += _raise_once(_problem_finding(problem), department=department, at=at)
    return ChainsResult(full=result.full, cases=result.cases, hashed=result.hashed, breaks=len(result.breaks),
                        problems=len(result.problems), raised=raised,
                        checkpoint=result.checkpoint.number if result.checkpoint else None)

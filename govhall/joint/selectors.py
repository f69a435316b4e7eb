"""Reads of joint approval, each carrying the reader's scope.

- applicants see their own joint cases;
- center managers (and hotline operators) the joint cases of their center
  and below; supervisors and administrators everything;
- department staff the joint cases whose theme has a stage their department
  leads (牵头部门: the whole, every sub-case) or in which their department
  has a sub-case (抄告相关: the joint case, and of its sub-cases those they
  may see as cases); window staff those received at their center's windows.
"""

from datetime import date

from django.db.models import Q, QuerySet

from govhall.cases.models import Case
from govhall.cases.selectors import staff_case_scope
from govhall.joint.models import (
    JointCase,
    JointEvent,
    JointFinding,
    JointStage,
    JointState,
    Stage,
    StageState,
    SubCase,
    Theme,
    ThemeStatus,
)
from govhall.org.models import User
from govhall.org.roles import CENTER_ROLES, DEPARTMENT_ROLES, GLOBAL_ROLES, Role
from govhall.org.selectors import NOTHING, user_department_ids


def _lead_ids(user: User) -> set[int]:
    return user_department_ids(user) if user.role in DEPARTMENT_ROLES else set()


def joint_case_scope(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role == Role.APPLICANT:
        return Q(applicant_id=user.pk)
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return Q()
    if user.role in CENTER_ROLES:
        return Q(center__path__startswith=user.center.path) if user.center_id else NOTHING
    if user.role in DEPARTMENT_ROLES:
        ids = user_department_ids(user)
        scope = (Q(theme__in=Stage.objects.filter(lead_department_id__in=ids).values("theme_id"))
                 | Q(pk__in=SubCase.objects.filter(case__department_id__in=ids).values("joint_case_id")))
        if user.window_id:
            scope |= Q(center_id=user.window.center_id)
        return scope
    return NOTHING


def joint_case_list_visible(*, user: User) -> QuerySet[JointCase]:
    """The joint cases ``user`` may see, the most urgent first (green channel ahead)."""
    return (JointCase.objects.filter(joint_case_scope(user)).select_related("theme", "center")
            .order_by("-green_channel", "due_date", "pk"))


def joint_case_get(*, user: User, number: str) -> JointCase | None:
    """One joint case by its number, within ``user``'s scope (None otherwise)."""
    return joint_case_list_visible(user=user).filter(number=number).order_by().first()


def joint_case_get_public(*, number: str, query_code: str) -> JointCase | None:
    """A joint case by its number and query code, for the public progress
    query (both needed: no enumeration), as ``cases.selectors.case_get_public``."""
    if not number or not query_code:
        return None
    return (JointCase.objects.select_related("theme")
            .filter(number=number.strip(), query_code=query_code.strip().upper()).order_by().first())


def joint_sees_whole(user: User, joint: JointCase) -> bool:
    """Whether ``user`` sees every sub-case of ``joint``: the lead
    departments of its theme, its center's managers, supervisors, the
    applicant himself."""
    if user.role == Role.APPLICANT:
        return joint.applicant_id == user.pk
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return True
    if user.role in CENTER_ROLES:
        return bool(user.center_id) and joint.center.path.startswith(user.center.path)
    return Stage.objects.filter(theme_id=joint.theme_id, lead_department_id__in=_lead_ids(user)).exists()


def joint_sub_cases(*, user: User, joint: JointCase) -> QuerySet[SubCase]:
    """The sub-cases of ``joint`` that ``user`` may see, by stage and item:
    all of them for whoever sees the whole, else those whose case is in the
    user's case scope."""
    qs = (SubCase.objects.filter(joint_case=joint)
          .select_related("case", "case__department", "joint_stage__stage", "stage_item__item"))
    if joint_sees_whole(user, joint):
        return qs
    return qs.filter(case__in=Case.objects.filter(staff_case_scope(user)))


def joint_events(*, user: User, joint: JointCase) -> list[JointEvent]:
    """The joint events of ``joint`` (a joint case ``user`` may see), by date,
    each with ``shown_findings``: the findings of the sub-cases ``user`` may
    see (every one for whoever sees the whole)."""
    visible = set(joint_sub_cases(user=user, joint=joint).values_list("pk", flat=True))
    events = list(JointEvent.objects.filter(joint_case=joint).select_related("organizer"))
    findings = (JointFinding.objects.filter(event__joint_case=joint, sub_case_id__in=visible)
                .select_related("sub_case__case__department", "sub_case__case__item_version", "recorded_by"))
    by_event: dict[int, list[JointFinding]] = {}
    for finding in findings:
        by_event.setdefault(finding.event_id, []).append(finding)
    for event in events:
        event.shown_findings = by_event.get(event.pk, [])
    return events


WARNED = ("yellow", "red")
WALL_ROWS = 50


def joint_wall_rows(*, user: User, limit: int = WALL_ROWS) -> dict:
    """The supervisor's wall: the joint cases of ``user``'s scope whose clock
    runs (办理中, 待统一出件) with a yellow or red light, of the whole or of a
    running stage — red first, then by deadline — each as a row: the joint
    case, its worst light, the deadline behind it (the whole's, or the
    stage's when the stage is the more urgent), the stage and the lead
    department answering for it. Returns {"rows", "count"}: at most
    ``limit`` rows, those of the nearest whole deadlines when there are more
    (three reads whatever the volume)."""
    warned_stage = JointStage.objects.filter(state=StageState.RUNNING, light__in=WARNED)
    joints = (JointCase.objects.filter(joint_case_scope(user), state__in=(JointState.RUNNING, JointState.READY))
              .filter(Q(light__in=WARNED) | Q(pk__in=warned_stage.values("joint_case_id")))
              .select_related("theme"))
    count = joints.count()
    chosen = list(joints.order_by("due_date", "pk")[:limit])  # beyond: the count says how many more
    stages: dict[int, list[JointStage]] = {}
    for joint_stage in (JointStage.objects.filter(joint_case__in=[j.pk for j in chosen])
                        .select_related("stage__lead_department").order_by("stage__order")):
        stages.setdefault(joint_stage.joint_case_id, []).append(joint_stage)
    rows = []
    for joint in chosen:
        own = stages.get(joint.pk, [])
        running = [s for s in own if s.state == StageState.RUNNING]
        flagged = sorted((s for s in running if s.light in WARNED), key=lambda s: (s.light != "red", s.due_date))
        stage = flagged[0] if flagged else None
        whole_first = joint.light in WARNED and (stage is None or (joint.light == "red") >= (stage.light == "red"))
        light, due = (joint.light, joint.due_date) if whole_first else (stage.light, stage.due_date)
        lead = next((s.stage.lead_department for s in [*([stage] if stage else []), *running, *own]
                     if s.stage.lead_department_id), None)
        rows.append({"joint": joint, "light": light, "due_date": due, "stage": None if whole_first else stage,
                     "lead_department": lead})
    rows.sort(key=lambda r: (r["light"] != "red", r["due_date"] or date.max, r["joint"].pk))
    return {"rows": rows, "count": count}


def theme_list_administered(*, user: User) -> QuerySet[Theme]:
    """The themes ``user`` administers (joint.services: the center's
    organization administrators): of his center and below for a center
    manager, all for system administrators, none for anyone else."""
    themes = Theme.objects.select_related("center")
    if user.is_superuser or user.role == Role.SYSTEM_ADMIN:
        return themes
    if user.role == Role.CENTER_MANAGER and user.center_id:
        return themes.filter(center__path__startswith=user.center.path)
    return themes.none()


def theme_get_published(*, code: str) -> Theme | None:
    return Theme.objects.filter(code=code, status=ThemeStatus.PUBLISHED).select_related("center").first()

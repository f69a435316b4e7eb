"""Reads of supervision, each within the reader's scope."""

from django.db.models import Count, Q, QuerySet

from govhall.cases.models import Case
from govhall.cases.states import OPEN
from govhall.org.models import User
from govhall.org.roles import CENTER_ROLES
from govhall.org.selectors import NOTHING, scope_q
from govhall.supervision.models import ACTIVE_STATES, Alert, Severity
from govhall.supervision.signals import wall_sections


def alert_scope(user: User) -> Q:
    """The alerts ``user`` may see: department staff their departments';
    center managers and hotline operators those of the departments sitting
    at their center or below, and those on cases received there — as in
    their case list, a case received at a town center is the town's, whatever
    the level of its department; supervisors all."""
    scope = scope_q(user, department_id="department_id", center_path="department__center__path")
    if user.role in CENTER_ROLES and scope != NOTHING:
        scope |= scope_q(user, department_id="department_id", center_path="case__center__path")
    return scope


def alert_list_for(user: User, *, state: str = "", severity: str = "", rule: str = "",
                   department_id: int | None = None) -> QuerySet[Alert]:
    """Alerts the user may see (``alert_scope``), the active ones by default."""
    qs = (Alert.objects.filter(alert_scope(user))
          .select_related("case", "department", "window", "staff"))
    qs = qs.filter(state=state) if state else qs.filter(state__in=ACTIVE_STATES)
    if severity:
        qs = qs.filter(severity=severity)
    if rule:
        qs = qs.filter(rule=rule)
    if department_id:
        qs = qs.filter(department_id=department_id)
    return qs.order_by("-severity", "-raised_at", "-pk")  # "red" sorts after "yellow": red first


def alert_get_for(user: User, alert_id: int) -> Alert | None:
    return (Alert.objects.filter(alert_scope(user), pk=alert_id)
            .select_related("case", "department", "window", "staff", "acknowledged_by", "answered_by", "closed_by")
            .first())


def _lights(qs, key: str) -> dict:
    rows = {}
    counts = qs.values(key).annotate(
        open=Count("pk"),
        yellow=Count("pk", filter=Q(light="yellow")),
        red=Count("pk", filter=Q(light="red")),
    )
    for row in counts:
        rows[row[key]] = {"open": row["open"], "yellow": row["yellow"], "red": row["red"]}
    return rows


def wall_for(user: User) -> dict:
    """The live wall: per department and per window, open cases by light and
    active alerts by severity (a few grouped queries, whatever the volume),
    and the sections other apps add for ``user`` (``signals.wall_sections``:
    the joint cases with a yellow or red light)."""
    cases = Case.objects.filter(scope_q(user, department_id="department_id", center_path="center__path"), state__in=OPEN)
    alerts = Alert.objects.filter(alert_scope(user), state__in=ACTIVE_STATES)
    alert_counts = {}
    for key in ("department", "window"):
        alert_counts[key] = {row[key]: row for row in alerts.values(key).annotate(
            red_alerts=Count("pk", filter=Q(severity=Severity.RED)),
            yellow_alerts=Count("pk", filter=Q(severity=Severity.YELLOW)))}
    from govhall.org.models import Department, Window

    def rows(model, key):
        lights = _lights(cases, key)
        objects = model.objects.in_bulk([k for k in {*lights, *alert_counts[key]} if k is not None])
        result = []
        for pk, obj in objects.items():
            light = lights.get(pk, {"open": 0, "yellow": 0, "red": 0})
            alert = alert_counts[key].get(pk, {"red_alerts": 0, "yellow_alerts": 0})
            result.append({"object": obj, **light, "red_alerts": alert["red_alerts"], "yellow_alerts": alert["yellow_alerts"]})
        return sorted(result, key=lambda r: (-r["red"] - r["red_alerts"], -r["yellow"] - r["yellow_alerts"], str(r["object"])))

    totals = cases.aggregate(open=Count("pk"), yellow=Count("pk", filter=Q(light="yellow")), red=Count("pk", filter=Q(light="red")))
    totals |= alerts.aggregate(red_alerts=Count("pk", filter=Q(severity=Severity.RED)),
                               yellow_alerts=Count("pk", filter=Q(severity=Severity.YELLOW)))
    sections = [section for _receiver, section in wall_sections.send(sender=Alert, user=user) if section]
    return {"departments": rows(Department, "department"), "windows": rows(Window, "window"), "totals": totals,
            "sections": sections}

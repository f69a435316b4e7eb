"""Joint approval in the matrix's hall: two published themes of the district
and a draft, and two joint cases received at the district's comprehensive
window for the applicant's account — built through the services, after the
rest of the world (so the cases' numbers do not move).

- ``themes["two"]``: stage 一 led by A (A's item), stage 二 led by B (B's
  item) after it; ``joints["two"]`` runs its first stage. Its lead
  departments (A and B) see it whole, as do the district's center roles,
  window staff of the district and supervisors/administrators; a joint
  inspection is scheduled for its sub-case, the finding not yet recorded.
- ``themes["one"]``: one stage led by A; ``joints["one"]`` has its sub-case
  granted and certified: ready for the unified delivery.
- ``themes["draft"]``: a draft of the district, configured, never published.
"""

from govhall.cases import services as cases
from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.joint import services as joint

TWO = "matrix-two"
ONE = "matrix-one"
DRAFT = "matrix-draft"
THEME_NAMES = {"two": "并联示例甲", "one": "并联示例乙", "draft": "并联示例草稿"}
SHARED = ["食品经营许可申请书"]


def _theme(h, code, name, stages, *, publish=True):
    theme = joint.theme_create(actor=SYSTEM, center=h.district, code=code, name=name)
    joint.theme_configure(actor=SYSTEM, theme=theme, stages=stages)
    return joint.theme_publish(actor=SYSTEM, theme=theme) if publish else theme


def _receive(h, people, theme):
    you = people["applicant"]
    return joint.joint_submit(actor=people["clerk"], theme=theme, applicant_name=you.full_name,
                              applicant_id_number=you.id_number, applicant_phone=you.phone, materials=SHARED,
                              applicant=you)


def _granted(case):
    case = cases.case_check_materials(actor=SYSTEM, case=case, checks=cases.checks_all_required_ok(case))
    case = cases.case_accept(actor=SYSTEM, case=case)
    case = cases.case_complete_step(actor=SYSTEM, case=case, opinion="符合条件")
    case = cases.case_approve(actor=SYSTEM, case=case, opinion="同意")
    return cases.case_certify(actor=SYSTEM, case=case, certificate_number=f"{case.number}-Z")


def build_joint(h, people, items) -> tuple[dict, dict]:
    """(themes, joint cases) by label."""
    a, b = items["a"].code, items["b"].code
    themes = {
        "two": _theme(h, TWO, THEME_NAMES["two"], [
            {"name": "一", "lead_department": "A", "items": [a]},
            {"name": "二", "lead_department": "B", "items": [b], "depends_on": ["一"]}]),
        "one": _theme(h, ONE, THEME_NAMES["one"], [{"name": "一", "lead_department": "A", "items": [a]}]),
        "draft": _theme(h, DRAFT, THEME_NAMES["draft"], [{"name": "一", "lead_department": "A", "items": [a]}],
                        publish=False),
    }
    joints = {"two": _receive(h, people, themes["two"]), "one": _receive(h, people, themes["one"])}
    _granted(joints["one"].sub_cases.get().case)
    # A joint inspection of joints["two"]'s running stage, its finding not yet recorded.
    joint.joint_event_schedule(actor=SYSTEM, joint_case=joints["two"], kind="inspection", scheduled_on=clock.today(),
                               place="项目现场", sub_cases=[joints["two"].sub_cases.get()])
    for jc in joints.values():
        jc.refresh_from_db()
    return themes, joints

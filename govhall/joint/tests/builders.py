"""A hall for joint approval, built through the real services (the tests'
fixture and bench/bench_joint.py): the personas of govhall/test.py, more
departments at the district (自然资源局, 市场监管局, 税务局, 人社局, 公安局),
items of each, and two themes — a construction project in four stages of
three items each and a company start-up in one stage. The comprehensive
window's clerk may receive and deliver every department's items
(一窗受理、统一出件); each department decides its own sub-cases."""

from types import SimpleNamespace

from govhall.cases import services as cases
from govhall.cases.selectors import case_steps
from govhall.cases.tests.conftest import accept_checked, at
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.joint import services as joint
from govhall.joint.models import SubCase
from govhall.org import services as org
from govhall.org.models import Action
from govhall.org.roles import Role


def _field(key: str, label: str, kind: str = "text", required: bool = True, **extra) -> dict:
    return {"key": key, "label": label, "type": kind, "required": required, "options": extra.get("options", []),
            "max_length": None, "min": extra.get("min"), "max": extra.get("max"), "help": ""}


PROJECT = _field("project_name", "项目名称")
AREA = _field("land_area", "用地面积（平方米）", "number", min=1, max=10_000_000)
COMPANY = _field("company_name", "企业名称")
CAPITAL = _field("capital", "注册资本（万元）", "number", min=1, max=1_000_000)


def _material(name: str, source: str = "applicant", required: bool = True) -> dict:
    return {"name": name, "required": required, "condition": "", "form": "original", "copies": 1, "source": source,
            "source_department": "", "notes": ""}


def _item(department: str, number: int, name: str, *, fields: list[dict], materials: list[str]):
    code = f"5110000000{number:04d}-D1-000-{department}-1-00"
    spec = complete_spec(department, code=code, name=name, form_fields=fields,
                         materials=[_material(f"{name}申请表"), *(_material(m) for m in materials)])
    return item_create(actor=SYSTEM, spec={**spec, "status": "published"})


def decide(case, *, grant: bool = True, at=None):
    """A sub-case through its department: accepted with its materials found
    合格, every review step completed, then granted or denied (the
    department's own acts, as the system here: the lifecycle's people are
    tested in govhall/cases); a granted certificate is made."""
    case = accept_checked(actor=SYSTEM, case=case, at=at)
    steps = case_steps(case)
    while case.step < len(steps) - 1:
        case = cases.case_complete_step(actor=SYSTEM, case=case, opinion="符合要求", at=at)
    if grant:
        case = cases.case_approve(actor=SYSTEM, case=case, opinion="准予许可", at=at)
        return cases.case_certify(actor=SYSTEM, case=case, certificate_number=f"{case.number}-Z", at=at)
    return cases.case_deny(actor=SYSTEM, case=case, reasons="不符合规划条件", at=at)


def joint_hall_build(hall):
    """Add to ``hall`` (govhall.test.build_hall) the departments, items and
    both themes, published; returns it."""
    district = hall.district
    make = {code: org.department_create(actor=SYSTEM, center=district, code=code, name=name, short_name=short)
            for code, name, short in [("C", "示例区自然资源局", "自然资源局"), ("D", "示例区市场监管局", "市场监管局"),
                                      ("E", "示例区税务局", "税务局"), ("F", "示例区人社局", "人社局"),
                                      ("G", "示例区公安局", "公安局")]}
    departments = {"A": hall.dept_a, "B": hall.dept_b, **make}
    for department in departments.values():
        for action in (Action.ACCEPT, Action.DELIVER):
            org.authorization_grant(actor=SYSTEM, staff=hall.clerk, department=department, action=action)
    items = {
        "filing": _item("A", 1, "企业投资项目备案", fields=[PROJECT], materials=["项目立项批复"]),
        "environment": _item("A", 14, "环境影响评价文件审批", fields=[PROJECT], materials=["环境影响报告表"]),
        "land": _item("C", 2, "建设用地规划许可证核发", fields=[PROJECT, AREA], materials=["项目立项批复", "用地红线图"]),
        "planning": _item("C", 3, "建设工程规划许可证核发", fields=[PROJECT, AREA], materials=["设计方案总平面图"]),
        "drawings": _item("B", 4, "施工图设计文件审查备案", fields=[PROJECT], materials=["施工图设计文件"]),
        "municipal": _item("B", 15, "市政设施建设类审批", fields=[PROJECT], materials=["设计方案总平面图"]),
        "permit": _item("B", 5, "建筑工程施工许可证核发", fields=[PROJECT], materials=["施工合同"]),
        "air_defence": _item("A", 6, "人防工程施工图备案", fields=[PROJECT], materials=["施工图设计文件"]),
        "safety": _item("B", 16, "建设工程质量安全监督登记", fields=[PROJECT], materials=["施工合同"]),
        "acceptance": _item("B", 7, "建设工程竣工验收备案", fields=[PROJECT], materials=["竣工验收报告"]),
        "survey": _item("C", 8, "建设工程规划条件核实", fields=[PROJECT], materials=["竣工测量报告"]),
        "fire": _item("G", 9, "建设工程消防验收", fields=[PROJECT], materials=["竣工验收报告"]),
        "licence": _item("D", 10, "企业设立登记", fields=[COMPANY, CAPITAL], materials=["公司章程", "身份证明"]),
        "seal": _item("G", 11, "公章刻制备案", fields=[COMPANY], materials=["身份证明"]),
        "tax": _item("E", 12, "新办纳税人涉税事项", fields=[COMPANY], materials=["身份证明"]),
        "insurance": _item("F", 13, "单位社会保险登记", fields=[COMPANY], materials=["身份证明"]),
    }
    code = {key: item.code for key, item in items.items()}
    construction = joint.theme_create(actor=hall.manager, center=district, code="construction",
                                      name="工程建设项目审批")
    joint.theme_configure(actor=hall.manager, theme=construction, stages=[
        {"name": "立项用地规划", "lead_department": "C", "items": [code["filing"], code["land"], code["environment"]]},
        {"name": "工程建设许可", "lead_department": "C", "items": [code["planning"], code["drawings"], code["municipal"]],
         "depends_on": ["立项用地规划"]},
        {"name": "施工许可", "lead_department": "B", "items": [code["permit"], code["air_defence"], code["safety"]],
         "depends_on": ["工程建设许可"]},
        {"name": "竣工验收", "lead_department": "B",
         "items": [code["acceptance"], code["survey"], code["fire"]], "depends_on": ["施工许可"]},
    ])
    joint.theme_publish(actor=hall.manager, theme=construction)
    startup = joint.theme_create(actor=hall.manager, center=district, code="startup", name="开办企业一件事",
                                 whole_days=3)
    joint.theme_configure(actor=hall.manager, theme=startup, stages=[
        {"name": "企业开办", "lead_department": "D",
         "items": [code["licence"], code["seal"], code["tax"], code["insurance"]]},
    ])
    joint.theme_publish(actor=hall.manager, theme=startup)
    people = SimpleNamespace(
        lead_b=org.user_create(actor=SYSTEM, username="head_b", password="x", role=Role.DEPARTMENT_HEAD,
                               full_name="住建局负责人", department=hall.dept_b),
        reviewer_g=org.user_create(actor=SYSTEM, username="reviewer_g", password="x", role=Role.REVIEWER,
                                   full_name="公安审查", department=departments["G"]),
        reviewer_e=org.user_create(actor=SYSTEM, username="reviewer_e", password="x", role=Role.REVIEWER,
                                   full_name="税务审查", department=departments["E"]),
    )
    hall.departments, hall.items, hall.construction, hall.startup, hall.people = (
        departments, items, construction, startup, people)
    return hall


CONSTRUCTION_MATERIALS = ["企业投资项目备案申请表", "项目立项批复", "环境影响评价文件审批申请表", "环境影响报告表",
                          "市政设施建设类审批申请表", "建设工程质量安全监督登记申请表", "建设用地规划许可证核发申请表", "用地红线图",
                          "建设工程规划许可证核发申请表", "设计方案总平面图", "施工图设计文件审查备案申请表",
                          "施工图设计文件", "建筑工程施工许可证核发申请表", "施工合同", "人防工程施工图备案申请表",
                          "建设工程竣工验收备案申请表", "竣工验收报告", "建设工程规划条件核实申请表", "竣工测量报告",
                          "建设工程消防验收申请表"]
STARTUP_MATERIALS = ["企业设立登记申请表", "公司章程", "身份证明", "公章刻制备案申请表", "新办纳税人涉税事项申请表",
                     "单位社会保险登记申请表"]


def receive_construction(hall, when=None, **changes):
    """A construction project's combined application at the comprehensive window."""
    kwargs = {"actor": hall.clerk, "theme": hall.construction, "applicant_name": "示例置业有限公司",
              "applicant_kind": "organization", "applicant_id_number": "91510100MA6123456W",
              "applicant_phone": "13800001111", "form_data": {"project_name": "示例花园一期", "land_area": 12000},
              "materials": CONSTRUCTION_MATERIALS, "at": when or at("2026-03-02 10:00"), **changes}
    return joint.joint_submit(**kwargs)


def inspection_ready(hall, *, received=None, accepted="2026-03-03 10:00"):
    """The construction project's first stage with 建设用地规划许可 (自然资源局,
    the stage's lead) and 环境影响评价 (department A) accepted, a ground the
    center registered for on-site inspection, and a reviewer of the lead."""
    jc = receive_construction(hall, received)
    links = {link.stage_item.item.code: link for link in SubCase.objects.filter(joint_case=jc)
             .select_related("case", "stage_item__item")}
    land, environment = links[hall.items["land"].code], links[hall.items["environment"].code]
    for link in (land, environment):
        accept_checked(actor=SYSTEM, case=link.case, at=at(accepted))
    cases.suspension_ground_add(actor=hall.manager, center=hall.district, code="onsite_survey", name="现场踏勘",
                                legal_basis="《示例省优化营商环境条例》第三十条")
    organizer = org.user_create(actor=SYSTEM, username="reviewer_c", password="x", role=Role.REVIEWER,
                                full_name="自然资源审查", department=hall.departments["C"])
    # Department A's reviewer reviews its items (the grant resuming a case needs).
    org.authorization_grant(actor=SYSTEM, staff=hall.reviewer, department=hall.dept_a, action=Action.REVIEW)
    return jc, land, environment, organizer

"""Joint approval's pages: the center manager's themes, the comprehensive
window's combined application, the joint case list and page with its acts,
and the applicant's side on the portal (docs/joint.md)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhall.cases.models import Case
from govhall.cases.states import State
from govhall.joint import services as joint_services
from govhall.joint.models import (
    JointCase,
    JointState,
    StageState,
    SubCase,
    Theme,
    ThemeStatus,
)
from govhall.joint.tests import conftest as joint_fixtures
from govhall.joint.tests.builders import STARTUP_MATERIALS, decide
from govhall.test import sample_pdf

pytestmark = pytest.mark.django_db
joint_hall = joint_fixtures.joint_hall  # the hall with both themes published (fixture)

STARTUP_FORM = {"applicant_kind": "organization", "applicant_name": "示例科技有限公司",
                "applicant_id_number": "91510100MA6123456W", "applicant_phone": "13800001111",
                "form-company_name": "示例科技有限公司", "form-capital": "100", "materials": STARTUP_MATERIALS}


def receive_startup(client, hall, **changes):
    client.force_login(hall.clerk)
    return client.post(reverse("joint_receive", args=["startup"]), {**STARTUP_FORM, **changes})


def sub_cases(joint) -> list[Case]:
    return [s.case for s in SubCase.objects.filter(joint_case=joint, replaced=False).select_related("case")]


# --- themes ------------------------------------------------------------------------------

def test_a_center_manager_creates_configures_and_publishes_a_theme(client, joint_hall):
    hall = joint_hall
    client.force_login(hall.manager)
    page = client.get(reverse("joint_theme_list")).content.decode()
    assert "工程建设项目审批" in page and "开办企业一件事" in page
    answer = client.post(reverse("joint_theme_new"), {"center": "D1", "code": "residence", "name": "新生儿出生一件事",
                                                      "whole_days": "10", "description": ""})
    theme = Theme.objects.get(code="residence")
    assert answer.status_code == 302 and answer["Location"] == reverse("joint_theme_detail", args=[theme.pk])
    code = {key: item.code for key, item in hall.items.items()}
    stages = {"stages-TOTAL_FORMS": "2", "stages-INITIAL_FORMS": "0",
              "stages-0-name": "登记", "stages-0-lead_department": "D", "stages-0-items": [code["licence"], code["seal"]],
              "stages-0-depends_on": "",
              "stages-1-name": "税务社保", "stages-1-lead_department": "E", "stages-1-items": [code["tax"]],
              "stages-1-depends_on": "登记"}
    answer = client.post(reverse("joint_theme_detail", args=[theme.pk]), stages)
    assert answer.status_code == 302
    assert [(s.name, s.lead_department.code) for s in theme.stages.all()] == [("登记", "D"), ("税务社保", "E")]
    assert [d.name for d in theme.stages.get(name="税务社保").depends_on.all()] == ["登记"]
    page = client.get(reverse("joint_theme_detail", args=[theme.pk])).content.decode()
    assert "一表制申请表" in page and "企业名称" in page  # the combined form, each question once
    assert client.post(reverse("joint_theme_publish", args=[theme.pk])).status_code == 302
    theme.refresh_from_db()
    assert theme.status == ThemeStatus.PUBLISHED
    answer = client.post(reverse("joint_theme_revise", args=[theme.pk]))
    draft = Theme.objects.get(code="residence", version=2)
    assert answer["Location"] == reverse("joint_theme_detail", args=[draft.pk])
    assert draft.status == ThemeStatus.DRAFT and draft.stages.count() == 2


def test_theme_refusals_are_shown_at_their_field(client, joint_hall):
    hall = joint_hall
    client.force_login(hall.manager)
    answer = client.post(reverse("joint_theme_new"), {"center": "D1", "code": "Bad Code", "name": "示例",
                                                      "whole_days": "45"})
    assert answer.status_code == 400 and "code" in answer.context["form"].errors
    answer = client.post(reverse("joint_theme_new"), {"center": "D1", "code": "ok", "name": "示例", "whole_days": "60"})
    assert answer.status_code == 400 and "第四十二条" in answer.context["form"].errors["whole_days"][0]
    theme = joint_services.theme_create(actor=hall.manager, center=hall.district, code="draft", name="示例")
    code = hall.items["filing"].code
    # The same item in two stages: the second stage's items say so.
    answer = client.post(reverse("joint_theme_detail", args=[theme.pk]), {
        "stages-TOTAL_FORMS": "2", "stages-INITIAL_FORMS": "0",
        "stages-0-name": "一", "stages-0-lead_department": "A", "stages-0-items": [code], "stages-0-depends_on": "",
        "stages-1-name": "二", "stages-1-lead_department": "B", "stages-1-items": [code], "stages-1-depends_on": "一"})
    assert answer.status_code == 400
    rows = answer.context["formset"].forms
    assert not rows[0].errors and "只能出现一次" in rows[1].errors["items"][0]
    # A cycle of dependencies: named at the first stage of it.
    answer = client.post(reverse("joint_theme_detail", args=[theme.pk]), {
        "stages-TOTAL_FORMS": "2", "stages-INITIAL_FORMS": "0",
        "stages-0-name": "一", "stages-0-lead_department": "A", "stages-0-items": [code], "stages-0-depends_on": "二",
        "stages-1-name": "二", "stages-1-lead_department": "B", "stages-1-items": [hall.items["permit"].code],
        "stages-1-depends_on": "一"})
    assert answer.status_code == 400 and "循环" in answer.context["formset"].forms[0].errors["depends_on"][0]
    assert not theme.stages.exists()


def test_only_center_managers_and_administrators_configure_themes(client, joint_hall):
    hall = joint_hall
    for user in (hall.clerk, hall.reviewer, hall.supervisor):
        client.force_login(user)
        assert client.get(reverse("joint_theme_list")).status_code == 403
        assert client.post(reverse("joint_theme_publish", args=[hall.startup.pk])).status_code == 403
    client.force_login(hall.applicant)
    assert client.get(reverse("joint_theme_list")).status_code == 403
    # The town's manager does not see the district's themes.
    client.force_login(hall.town_manager)
    assert "开办企业一件事" not in client.get(reverse("joint_theme_list")).content.decode()
    assert client.get(reverse("joint_theme_detail", args=[hall.startup.pk])).status_code == 404
    client.force_login(hall.admin)
    assert client.get(reverse("joint_theme_detail", args=[hall.startup.pk])).status_code == 200


# --- the comprehensive window ---------------------------------------------------------------

def test_the_clerk_receives_a_combined_application_and_the_stage_starts(client, joint_hall):
    hall = joint_hall
    client.force_login(hall.clerk)
    assert "开办企业一件事" in client.get(reverse("joint_receive_pick")).content.decode()
    page = client.get(reverse("joint_receive", args=["startup"])).content.decode()
    # Each question and each shared material asked once (身份证明 serves three items).
    assert page.count('name="form-company_name"') == 1 and page.count('value="身份证明"') == 1
    answer = receive_startup(client, hall)
    joint = JointCase.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("joint_detail", args=[joint.number])
    page = client.get(answer["Location"]).content.decode()
    assert joint.number in page and "企业开办" in page and "并联审批中" in page
    for case in sub_cases(joint):
        assert case.number in page and case.department.name in page
    assert "9151**********456W" in page  # the identity number masked


def test_the_delivery_method_is_asked_once_for_the_unified_delivery(client, joint_hall):
    """统一出件: the combined form asks how the results are wanted once,
    among the methods every item offers; each sub-case carries the answer."""
    hall = joint_hall
    client.force_login(hall.clerk)
    page = client.get(reverse("joint_receive", args=["startup"])).content.decode()
    assert page.count('name="delivery_method"') == 2  # 窗口领取 and 电子送达, offered by every item
    delivery = page.split('class="stack joint-delivery"')[1].split("</fieldset>")[0]
    assert "checked" not in delivery  # none chosen for the applicant: not stated unless asked
    assert 'value="mail"' not in page
    refused = receive_startup(client, hall, delivery_method="mail")
    assert refused.status_code == 400 and "该事项的办理结果可以：窗口领取、电子送达" in refused.content.decode()
    assert not JointCase.objects.exists()
    answer = receive_startup(client, hall, delivery_method="electronic")
    joint = JointCase.objects.get()
    assert joint.delivery_method == "electronic"
    assert {case.delivery_method for case in sub_cases(joint)} == {"electronic"}
    assert "电子送达" in client.get(answer["Location"]).content.decode()


def test_combined_form_refusals_name_the_field_and_write_nothing(client, joint_hall):
    hall = joint_hall
    answer = receive_startup(client, hall, materials=STARTUP_MATERIALS[1:])
    assert answer.status_code == 400 and "企业设立登记申请表" in answer.context["answers"].errors["materials"][0]
    answer = receive_startup(client, hall, **{"form-capital": "abc"})
    assert answer.status_code == 400 and "form-capital" in answer.context["answers"].errors
    answer = receive_startup(client, hall, applicant_phone="12")
    assert answer.status_code == 400 and "applicant_phone" in answer.context["form"].errors
    assert not JointCase.objects.exists() and not Case.objects.exists()


def test_only_a_comprehensive_window_receives(client, joint_hall):
    hall = joint_hall
    for user in (hall.clerk_b, hall.reviewer, hall.manager):
        client.force_login(user)
        assert client.get(reverse("joint_receive_pick")).status_code == 403
        assert client.post(reverse("joint_receive", args=["startup"]), STARTUP_FORM).status_code == 403
    client.force_login(hall.clerk)
    assert client.get(reverse("joint_receive", args=["no-such-theme"])).status_code == 404
    assert not JointCase.objects.exists()


# --- the joint case -----------------------------------------------------------------------

def test_each_department_sees_its_part_and_others_nothing(client, joint_hall):
    hall = joint_hall
    receive_startup(client, hall)
    joint = JointCase.objects.get()
    tax = next(c for c in sub_cases(joint) if c.department.code == "E")
    others = [c for c in sub_cases(joint) if c.department.code != "E"]
    # The tax department (抄告相关) sees the joint case and its own sub-case only.
    client.force_login(hall.people.reviewer_e)
    assert joint.number in client.get(reverse("joint_worklist")).content.decode()
    page = client.get(reverse("joint_detail", args=[joint.number])).content.decode()
    assert tax.number in page and not any(c.number in page for c in others)
    # The lead department's staff see every sub-case: a market regulator of D.
    from govhall.core.actors import SYSTEM
    from govhall.org import services as org
    from govhall.org.roles import Role

    lead = org.user_create(actor=SYSTEM, username="reviewer_d", password="x", role=Role.REVIEWER,
                           department=hall.departments["D"])
    client.force_login(lead)
    page = client.get(reverse("joint_detail", args=[joint.number])).content.decode()
    assert all(c.number in page for c in sub_cases(joint))
    # A department with no part in it, and an applicant: nothing.
    client.force_login(hall.reviewer)
    assert joint.number not in client.get(reverse("joint_worklist")).content.decode()
    assert client.get(reverse("joint_detail", args=[joint.number])).status_code == 404
    client.force_login(hall.applicant)
    assert client.get(reverse("joint_detail", args=[joint.number])).status_code == 403
    assert client.get(reverse("joint_worklist")).status_code == 403


def test_the_clerk_delivers_everything_together_once_all_is_decided(client, joint_hall):
    hall = joint_hall
    receive_startup(client, hall)
    joint = JointCase.objects.get()
    url = reverse("joint_act", args=[joint.number, "deliver"])
    assert "统一出件" not in client.get(reverse("joint_detail", args=[joint.number])).content.decode().split("联办过程")[0]
    for case in sub_cases(joint):
        decide(case)
    joint.refresh_from_db()
    assert joint.state == JointState.READY
    client.force_login(hall.people.reviewer_e)  # not at a window: may not deliver
    assert client.post(url, {"deliver-method": "window", "deliver-received_by": "王经理"}).status_code == 403
    client.force_login(hall.clerk)
    answer = client.post(url, {"deliver-method": "window", "deliver-received_by": ""})
    assert answer.status_code == 400 and "received_by" in answer.context["deliver"].errors
    answer = client.post(url, {"deliver-method": "window", "deliver-received_by": "王经理"})
    assert answer.status_code == 302
    joint.refresh_from_db()
    assert joint.state == JointState.DELIVERED
    assert {c.state for c in sub_cases(joint)} == {State.DELIVERED}
    assert "已统一出件" in client.get(reverse("joint_detail", args=[joint.number])).content.decode()


def test_a_denied_item_is_applied_for_again_at_the_window(client, joint_hall):
    hall = joint_hall
    receive_startup(client, hall)
    joint = JointCase.objects.get()
    cases = sub_cases(joint)
    for case in cases[1:]:
        decide(case)
    decide(cases[0], grant=False)
    joint.refresh_from_db()
    assert joint.state == JointState.STOPPED
    page = client.get(reverse("joint_detail", args=[joint.number])).content.decode()
    assert "重新申请" in page and "统一出件" in page
    denied = SubCase.objects.get(case=cases[0])
    assert denied.stage_item.item == hall.items["licence"]  # asks the company's name and capital
    url = reverse("joint_act", args=[joint.number, "reapply"])
    prefix = f"sub{denied.pk}"
    # The item's own questions, with a changed answer; a bad one is refused at its field.
    answer = client.post(url, {"sub_case": denied.pk, f"{prefix}-form-company_name": "示例科技有限公司",
                               f"{prefix}-form-capital": "-5"})
    assert answer.status_code == 400 and answer.context["reapply"][0][1].errors["form-capital"]
    assert SubCase.objects.filter(joint_case=joint).count() == 4
    answer = client.post(url, {"sub_case": denied.pk, f"{prefix}-form-company_name": "示例科技有限公司",
                               f"{prefix}-form-capital": "500"})
    assert answer.status_code == 302
    joint.refresh_from_db()
    assert joint.state == JointState.RUNNING and joint.stages.get().state == StageState.RUNNING
    fresh = SubCase.objects.get(joint_case=joint, stage_item=denied.stage_item, replaced=False)
    assert fresh.case.state == State.SUBMITTED and fresh.case.form_data["capital"] == 500
    assert fresh.case.number in client.get(reverse("joint_detail", args=[joint.number])).content.decode()
    # A granted sub-case cannot be applied for again: the page says why.
    granted = SubCase.objects.get(case=cases[1])
    client.post(url, {"sub_case": granted.pk, f"sub{granted.pk}-form-company_name": "示例科技有限公司"})
    assert SubCase.objects.filter(joint_case=joint).count() == 5


def test_the_manager_extends_the_whole_once_with_the_heads_approval(client, joint_hall):
    hall = joint_hall
    receive_startup(client, hall)
    joint = JointCase.objects.get()
    url = reverse("joint_act", args=[joint.number, "extend"])
    client.force_login(hall.clerk)
    assert client.post(url, {"extend-days": "5", "extend-reason": "x", "extend-approved_by": "区长"}).status_code == 403
    client.force_login(hall.manager)
    answer = client.post(url, {"extend-days": "20", "extend-reason": "情况复杂", "extend-approved_by": "区长"})
    assert answer.status_code == 400 and "days" in answer.context["extend"].errors
    answer = client.post(url, {"extend-days": "2", "extend-reason": "情况复杂", "extend-approved_by": ""})
    assert answer.status_code == 400 and "approved_by" in answer.context["extend"].errors
    before = JointCase.objects.get().due_date
    answer = client.post(url, {"extend-days": "2", "extend-reason": "情况复杂", "extend-approved_by": "王副区长"})
    joint.refresh_from_db()
    assert answer.status_code == 302 and joint.extension_days == 2 and joint.due_date > before
    assert "延长整体办理期限" not in client.get(reverse("joint_detail", args=[joint.number])).content.decode()


def test_the_work_list_filters_by_the_whole_light(client, joint_hall):
    hall = joint_hall
    receive_startup(client, hall)
    joint = JointCase.objects.get()
    client.force_login(hall.manager)
    assert joint.number in client.get(reverse("joint_worklist")).content.decode()
    other = "yellow" if joint.light != "yellow" else "red"
    assert joint.number not in client.get(reverse("joint_worklist") + f"?light={other}").content.decode()
    assert joint.number in client.get(reverse("joint_worklist") + f"?light={joint.light}").content.decode()


# --- the portal ---------------------------------------------------------------------------

def _online_form(**changes):
    data = {"applicant_kind": "person", "applicant_name": "张三", "applicant_id_number": "110101199003070011",
            "applicant_phone": "13912345678", "form-company_name": "示例科技有限公司", "form-capital": "100"}
    for index, name in enumerate(STARTUP_MATERIALS):
        data[f"file-{index}"] = SimpleUploadedFile(f"{index}.pdf", sample_pdf(name), content_type="application/pdf")
    data.update(changes)
    return data


def test_an_applicant_applies_online_and_follows_the_stages(client, joint_hall):
    hall = joint_hall
    assert "开办企业一件事" in client.get(reverse("portal_joint_themes")).content.decode()
    url = reverse("portal_joint_apply", args=["startup"])
    assert client.get(url).status_code == 302  # to the login
    client.force_login(hall.applicant)
    answer = client.post(url, _online_form(**{"file-1": ""}))
    assert answer.status_code == 400 and "公司章程" in str(answer.context["answers"].non_field_errors())
    answer = client.post(url, _online_form(**{"file-2": text_file()}))
    assert answer.status_code == 400 and "file-2" in answer.context["answers"].errors
    assert not JointCase.objects.exists()
    answer = client.post(url, _online_form())
    joint = JointCase.objects.get()
    assert answer.status_code == 302 and joint.channel == "online" and joint.uploads.count() == 6
    assert joint.number in client.get(reverse("portal_my_joint_cases")).content.decode()
    page = client.get(reverse("portal_my_joint_case", args=[joint.number])).content.decode()
    assert "企业开办" in page and all(c.number in page for c in sub_cases(joint))
    # Another applicant sees nothing of it; staff are sent to the workbench.
    from govhall.core.actors import SYSTEM
    from govhall.org import services as org
    from govhall.org.roles import Role

    other = org.user_create(actor=SYSTEM, username="other", password="x", role=Role.APPLICANT, full_name="李四")
    client.force_login(other)
    assert client.get(reverse("portal_my_joint_case", args=[joint.number])).status_code == 404
    client.force_login(hall.clerk)
    assert client.get(reverse("portal_my_joint_case", args=[joint.number])).status_code == 403


def text_file():
    """A file that is no scan (refused by its content)."""
    return SimpleUploadedFile("notes.txt", b"not a scan", content_type="text/plain")


def stage_left_waiting(hall):
    """A construction project whose second stage could not start by itself:
    建设工程规划许可 was republished with a question (地上层数) the
    application did not answer. (joint case, its waiting stage, the posted
    answers but that one)."""
    from govhall.catalog.services import item_edit, item_publish
    from govhall.catalog.tests.factories import complete_spec
    from govhall.core.actors import SYSTEM
    from govhall.joint.tests.builders import receive_construction

    joint = receive_construction(hall)
    # 建设工程规划许可 is republished with a question the application did not answer.
    planning = hall.items["planning"]
    floors = {"key": "floors", "label": "地上层数", "type": "number", "required": True, "options": [],
              "max_length": None, "min": 1, "max": 200, "help": ""}
    spec = complete_spec("C", code=planning.code, name=planning.current.name,
                         form_fields=[*planning.current.form_fields, floors],
                         materials=[{"name": m.name, "required": m.required, "condition": "", "form": m.form,
                                     "copies": 1, "source": m.source, "source_department": "", "notes": ""}
                                    for m in planning.current.materials.all()])
    item_publish(actor=SYSTEM, version=item_edit(actor=SYSTEM, item=planning, spec=spec))
    for case in sub_cases(joint):
        decide(case)
    waiting = joint.stages.get(stage__name="工程建设许可")
    prefix = f"stage{waiting.pk}"
    return joint, waiting, {"stage": waiting.pk, f"{prefix}-form-project_name": "示例花园一期",
                            f"{prefix}-form-land_area": "12000"}


def test_a_stage_that_could_not_start_is_started_at_the_window_with_the_missing_answer(client, joint_hall):
    hall = joint_hall
    joint, waiting, given = stage_left_waiting(hall)
    planning = hall.items["planning"]
    assert waiting.state == StageState.WAITING
    client.force_login(hall.clerk)
    page = client.get(reverse("joint_detail", args=[joint.number])).content.decode()
    assert "启动本阶段" in page and "地上层数" in page and "阶段未能启动" in page
    url = reverse("joint_act", args=[joint.number, "stage_start"])
    prefix = f"stage{waiting.pk}"
    answer = client.post(url, {**given, f"{prefix}-form-floors": "0"})
    assert answer.status_code == 400
    assert answer.context["stages"][1][2].errors["form-floors"]
    waiting.refresh_from_db()
    assert waiting.state == StageState.WAITING
    client.force_login(hall.people.lead_b)  # a lead department's head sees it, but is at no window
    assert client.post(url, {**given, f"{prefix}-form-floors": "18"}).status_code == 403
    client.force_login(hall.clerk)
    assert client.post(url, {**given, f"{prefix}-form-floors": "18"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == StageState.RUNNING
    started = SubCase.objects.get(joint_stage=waiting, stage_item__item=planning).case
    assert started.form_data["floors"] == 18


# --- refusals, stale pages and what a browser's assistive tools read ------------------------

def test_an_empty_post_is_refused_at_every_field_and_writes_nothing(client, joint_hall):
    hall = joint_hall
    client.force_login(hall.manager)
    answer = client.post(reverse("joint_theme_new"), {})
    assert answer.status_code == 400
    assert {"center", "code", "name", "whole_days"} <= set(answer.context["form"].errors)
    client.force_login(hall.clerk)
    answer = client.post(reverse("joint_receive", args=["startup"]), {})
    assert answer.status_code == 400
    assert {"applicant_name", "applicant_id_number", "applicant_phone"} <= set(answer.context["form"].errors)
    # The questions are checked by the service once the applicant is given (one refusal at a time).
    answer = client.post(reverse("joint_receive", args=["startup"]),
                         {key: value for key, value in STARTUP_FORM.items() if not key.startswith("form-")})
    assert answer.status_code == 400 and "form-company_name" in answer.context["answers"].errors
    client.force_login(hall.applicant)
    answer = client.post(reverse("portal_joint_apply", args=["startup"]), {})
    assert answer.status_code == 400 and "applicant_name" in answer.context["form"].errors
    assert not Theme.objects.filter(code="").exists() and not JointCase.objects.exists()


def test_a_long_file_name_online_keeps_its_type_and_the_application_goes_through(client, joint_hall):
    hall = joint_hall
    client.force_login(hall.applicant)
    long_name = "营业执照扫描件" * 30 + ".pdf"  # 211 characters: cut, the suffix kept
    scan = SimpleUploadedFile(long_name, sample_pdf(STARTUP_MATERIALS[0]), content_type="application/pdf")
    answer = client.post(reverse("portal_joint_apply", args=["startup"]), _online_form(**{"file-0": scan}))
    assert answer.status_code == 302
    joint = JointCase.objects.get()
    kept = joint.uploads.get(name=STARTUP_MATERIALS[0]).original_name
    assert kept.endswith(".pdf") and len(kept) <= 200 and kept.startswith("营业执照扫描件")
    attached = [m.original_name for case in sub_cases(joint) for m in case.materials.all()
                if m.name == STARTUP_MATERIALS[0]]
    assert attached and all(name == kept for name in attached)


def test_saving_the_stages_of_a_theme_published_meanwhile_says_so_and_changes_nothing(client, joint_hall):
    hall = joint_hall
    theme = joint_services.theme_create(actor=hall.manager, center=hall.district, code="stale", name="示例")
    code = hall.items["filing"].code
    row = {"stages-TOTAL_FORMS": "1", "stages-INITIAL_FORMS": "0", "stages-0-name": "一",
           "stages-0-lead_department": "A", "stages-0-items": [code], "stages-0-depends_on": ""}
    client.force_login(hall.manager)
    assert client.post(reverse("joint_theme_detail", args=[theme.pk]), row).status_code == 302
    joint_services.theme_publish(actor=hall.admin, theme=theme)  # in another tab, or by another manager
    answer = client.post(reverse("joint_theme_detail", args=[theme.pk]),
                         {**row, "stages-0-name": "改名", "stages-0-items": [hall.items["permit"].code]})
    assert answer.status_code == 400
    assert "第 1 版当前为“已发布”，不能再修改" in answer.content.decode()
    assert [(s.name, [si.item.code for si in s.items.all()]) for s in theme.stages.all()] == [("一", [code])]


def test_a_delivery_refused_by_a_sub_case_is_said_on_the_form_and_delivers_nothing(client, joint_hall):
    from govhall.cases import services as cases
    from govhall.cases.selectors import case_steps
    from govhall.cases.tests.conftest import accept_checked
    from govhall.core.actors import SYSTEM
    from govhall.core.models import AuditEvent

    hall = joint_hall
    receive_startup(client, hall)
    joint = JointCase.objects.get()
    first, *others = sub_cases(joint)
    for case in others:
        decide(case)
    case = accept_checked(actor=SYSTEM, case=first)  # approved, its certificate not yet made
    while case.step < len(case_steps(case)) - 1:
        case = cases.case_complete_step(actor=SYSTEM, case=case, opinion="符合要求")
    cases.case_approve(actor=SYSTEM, case=case, opinion="准予许可")
    joint.refresh_from_db()
    assert joint.state == JointState.READY
    url = reverse("joint_act", args=[joint.number, "deliver"])
    events = AuditEvent.objects.count()
    answer = client.post(url, {"deliver-method": "window", "deliver-received_by": "王经理"})
    assert answer.status_code == 400 and answer.context["deliver"].non_field_errors()
    assert answer.context["deliver"]["received_by"].value() == "王经理"  # what the clerk typed stays
    joint.refresh_from_db()
    assert joint.state == JointState.READY and AuditEvent.objects.count() == events
    assert {c.state for c in sub_cases(joint)} == {State.APPROVED}
    # Certified, it is delivered once; a second clerk's stale page is told it was done.
    cases.case_certify(actor=SYSTEM, case=Case.objects.get(pk=first.pk), certificate_number="Z-1")
    assert client.post(url, {"deliver-method": "window", "deliver-received_by": "王经理"}).status_code == 302
    events = AuditEvent.objects.count()
    answer = client.post(url, {"deliver-method": "window", "deliver-received_by": "李四"}, follow=True)
    assert "已于" in answer.content.decode() and "统一出件，无需再次出件" in answer.content.decode()
    assert AuditEvent.objects.count() == events


def _unlabelled(html: str) -> list[str]:
    """The form controls a screen reader cannot name (no ``<label for>``
    and no enclosing fieldset's legend), and the ``aria-describedby``
    references to no element of the page."""
    from html.parser import HTMLParser

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.label_for, self.controls, self.described = set(), set(), [], []
            self.legends = []  # per open fieldset: whether it has a legend

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if a.get("id"):
                self.ids.add(a["id"])
            if tag == "label" and a.get("for"):
                self.label_for.add(a["for"])
            if tag == "fieldset":
                self.legends.append(False)
            if tag == "legend" and self.legends:
                self.legends[-1] = True
            if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
                self.controls.append((a.get("name"), a.get("id"), any(self.legends)))
            self.described += (a.get("aria-describedby") or "").split()

        def handle_endtag(self, tag):
            if tag == "fieldset" and self.legends:
                self.legends.pop()

    page = Page()
    page.feed(html)
    problems = [f"unlabelled {name}" for name, id_, in_legend in page.controls
                if not (id_ in page.label_for or in_legend)]
    return problems + [f"no element #{ref}" for ref in page.described if ref not in page.ids]


def test_the_combined_forms_name_every_control_for_assistive_tools(client, joint_hall):
    hall = joint_hall
    client.force_login(hall.applicant)
    assert _unlabelled(client.get(reverse("portal_joint_apply", args=["startup"])).content.decode()) == []
    client.force_login(hall.clerk)
    assert _unlabelled(client.get(reverse("joint_receive", args=["startup"])).content.decode()) == []


def test_a_stage_start_without_the_grants_is_denied_and_a_stale_one_is_told_it_started(client, joint_hall):
    hall = joint_hall
    joint, waiting, given = stage_left_waiting(hall)
    url = reverse("joint_act", args=[joint.number, "stage_start"])
    given = {**given, f"stage{waiting.pk}-form-floors": "18"}
    # B's dedicated clerk sits at a window of the center but holds no acceptance grant of the stage's items.
    client.force_login(hall.clerk_b)
    assert client.post(url, given).status_code == 403
    waiting.refresh_from_db()
    assert waiting.state == StageState.WAITING and not SubCase.objects.filter(joint_stage=waiting).exists()
    client.force_login(hall.clerk)
    assert client.post(url, given).status_code == 302
    count = SubCase.objects.filter(joint_stage=waiting).count()
    answer = client.post(url, given, follow=True)  # a second clerk's page, opened before
    assert "该阶段不在等待状态" in answer.content.decode()
    assert SubCase.objects.filter(joint_stage=waiting).count() == count


def test_an_extension_recorded_meanwhile_is_said_and_not_doubled(client, joint_hall):
    hall = joint_hall
    receive_startup(client, hall)
    joint = JointCase.objects.get()
    url = reverse("joint_act", args=[joint.number, "extend"])
    form = {"extend-days": "5", "extend-reason": "情况复杂", "extend-approved_by": "王副区长"}
    client.force_login(hall.manager)
    assert client.post(url, form).status_code == 302
    answer = client.post(url, {**form, "extend-days": "10"}, follow=True)  # the same page, in another tab
    assert "整体办理期限只能延长一次" in answer.content.decode()
    joint.refresh_from_db()
    assert joint.extension_days == 5


def test_the_applicant_applies_again_online_for_an_item_not_granted(client, joint_hall):
    from govhall.core.actors import SYSTEM
    from govhall.org import services as org
    from govhall.org.roles import Role

    hall = joint_hall
    client.force_login(hall.applicant)
    assert client.post(reverse("portal_joint_apply", args=["startup"]), _online_form()).status_code == 302
    joint = JointCase.objects.get()
    url = reverse("portal_my_joint_case", args=[joint.number])
    assert "重新申请未获许可的事项" not in client.get(url).content.decode()  # nothing denied yet
    denied, *others = sub_cases(joint)
    for case in others:
        decide(case)
    decide(denied, grant=False)
    joint.refresh_from_db()
    assert joint.state == JointState.STOPPED
    page = client.get(url).content.decode()
    assert "重新申请未获许可的事项" in page and "企业设立登记" in page and _unlabelled(page) == []
    sub = SubCase.objects.get(case=denied)
    prefix = f"sub{sub.pk}"
    answer = client.post(url, {"sub_case": sub.pk, f"{prefix}-form-company_name": "示例科技有限公司",
                               f"{prefix}-form-capital": "-5"})
    assert answer.status_code == 400 and answer.context["reapply"][0][1].errors["form-capital"]
    assert SubCase.objects.filter(joint_case=joint).count() == 4
    # Another applicant cannot name it; staff are sent to the workbench.
    other = org.user_create(actor=SYSTEM, username="other", password="x", role=Role.APPLICANT, full_name="李四")
    client.force_login(other)
    assert client.post(url, {"sub_case": sub.pk}).status_code == 404
    client.force_login(hall.clerk)
    assert client.post(url, {"sub_case": sub.pk}).status_code == 403
    client.force_login(hall.applicant)
    assert client.post(url, {"sub_case": "x"}).status_code == 404
    answer = client.post(url, {"sub_case": sub.pk, f"{prefix}-form-company_name": "示例科技有限公司",
                               f"{prefix}-form-capital": "500"})
    assert answer.status_code == 302
    joint.refresh_from_db()
    fresh = SubCase.objects.get(joint_case=joint, stage_item=sub.stage_item, replaced=False)
    assert joint.state == JointState.RUNNING and fresh.case.form_data["capital"] == 500
    assert fresh.case.materials.exists()  # the shared files, attached again
    # The page opened before, posted again: said, nothing applied for twice.
    answer = client.post(url, {"sub_case": sub.pk, f"{prefix}-form-company_name": "示例科技有限公司",
                               f"{prefix}-form-capital": "500"}, follow=True)
    assert "只有未获许可的子件可以重新申请" in answer.content.decode()
    assert SubCase.objects.filter(joint_case=joint).count() == 5


def test_the_lead_department_schedules_a_joint_inspection_and_each_department_records_its_findings(client, joint_hall):
    from govhall.cases import services as case_services
    from govhall.joint.models import JointFinding
    from govhall.joint.tests.builders import inspection_ready

    hall = joint_hall
    jc, land, environment, organizer = inspection_ready(hall)
    url = reverse("joint_act", args=[jc.number, "event"])
    client.force_login(hall.reviewer)  # department A does not lead the stage: no form, and refused
    assert "安排联合活动" not in client.get(reverse("joint_detail", args=[jc.number])).content.decode()
    assert client.post(url, {"event-kind": "inspection"}).status_code == 403
    client.force_login(organizer)
    page = client.get(reverse("joint_detail", args=[jc.number])).content.decode()
    assert "安排联合活动" in page and environment.case.number in page
    post = {"event-kind": "inspection", "event-scheduled_on": "2026-12-31", "event-place": "项目现场",
            "event-sub_cases": [str(land.pk), str(environment.pk)], "event-ground": "", "event-expected_days": ""}
    refused = client.post(url, {**post, "event-place": ""})
    assert refused.status_code == 400 and "event-place" in refused.content.decode()
    assert client.post(url, {**post, "event-ground": "onsite_survey", "event-expected_days": "5"}).status_code == 302
    environment.case.refresh_from_db()
    assert environment.case.request_data["ground"] == "onsite_survey"
    case_services.case_suspend(actor=hall.head, case=environment.case)

    finding = JointFinding.objects.get(sub_case=environment)
    record = reverse("joint_act", args=[jc.number, "finding"])
    assert client.post(record, {"finding": finding.pk, f"finding{finding.pk}-outcome": "passed"}).status_code == 403
    client.force_login(hall.reviewer)
    refused = client.post(record, {"finding": finding.pk, f"finding{finding.pk}-outcome": "correction"})
    assert refused.status_code == 400 and "需整改时请写明整改意见" in refused.content.decode()
    assert client.post(record, {"finding": finding.pk, f"finding{finding.pk}-outcome": "correction",
                                f"finding{finding.pk}-text": "补充雨水排放方案"}).status_code == 302
    environment.case.refresh_from_db()
    assert environment.case.state != State.SUSPENDED
    client.force_login(organizer)
    page = client.get(reverse("joint_detail", args=[jc.number])).content.decode()
    assert "联合踏勘" in page and "补充雨水排放方案" in page and "需整改" in page

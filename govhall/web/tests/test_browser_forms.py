"""Every form of the workbench saves, in a real browser.

Each row of ``FORMS`` is one form, opened as the role that uses it on a
page set up for it through the services. It is submitted once with one bad
field — the answer is a 400 page showing an error on that field (its input
marked invalid and described by the message, or the message naming it) and
nothing changed — and then with valid data: it saves (the success message,
the changed state). A new form is one new row.

A row that fails leaves screenshots in /tmp/forms/ for a person to look at.
"""

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.web.tests.browser import BROWSER, browser  # noqa: F401  (fixture)

SHOTS = Path("/tmp/forms")
LONG = "很" * 2001  # one character past the bound of an opinion or reason (cases/limits.py TEXT_MAX)

pytestmark = BROWSER


@pytest.fixture
def world(desk):  # noqa: F811  (the imported fixture)
    """The desk of department A (the clock at Monday 2026-03-02 10:00), its
    item asking its own questions (FORM_FIELDS) and offering mail."""
    from govhall.catalog.services import item_edit, item_publish
    from govhall.catalog.tests.factories import FORM_FIELDS, complete_spec
    from govhall.core.actors import SYSTEM

    draft = item_edit(actor=SYSTEM, item=desk.item, spec=complete_spec(
        "A", form_fields=FORM_FIELDS, delivery_methods=["window", "mail", "electronic"]))
    desk.version = item_publish(actor=SYSTEM, version=draft)
    desk.case = desk.alert = desk.followup = None
    return desk


def log_in(context, live_server, user):
    """Log in by handing the browser a session cookie (the login form has its own test)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])


# --- data the forms work on, made through the services ---------------------------

def _submitted(w, version=None):
    from govhall.cases import services as cases
    from govhall.catalog.tests.factories import FORM_ANSWERS

    version = version or w.version
    return cases.case_submit(actor=w.clerk, item_version=version, center=w.district, channel="window",
                             applicant=w.applicant, applicant_name="张三", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678", form_data=FORM_ANSWERS if version.form_fields else None)


def _accepted(w, version=None):
    from govhall.cases.tests.conftest import accept_checked

    return accept_checked(actor=w.clerk, case=_submitted(w, version))


def _reviewed(w, version=None):
    from govhall.cases import services as cases

    return cases.case_complete_step(actor=w.reviewer, case=_accepted(w, version), opinion="符合条件")


def _approved(w, version=None):
    from govhall.cases import services as cases

    return cases.case_approve(actor=w.approver, case=_reviewed(w, version), opinion="同意")


def _certified(w):
    from govhall.cases import services as cases

    return cases.case_certify(actor=w.clerk, case=_approved(w), certificate_number="JY001")


def _extension_asked(w):
    from govhall.cases import services as cases

    return cases.case_request_extension(actor=w.reviewer, case=_accepted(w), days=5, reason="需补充现场核查")


def _fee_item_approved(w):
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec
    from govhall.core.actors import SYSTEM

    item = item_create(actor=SYSTEM, spec=complete_spec(
        "A", code="511A0000000003-D1-000-A-1-00", name="建筑工程施工许可", status="published", no_fee=False,
        result_type="approval_document", result_name="准予许可决定书",
        fees=[{"name": "工本费", "amount": "50.00", "rule": "每证", "basis": "示例收费文件"}]))
    return _approved(w, item.current)


def _delivered(w):
    from govhall.cases import services as cases

    return cases.case_deliver(actor=w.clerk, case=_certified(w), method="window", received_by="张三")


def _alert(w, *, answered=False):
    from govhall.cases.tests.conftest import at
    from govhall.supervision import services as supervision
    from govhall.supervision.engine import supervise_scan
    from govhall.supervision.models import Alert

    w.case = _accepted(w)  # accepted Mon 03-02, promised 10 working days: due Mon 03-16
    supervise_scan(at=at("2026-03-17 10:00"))
    w.alert = Alert.objects.filter(case=w.case).order_by("-pk").first()
    if answered:
        w.alert = supervision.alert_answer(actor=w.reviewer, alert=w.alert, answer="已督促承办人当日办结。")
    return f"/workbench/alerts/{w.alert.pk}/"


def _followup(w, *, steps=()):
    from govhall.evaluation import services as evaluation
    from govhall.evaluation.models import FollowUp

    w.case = _delivered(w)
    evaluation.rating_submit(actor=w.applicant, case=w.case, level=1, comment="补正材料跑了两次")
    followup = FollowUp.objects.get(rating__case=w.case)
    for step in steps:
        followup = {
            "verify": lambda f: evaluation.followup_verify(actor=w.reviewer, followup=f, verification="属实"),
            "correct": lambda f: evaluation.followup_correct(actor=w.reviewer, followup=f, correction="已培训窗口人员"),
            "callback": lambda f: evaluation.followup_callback(actor=w.manager, followup=f, callback="已回访",
                                                               satisfied=True),
        }[step](followup)
    w.followup = followup
    return f"/workbench/followups/{followup.pk}/"


def _case_page(make):
    def open_(w):
        w.case = make(w)
        return f"/workbench/cases/{w.case.pk}/"
    return open_


def _case_state(w):
    w.case.refresh_from_db()
    return w.case.state, w.case.version, w.case.events.count(), w.case.notices.count(), w.case.request_action


def _count(model_path):
    def snapshot(w):
        module, name = model_path.rsplit(".", 1)
        return getattr(importlib.import_module(module), name).objects.count()
    return snapshot


def _alert_state(w):
    w.alert.refresh_from_db()
    return w.alert.state, w.alert.answer, w.alert.review_note


def _followup_state(w):
    w.followup.refresh_from_db()
    return w.followup.state, w.followup.verification, w.followup.correction, w.followup.callback, w.followup.result


def _attendance(w):
    return list(w.clerk.attendance.values_list("date", "status", "note", "check_in"))


def _versions(w):
    return w.item.versions.count()


def _nothing(w):
    return None


def _import_file(tmp_path, w):
    from govhall.catalog.spec import SCHEMA_VERSION
    from govhall.catalog.tests.factories import complete_spec

    path = tmp_path / "目录.json"
    spec = complete_spec("A", code="511A0000000009-D1-000-A-1-00", name="个体工商户登记")
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "themes": [], "items": [spec]}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def _text_file(tmp_path, w):
    path = tmp_path / "目录.txt"
    path.write_text("不是目录", encoding="utf-8")
    return path


# --- the forms ------------------------------------------------------------------------

@dataclass(frozen=True)
class Form:
    id: str
    role: str  # the persona who uses the form
    open: Callable[[Any], str]  # makes what the form works on, returns the page's path
    submit: str  # the form's button
    valid: dict  # label → value: text, a select's option, True to tick, a file maker (tmp_path, world)
    saved: str  # what the page says once saved
    snapshot: Callable[[Any], Any]  # what the form changes: equal before and after a refusal
    bad: dict | None  # the same form with one field wrong (None: the form has no field to get wrong)
    field: str = ""  # the label of that field
    error: str = ""  # a part of the message the page shows for it
    title: str = ""  # the form's title (the case page and the alert page hold several forms)
    bad_submit: str = ""  # the button for the bad input, when another
    method: str = "POST"
    bad_status: int = 400
    unbounded: tuple = ()  # labels whose maxlength the browser enforces: lifted to post what a script could


def case_form(action_label, role, make, valid, bad, field_, error, *, saved=None, variant="", code=None, **kwargs):
    """An action form of the case page (``form.card`` titled ``action_label``;
    ``code``: the action, when the page names it otherwise than the table)."""
    from govhall.cases.states import Action

    code = code or {str(a.label): a.value for a in Action}.get(action_label, "withdraw")  # 登记撤回 is the clerk's withdraw
    return Form(id=f"case-{code}{variant}", role=role, open=_case_page(make), submit=action_label, valid=valid,
                saved=saved or f"已{action_label}。", snapshot=_case_state, bad=bad, field=field_, error=error,
                title=action_label, **kwargs)


REQUIRED = "必填项"

FORMS = [
    # The window receipt: applicant, the item's own questions, the materials, the decision.
    Form(id="case_receive", role="clerk", open=lambda w: f"/workbench/cases/receive/{w.item.code}/", submit="收件并处理",
         valid={"申请人（单位）名称": "张三", "证件号码（身份证或统一社会信用代码）": "110101199003070011",
                "联系电话": "13912345678", "经营场所面积（平方米）（必填）": "85.5", "经营项目（必填）": "热食类食品制售",
                "承诺所填信息真实有效（必填）": True, "已核验 食品经营许可申请书": True, "材料齐全，予以受理": True},
         saved="已处理，可打印文书", snapshot=_count("govhall.cases.models.Case"),
         bad={"经营场所面积（平方米）（必填）": "八十五"}, field="经营场所面积（平方米）（必填）", error="应为数字"),
    # Each action form of the case page.
    case_form("核验申请材料", "clerk", _submitted, {("食品经营许可申请书", "合格"): True},
              {("食品经营许可申请书", "需补正"): True, "需补正的内容": "签" * 501}, "需补正的内容", "500",
              unbounded=("需补正的内容",)),
    case_form("一次性告知补正", "clerk", _submitted, {"需补正的材料及问题（每行一项：材料：问题）": "食品经营许可申请书：缺少申请人签字"},
              {"需补正的材料及问题（每行一项：材料：问题）": ""}, "需补正的材料及问题（每行一项：材料：问题）", REQUIRED),
    case_form("不予受理", "clerk", _submitted, {"不予受理理由": "不属于本机关职权范围", "应向何机关申请（不属于本机关职权时）": "示例区市场监督管理局"},
              {"不予受理理由": ""}, "不予受理理由", REQUIRED),
    case_form("完成审查环节", "reviewer", _accepted, {"意见": "材料齐全，符合条件"}, {"意见": ""}, "意见", REQUIRED),
    case_form("退回上一环节", "approver", _reviewed, {"理由": "请补充现场核查记录"}, {"理由": ""}, "理由", REQUIRED),
    case_form("申请特别程序", "reviewer", _accepted, {"特别程序": "检测", "事由": "委托第三方检测", "预计所需时间（工作日）": "5"},
              {"预计所需时间（工作日）": "0"}, "预计所需时间（工作日）", "大于或等于"),
    case_form("申请延长期限", "reviewer", _accepted, {"延长（工作日）": "5", "理由": "需补充现场核查"},
              {"延长（工作日）": "11"}, "延长（工作日）", "小于或等于"),
    case_form("决定延长期限", "head", _accepted, {"延长（工作日）": "5", "理由": "案情复杂"},
              {"延长（工作日）": "11"}, "延长（工作日）", "小于或等于", code="extend", saved="已批准延长期限。"),
    case_form("批准延长期限", "head", _extension_asked, {"理由": "需征求相关部门意见"},
              {"延长（工作日）": "11"}, "延长（工作日）", "小于或等于", variant="-asked"),
    case_form("不予批准（申请延长期限）", "head", _extension_asked, {"理由": "十个工作日内可以办结"}, {"理由": ""}, "理由",
              REQUIRED, code="refuse_request", saved="已不予批准。"),
    case_form("准予许可", "approver", _reviewed, {"意见": "同意"}, {"意见": ""}, "意见", REQUIRED),
    case_form("不予许可", "approver", _reviewed, {"不予许可的理由": "经营场所不符合卫生要求"}, {"不予许可的理由": ""},
              "不予许可的理由", REQUIRED),
    case_form("收费", "clerk", _fee_item_approved, {"实收金额（元）": "50", "缴费方式": "现金", "票据号": "PJ0001"},
              {"实收金额（元）": "0"}, "实收金额（元）", "大于 0"),
    case_form("制证", "clerk", _approved, {"证照编号": "JY15116020000001"}, {"证照编号": ""}, "证照编号", REQUIRED),
    case_form("送达", "clerk", _certified, {"送达方式": "窗口领取", "签收人": "张三"}, {"签收人": ""}, "签收人", REQUIRED),
    case_form("登记撤回（申请人书面申请）", "clerk", _accepted, {"理由": "申请人书面申请撤回"}, {"理由": LONG}, "理由", "2000",
              saved="已撤回申请。", unbounded=("理由",)),
    case_form("终止办理", "head", _accepted, {"理由": "申请人死亡，无继承人"}, {"理由": ""}, "理由", REQUIRED),
    # The catalog: a new item, the item editor, the import.
    Form(id="catalog_new", role="manager", open=lambda w: "/workbench/catalog/new/", submit="创建草稿",
         valid={"实施编码": "511A0000000002-D1-000-A-1-00", "基本编码": "511A0000000002", "事项名称": "个体工商户登记",
                "事项类型": "行政许可", "实施部门": "审批局"},
         saved="事项已创建为草稿", snapshot=_count("govhall.catalog.models.Item"),
         bad={"事项名称": ""}, field="事项名称", error=REQUIRED),
    Form(id="catalog_edit", role="manager", open=lambda w: f"/workbench/catalog/{w.item.pk}/edit/", submit="保存草稿",
         valid={"承诺时限（工作日）": "8", "修改说明": "承诺时限缩短为 8 个工作日"}, saved="已保存为第 3 版草稿",
         snapshot=_versions, bad={"承诺时限（工作日）": "30"}, field="承诺时限（工作日）", error="承诺时限不得超过法定时限"),
    Form(id="catalog_import", role="manager", open=lambda w: "/workbench/catalog/import/", submit="上传并导入",
         valid={"事项目录文件（.xlsx 或 .json）": _import_file}, saved="导入完成：新建 1 项",
         snapshot=_count("govhall.catalog.models.Item"),
         bad={"事项目录文件（.xlsx 或 .json）": _text_file}, field="事项目录文件（.xlsx 或 .json）", error="只支持 .xlsx 或 .json 文件"),
    # Attendance: signing in has no field to get wrong (a second sign-in: test below).
    Form(id="attendance_sign_in", role="clerk", open=lambda w: "/attendance/", submit="签到", valid={}, saved="签到成功。",
         snapshot=_attendance, bad=None),
    Form(id="attendance_record", role="manager", open=lambda w: "/attendance/", submit="登记",
         valid={"工作人员": "clerk", "日期": "2026-03-02", "状态": "请假", "说明": "病假一天"}, saved="考勤已记录。",
         snapshot=_attendance, bad={"工作人员": "---------"}, field="工作人员", error=REQUIRED),
    # The deadline calculator answers in place (htmx swaps 2xx answers only: a refusal is 200 there).
    Form(id="calendar_deadline", role="clerk", open=lambda w: "/calendar/", submit="计算期限",
         valid={"起算日（如受理日）": "2025-09-26", "时限（工作日）": "5"}, saved="2025-10-10（星期五）",
         snapshot=_nothing, bad={"时限（工作日）": "-1"}, field="时限（工作日）", error="大于或等于", bad_status=200),
    # Supervision: the department answers an alert, the supervisor closes it (or sends it back).
    Form(id="alert_answer", role="reviewer", open=_alert, submit="提交整改", title="提交整改",
         valid={"整改情况": "已督促承办人当日办结，并调整审查分工。"}, saved="已提交整改情况，等待电子监察审核。",
         snapshot=_alert_state, bad={"整改情况": ""}, field="整改情况", error="请填写整改情况"),
    Form(id="alert_close", role="supervisor", open=lambda w: _alert(w, answered=True), submit="审核通过并办结",
         title="审核整改", valid={"审核意见": "整改到位"}, saved="已审核通过，预警办结。", snapshot=_alert_state,
         bad={"审核意见": ""}, bad_submit="退回重新整改", field="审核意见", error="退回须写明理由"),
    # The follow-up of a bad rating: verify, correct (the department), call back and close (the center).
    Form(id="followup_verify", role="reviewer", open=_followup, submit="提交核实", valid={"核实情况": "情况属实"},
         saved="已核实。", snapshot=_followup_state, bad={"核实情况": ""}, field="核实情况", error="请填写核实情况"),
    Form(id="followup_correct", role="reviewer", open=lambda w: _followup(w, steps=["verify"]), submit="提交整改",
         valid={"整改措施": "已对窗口人员进行一次性告知培训"}, saved="已整改。", snapshot=_followup_state,
         bad={"整改措施": ""}, field="整改措施", error="请填写整改措施"),
    Form(id="followup_callback", role="manager", open=lambda w: _followup(w, steps=["verify", "correct"]),
         submit="提交回访", valid={"回访情况": "电话回访，申请人认可整改", "满意": True}, saved="已回访。",
         snapshot=_followup_state, bad={"满意": False}, field="申请人是否满意", error="请选择回访时申请人是否满意"),
    Form(id="followup_close", role="manager", open=lambda w: _followup(w, steps=["verify", "correct", "callback"]),
         submit="提交办结", valid={"办理结果": "整改完成，申请人满意"}, saved="已办结。", snapshot=_followup_state,
         bad={"办理结果": ""}, field="办理结果", error="请填写办理结果"),
    # The statistics filters (a GET form).
    Form(id="stats_filter", role="manager", open=lambda w: "/workbench/stats/", submit="统计", method="GET",
         valid={"统计周期": "按月", "月份": "2026-02"}, saved="统计分析 · 2026年2月", snapshot=_nothing,
         bad={"统计周期": "自定义", "结束日期": "2026-03-01"}, field="开始日期", error="请填写开始日期"),
]


# Bad input the service refuses naming a line of its input ("checks[0].note",
# "items[0]"): the page shows it on the form's own field, keeping what the
# clerk chose or typed.
NOT_ON_THE_FIELD = [
    case_form(
        "核验申请材料", "clerk", _submitted, {("食品经营许可申请书", "合格"): True},
        {("食品经营许可申请书", "需补正"): True}, "需补正的内容", "请写明需要补正的内容", variant="-fix-without-what"),
    case_form(
        "一次性告知补正", "clerk", _submitted, {"需补正的材料及问题（每行一项：材料：问题）": "食品经营许可申请书：缺少申请人签字"},
        {"需补正的材料及问题（每行一项：材料：问题）": "食品经营许可申请书缺少申请人签字"},
        "需补正的材料及问题（每行一项：材料：问题）", "须写明材料和问题", variant="-line-without-colon"),
]


# --- driving a form ---------------------------------------------------------------------

def _label(text):
    """A label as the page writes it: exactly ``text``, with Django's ":" (or "：") after it or not."""
    return re.compile(rf"^\s*{re.escape(text)}\s*[:：]?\s*$")


def _form(page, row):
    if row.title:
        return page.locator("form").filter(has=page.get_by_text(row.title, exact=True))
    return page.locator("form").filter(has=page.get_by_role("button", name=row.submit, exact=True))


def _control(form, label):
    if isinstance(label, tuple):  # (the group, the option): a radio of a fieldset
        group, option = label
        return form.get_by_role("group", name=_label(group)).get_by_label(option, exact=True)
    control = form.get_by_label(_label(label))
    if control.count() == 0:
        control = form.get_by_role("group", name=_label(label))
    if control.count() == 0:  # an input of the form placed elsewhere on the page (form="…")
        control = form.page.get_by_label(_label(label)).and_(form.page.locator(f"[form='{form.get_attribute('id')}']"))
    return control.first


def _fill(page, form, values, row, tmp_path, world):
    for label, value in values.items():
        control = _control(form, label)
        kind = control.evaluate("e => e.tagName === 'INPUT' ? 'input:' + e.type : e.tagName.toLowerCase()")
        if label in row.unbounded:
            control.evaluate("e => e.removeAttribute('maxlength')")
        if kind == "select":
            control.select_option(label=value)
        elif kind in ("input:checkbox", "input:radio"):
            control.set_checked(bool(value))
        elif kind == "input:file":
            control.set_input_files(str(value(tmp_path, world)))
        else:
            control.fill(value)


def _submit(page, form, row, button):
    """Press ``button`` and wait for the page (or the fragment) it brings; the answer's status."""
    target = form.get_by_role("button", name=button, exact=True)
    action = target.evaluate("b => b.hasAttribute('formaction') ? b.formAction : b.form.action").split("?")[0]
    with page.expect_response(lambda r: r.request.method == row.method and r.url.split("?")[0] == action) as answer:
        target.click()
    page.wait_for_load_state()
    return answer.value.status


def _assert_error_on(page, form, label, message):
    """The error is on the field: its control is marked invalid and
    described by the message, or the message names the field."""
    control = _control(form, label)
    invalid = control.get_attribute("aria-invalid") == "true" or control.locator("[aria-invalid=true]").count() > 0
    if invalid:
        described = [page.locator(f"[id='{i}']") for i in (control.get_attribute("aria-describedby") or "").split()]
        texts = [d.inner_text() for d in described if d.count()]
        if not texts:  # a formset row writes its errors beside the field
            texts = [control.locator("xpath=..").inner_text()]
        assert any(message in text for text in texts), (label, texts)
    else:
        errors = page.locator(".errorlist").filter(has_text=label).filter(has_text=message)
        assert errors.count() > 0, f"no error naming {label!r} with {message!r}; errors: {page.locator('.errorlist').all_inner_texts()}"


@pytest.fixture(scope="module", autouse=True)
def _fresh_shots():
    """/tmp/forms holds the screenshots of this run's failures only."""
    for old in SHOTS.glob("*.png"):
        old.unlink()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in FORMS + NOT_ON_THE_FIELD])
def test_each_workbench_form_refuses_a_bad_field_and_saves(browser, live_server, world, row, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    step = "open"
    try:
        path = row.open(world)
        log_in(context, live_server, getattr(world, row.role))
        if row.bad is not None:
            step = "bad"
            page.goto(live_server.url + path)
            before = row.snapshot(world)
            form = _form(page, row)
            _fill(page, form, {**row.valid, **row.bad}, row, tmp_path, world)
            status = _submit(page, form, row, row.bad_submit or row.submit)
            assert status == row.bad_status, f"{row.id}: a bad {row.field} answered {status}"
            _assert_error_on(page, _form(page, row), row.field, row.error)
            assert row.snapshot(world) == before, f"{row.id}: a refused form changed something"
        step = "valid"
        page.goto(live_server.url + path)
        before = row.snapshot(world)
        form = _form(page, row)
        _fill(page, form, row.valid, row, tmp_path, world)
        status = _submit(page, form, row, row.submit)
        assert status < 400, f"{row.id}: valid input answered {status}"
        page.get_by_text(row.saved).first.wait_for()
        if row.snapshot is not _nothing:
            assert row.snapshot(world) != before, f"{row.id}: saved nothing"
        assert page.locator(".errorlist").count() == 0
    except BaseException:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{row.id}-{step}.png"), full_page=True)
        raise
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_signing_in_again_from_a_stale_page_is_refused_and_changes_nothing(browser, live_server, world):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        log_in(context, live_server, world.clerk)
        first, stale = context.new_page(), context.new_page()
        for page in (first, stale):
            page.goto(f"{live_server.url}/attendance/")
        first.get_by_role("button", name="签到").click()
        first.get_by_text("签到成功。").wait_for()
        signed = _attendance(world)
        stale.get_by_role("button", name="签到").click()
        stale.get_by_text("今天已经签到。").wait_for()
        assert _attendance(world) == signed
    finally:
        context.close()

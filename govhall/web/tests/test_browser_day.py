"""A normal day at the hall in a real browser, one role after the other.

The applicant applies online for an item that asks its own questions and
uploads his scans; the chief representative opens the case from his 待办,
looks at each file, finds one wanting and issues the one-time correction
notice; the applicant resubmits from 我的办件; the clerk accepts; the
reviewer asks for a special procedure, the department head approves it
from his 待办, the reviewer ends it and completes his step; the approver
grants; the clerk makes the certificate and delivers.

Each role's main step leaves a screenshot in /tmp/day/ for a person to look
at. The assertions are what a user relies on: the state shown, the labelled
clock, the notices listed, the case in the right 待办 list and gone from it
after acting.
"""

import re
from pathlib import Path

import pytest

from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.test import PASSWORD, sample_pdf
from govhall.web.tests.browser import BROWSER, browser  # noqa: F401  (fixture)

SHOTS = Path("/tmp/day")

pytestmark = BROWSER


@pytest.fixture
def day(desk):  # noqa: F811  (the imported fixture)
    """The desk of department A with its item asking its own questions
    (FORM_FIELDS) and offering mail delivery, and a chief representative of
    department A authorized to accept."""
    from govhall.catalog.services import item_edit, item_publish
    from govhall.catalog.tests.factories import FORM_FIELDS, complete_spec
    from govhall.core.actors import SYSTEM
    from govhall.org import services as org
    from govhall.org.models import Action
    from govhall.org.roles import Role

    draft = item_edit(actor=SYSTEM, item=desk.item, spec=complete_spec(
        "A", form_fields=FORM_FIELDS, delivery_methods=["window", "mail", "electronic"]))
    desk.version = item_publish(actor=SYSTEM, version=draft)
    desk.chief = org.user_create(actor=SYSTEM, username="chief", password=PASSWORD, role=Role.CHIEF_REPRESENTATIVE,
                                 department=desk.dept_a, full_name="赵明")
    org.authorization_grant(actor=SYSTEM, staff=desk.chief, department=desk.dept_a, action=Action.ACCEPT)
    return desk


# --- helpers -------------------------------------------------------------------

class Desk:
    """One person at his screen: a browser context of his own, logged in."""

    def __init__(self, browser, live_server, username):
        self.live_server = live_server
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        page = self.page
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/workbench/")

    def go(self, path):
        self.page.goto(self.live_server.url + path)

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    # The workbench -----------------------------------------------------------

    def todo_row(self, number):
        """The case's row in 我的待办 (the list /workbench/cases/ opens on), or None."""
        page = self.page
        self.go("/workbench/cases/")
        current = page.get_by_role("navigation", name="办件列表").locator("[aria-current=page]")
        assert current.inner_text() == "我的待办"
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))
        return row if row.count() else None

    def open_from_todo(self, number, duty):
        """Find the case in 我的待办 with ``duty`` waiting, and open it."""
        row = self.todo_row(number)
        assert row is not None, f"{number} is not in the 待办 list"
        assert duty in row.locator("td").last.inner_text()
        row.get_by_role("link", name=number, exact=True).click()
        self.page.wait_for_load_state()
        assert self.page.get_by_role("heading", level=1).inner_text() == "食品经营许可（仅销售预包装食品除外）"

    def action_form(self, label):
        return self.page.locator("form.card").filter(has=self.page.get_by_text(label, exact=True))

    def act(self, label, **fields):
        """Fill the case page's action form ``label`` (fields by their labels) and press its button."""
        form = self.action_form(label)
        for field_label, value in fields.items():
            control = form.get_by_label(field_label)  # the label reads "特别程序:" (Django's suffix)
            if control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(label=value)
            else:
                control.fill(value)
        form.get_by_role("button", name=label).click()
        self.page.wait_for_load_state()
        assert self.message() == f"已{label}。", self.message()

    def check_materials(self, verdicts):
        """The acceptance check: {material name: "合格" | ("需补正", what)}."""
        form = self.action_form("核验申请材料")
        for name, verdict in verdicts.items():
            verdict, note = (verdict, "") if isinstance(verdict, str) else verdict
            form.get_by_role("group", name=name).get_by_label(verdict, exact=True).check()
            if note:
                order = form.get_by_role("group", name=name).locator("input").first.get_attribute("name").split("_")[-1]
                form.locator(f"[name='check_materials-note_{order}']").fill(note)
        form.get_by_role("button", name="核验申请材料").click()
        self.page.wait_for_load_state()
        assert self.message() == "已核验申请材料。", self.message()

    def fact(self, term):
        """The value shown for ``term`` in the case's facts."""
        return self.page.locator("dl.facts dt", has_text=re.compile(f"^{term}$")).locator("xpath=following-sibling::dd[1]").inner_text()

    def state(self):
        """The state in the case's facts (状态 on the workbench, 当前状态 on the portal)."""
        term = self.page.locator("dl.facts dt", has_text=re.compile("^(当前)?状态$")).first
        return term.locator("xpath=following-sibling::dd[1]/strong").inner_text().strip()

    def clock(self):
        """The labelled clock: 受理期限/办理期限/送达期限 with its date and the working days left."""
        return self.fact("期限")

    def light(self):
        return self.page.locator("dl.facts .light").get_attribute("aria-label")

    def message(self):
        messages = self.page.locator("ul.messages li")
        return messages.first.inner_text() if messages.count() else ""

    def notices(self):
        return self.page.get_by_role("heading", name="文书").locator("xpath=following-sibling::ul[1]").inner_text()

    def view_files(self):
        """Open the preview of each file handed in: it is shown in the page
        and answers as the PDF that was uploaded. Returns the file names."""
        page = self.page
        names = []
        for details in page.locator("table.materials details").all():
            details.locator("summary").click()
            frame = details.locator("iframe")
            frame.wait_for()
            src = frame.get_attribute("src")
            answer = page.request.get(self.live_server.url + src)
            assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
            assert answer.body().startswith(b"%PDF")
            names.append(frame.get_attribute("title"))
            # Chromium's PDF viewer draws the page inside the frame; let it.
            viewer = frame.element_handle().content_frame()
            for _ in range(50):
                if viewer.child_frames:
                    break
                page.wait_for_timeout(100)
        page.wait_for_timeout(500)
        return names

    def close(self):
        self.context.close()


# --- the day -------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_normal_day_each_role_in_turn(browser, live_server, day, tmp_path):
    from govhall.cases.models import Case

    form_scan, proxy_scan, signed_scan = tmp_path / "申请书.pdf", tmp_path / "授权委托书.pdf", tmp_path / "申请书（已签字）.pdf"
    form_scan.write_bytes(sample_pdf("application form, unsigned"))
    proxy_scan.write_bytes(sample_pdf("power of attorney"))
    signed_scan.write_bytes(sample_pdf("application form, signed"))
    people = []

    def desk_of(username):
        person = Desk(browser, live_server, username)
        people.append(person)
        return person

    try:
        # 1. The applicant applies online, answers the item's questions, uploads his scans.
        applicant = desk_of("applicant")
        page = applicant.page
        applicant.go(f"/items/{day.item.code}/")
        page.get_by_role("link", name="网上申请").click()
        # His name, identity number and phone come from his account.
        assert page.get_by_label("申请人（单位）名称").input_value() == "张三"
        page.get_by_label("经营场所面积（平方米）（必填）").fill("85.5")
        page.get_by_label("经营项目（必填）").select_option("热食类食品制售")
        page.get_by_label("从业人员数").fill("6")
        page.get_by_label("拟开业日期").fill("2026-04-01")
        page.get_by_label("经营场所说明").fill("临街一楼门面")
        page.get_by_label("承诺所填信息真实有效（必填）").check()
        page.get_by_role("radio", name="邮寄送达").check()
        page.get_by_label("邮寄地址（选择邮寄送达时填写，含收件人和电话）").fill("示例区人民路 1 号 张三 13912345678")
        page.get_by_role("button", name="保存并上传材料").click()
        page.wait_for_load_state()
        assert applicant.state() == "草稿"
        for material, scan in [("食品经营许可申请书", form_scan), ("授权委托书", proxy_scan)]:
            page.get_by_label(f"选择文件 {material}").set_input_files(str(scan))
            page.get_by_role("row", name=material).get_by_role("button", name="上传").click()
            page.wait_for_load_state()
            assert applicant.message() == "材料已上传。"
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_load_state()
        assert applicant.message() == "申请已提交，请留意受理结果。"
        assert applicant.state() == "已提交"
        number = applicant.fact("办件编号")
        for answer in ["经营场所面积（平方米）", "85.5", "热食类食品制售", "2026年4月1日", "邮寄送达", "示例区人民路 1 号"]:
            assert page.get_by_text(answer).first.is_visible(), answer
        applicant.shot("01-applicant")
        case = Case.objects.get(number=number)
        assert case.form_data["area"] == 85.5 and case.delivery_method == "mail"

        # 2. The chief representative: his 待办, each file, one material 需补正, the one-time notice.
        chief = desk_of("chief")
        chief.open_from_todo(number, "核验申请材料")
        assert chief.state() == "已提交"
        # 5 working days from Monday's receipt: the working days after today up to the due date.
        assert chief.clock().startswith("受理期限 2026-03-09")
        assert "剩 5 个工作日" in chief.clock()
        assert chief.light() == "绿灯"
        assert sorted(chief.view_files()) == ["授权委托书.pdf", "申请书.pdf"]
        chief.shot("02a-chief-previews")
        chief.check_materials({"食品经营许可申请书": ("需补正", "缺少申请人签字"), "授权委托书": "合格"})
        rows = chief.page.locator("table.materials tbody tr")
        assert "需补正：缺少申请人签字" in rows.filter(has_text="食品经营许可申请书").inner_text()
        assert "合格" in rows.filter(has_text="授权委托书").inner_text()
        items = chief.action_form("一次性告知补正").get_by_label("需补正的材料及问题（每行一项：材料：问题）")
        assert items.input_value() == "食品经营许可申请书：缺少申请人签字"  # the notice starts from the check
        chief.shot("02-chief")
        chief.act("一次性告知补正")
        assert chief.state() == "待补正"
        assert "补正材料通知书" in chief.notices()
        chief.shot("02b-chief-after-correction")
        assert chief.todo_row(number) is None  # nothing waits for him now

        # 3. The applicant finds it in 我的办件 and resubmits.
        applicant.go("/my/cases/")
        page.get_by_role("link", name=number).click()
        page.wait_for_load_state()
        assert applicant.state() == "待补正"
        correction = page.get_by_role("region", name="需要补正的材料（一次性告知）")
        assert "食品经营许可申请书：缺少申请人签字" in correction.inner_text()
        assert "补正材料通知书" in applicant.notices()
        page.get_by_label("选择文件 食品经营许可申请书").set_input_files(str(signed_scan))
        page.get_by_role("row", name="食品经营许可申请书").get_by_role("button", name="上传").click()
        page.wait_for_load_state()
        assert page.get_by_role("row", name="食品经营许可申请书").get_by_role("link", name="申请书（已签字）.pdf").is_visible()
        applicant.shot("03-applicant")
        page.get_by_role("button", name="提交补正材料").click()
        page.wait_for_load_state()
        assert applicant.message() == "补正材料已提交。"
        assert applicant.state() == "已提交"

        # 4. The clerk checks the new scan and accepts.
        clerk = desk_of("clerk")
        clerk.open_from_todo(number, "核验申请材料")
        assert "申请书（已签字）.pdf" in clerk.view_files()
        clerk.check_materials({"食品经营许可申请书": "合格"})
        clerk.act("受理")
        assert clerk.state() == "已受理"
        assert "受理通知书" in clerk.notices()
        assert clerk.clock().startswith("办理期限 2026-03-16")  # promised 10 working days from Mon 03-02
        assert "剩 10 个工作日" in clerk.clock()
        assert clerk.light() == "绿灯"
        clerk.shot("04-clerk")
        assert clerk.todo_row(number) is None
        applicant.go(f"/my/cases/{number}/")
        assert applicant.state() == "已受理" and "受理通知书" in applicant.notices()
        applicant.shot("04b-applicant-accepted")

        # 5. The reviewer looks at the files and asks for a special procedure.
        reviewer = desk_of("reviewer")
        reviewer.open_from_todo(number, "完成审查环节")
        assert len(reviewer.view_files()) == 3  # the first scan, its signed replacement, the power of attorney
        reviewer.act("申请特别程序", 特别程序="检测", 事由="委托第三方检测经营场所空气质量", **{"预计所需时间（工作日）": "5"})
        pending = reviewer.page.get_by_role("status")
        assert "待部门负责人审批：申请特别程序" in pending.inner_text()
        assert "检测 · 委托第三方检测经营场所空气质量 · 预计 5 个工作日" in pending.inner_text()
        assert reviewer.state() == "已受理"  # nothing pauses while the request waits
        assert "剩 10 个工作日" in reviewer.clock()
        reviewer.shot("05-reviewer")

        # 6. The department head finds it in his 待办 and approves.
        head = desk_of("head")
        row = head.todo_row(number)
        assert row is not None and "待负责人审批" in row.inner_text()
        head.open_from_todo(number, "批准特别程序")
        assert "待部门负责人审批：申请特别程序" in head.page.get_by_role("status").inner_text()
        head.shot("06-head")
        head.act("批准特别程序")
        assert head.state() == "特别程序"
        assert head.clock() == "特别程序，计时暂停"
        assert head.page.get_by_role("status").count() == 0  # the request is no longer waiting
        assert "特别程序告知书" in head.notices()
        head.shot("06b-head-after-approval")
        assert head.todo_row(number) is None

        # 7. The reviewer ends the special procedure and completes his step.
        reviewer.open_from_todo(number, "特别程序结束")
        reviewer.act("特别程序结束")
        assert reviewer.state() == "审查中"
        assert reviewer.clock().startswith("办理期限 ")
        reviewer.act("完成审查环节", 意见="材料齐全，检测合格，符合条件")
        assert reviewer.state() == "审查中"
        assert reviewer.fact("当前环节期限").startswith("决定 ")
        reviewer.shot("07-reviewer")
        assert reviewer.todo_row(number) is None

        # 8. The approver grants.
        approver = desk_of("approver")
        approver.open_from_todo(number, "准予许可")
        approver.act("准予许可", 意见="同意")
        assert approver.state() == "准予许可"
        assert "准予行政许可决定书" in approver.notices()
        assert approver.clock().startswith("送达期限 ")  # labelled as the delivery clock
        approver.shot("08-approver")
        assert approver.todo_row(number) is None
        applicant.go(f"/my/cases/{number}/")
        assert applicant.state() == "准予许可"
        applicant.shot("08b-applicant-approved")

        # 9. The clerk makes the certificate and delivers it by mail.
        clerk.open_from_todo(number, "制证")  # 送达 once the certificate is made
        clerk.act("制证", 证照编号="JY15116020000001")
        clerk.act("送达", 送达方式="邮寄送达", 签收人="张三")
        assert clerk.state() == "已送达"
        assert "送达回证" in clerk.notices()
        clerk.shot("09-clerk")
        row = clerk.todo_row(number)  # closing the file is what is left
        assert row is not None and row.locator("td").last.inner_text() == "办结"

        # The applicant sees the outcome and every notice.
        applicant.go(f"/my/cases/{number}/")
        assert applicant.state() == "已送达"
        for title in ["受理通知书", "补正材料通知书", "特别程序告知书", "准予行政许可决定书", "送达回证"]:
            assert title in applicant.notices(), title
        applicant.shot("10-applicant")
    finally:
        for person in people:
            person.close()


# --- what the day showed wrong (strict: each fails once the application is fixed) ---

def _window_case(day):
    from govhall.cases import services as cases
    from govhall.catalog.tests.factories import FORM_ANSWERS

    return cases.case_submit(actor=day.clerk, item_version=day.version, center=day.district, channel="window",
                             applicant=day.applicant, applicant_name="张三", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678", form_data=FORM_ANSWERS)


@pytest.mark.django_db(transaction=True)
def test_a_material_found_fit_on_a_second_look_loses_its_old_problem(browser, live_server, day):
    from govhall.cases import services as cases

    case = cases.case_check_materials(actor=day.clerk, case=_window_case(day), checks=[
        {"material_order": 1, "verdict": "fix", "note": "缺少申请人签字"}])
    clerk = Desk(browser, live_server, "clerk")
    try:
        clerk.go(f"/workbench/cases/{case.pk}/")
        clerk.check_materials({"食品经营许可申请书": "合格"})  # as a clerk does: the verdict, not the note
        verdict = clerk.page.locator("table.materials tbody tr").filter(has_text="食品经营许可申请书").locator("td").last
        assert verdict.inner_text().startswith("合格")
        assert "缺少申请人签字" not in verdict.inner_text()
    finally:
        clerk.close()


@pytest.mark.django_db(transaction=True)
def test_the_applicant_sees_which_clock_runs_on_his_case(browser, live_server, day):
    from govhall.cases import services as cases
    from govhall.cases.tests.conftest import accept_checked

    case = accept_checked(actor=day.clerk, case=_window_case(day))
    case = cases.case_complete_step(actor=day.reviewer, case=case, opinion="符合条件")
    case = cases.case_approve(actor=day.approver, case=case, opinion="同意")
    applicant = Desk(browser, live_server, "applicant")
    try:
        applicant.go(f"/my/cases/{case.number}/")
        assert applicant.state() == "准予许可"
        facts = applicant.page.locator("dl.facts").first.inner_text()
        assert "送达期限" in facts and "个工作日" in facts, facts
    finally:
        applicant.close()

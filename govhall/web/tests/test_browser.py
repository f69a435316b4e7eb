"""A person in a real browser: headless Debian Chromium driven by Playwright.

Skipped when /usr/bin/chromium is absent; .ci/run installs it. Screenshots
land in test-artifacts/ for a person to look at.
"""

from pathlib import Path

import pytest

from govhall.cases.tests.conftest import accept_checked
from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.core.actors import SYSTEM
from govhall.test import PASSWORD, sample_pdf
from govhall.web.tests.browser import ARTIFACTS, BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

pytestmark = BROWSER


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["admin", "manager", "clerk", "clerk_b", "reviewer", "supervisor", "hotline", "applicant"])
def test_each_role_logs_in_and_sees_its_home(page, live_server, hall, persona):
    log_in(page, live_server, persona)
    user = getattr(hall, persona)
    assert page.get_by_role("heading", name=f"您好，{user.display_name}").is_visible()
    assert user.get_role_display() in page.locator("header").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{persona}.png"), full_page=True)
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/login/")


@pytest.mark.django_db(transaction=True)
def test_clerk_computes_a_deadline_across_national_day(page, live_server, hall):
    log_in(page, live_server, "clerk")
    page.get_by_role("link", name="工作日与期限计算").click()
    page.wait_for_url(f"{live_server.url}/calendar/")
    page.wait_for_load_state()  # htmx (a deferred script) is ready
    page.get_by_label("起算日（如受理日）").fill("2025-09-26")
    page.get_by_label("时限（工作日）").fill("5")
    page.get_by_role("button", name="计算期限").click()
    result = page.get_by_test_id("deadline")
    result.wait_for()
    # Answered in place by htmx: the URL did not change.
    assert page.url.endswith("/calendar/")
    assert result.inner_text().startswith("2025-10-10")
    page.screenshot(path=str(ARTIFACTS / "calendar-deadline.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_wrong_passwords_lock_the_account(page, live_server, hall, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill("reviewer")
        page.get_by_label("密码").fill("not-the-password")
        page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("reviewer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("heading", name="账户已暂时锁定").is_visible()


@pytest.mark.django_db(transaction=True)
def test_applicant_searches_opens_a_guide_and_downloads_a_form(page, live_server, hall):
    from govhall.catalog.services import item_create, item_publish, material_attach_form
    from govhall.catalog.tests.factories import complete_spec
    from govhall.demo.forms import material_form_xlsx

    item = item_create(actor=SYSTEM, spec=complete_spec("A"))
    draft = item.versions.get()
    material = draft.materials.get(order=1)
    material_attach_form(actor=SYSTEM, material=material, kind="template", filename="t.xlsx",
                         content=material_form_xlsx(item_name=draft.name, material_name=material.name, sample=False))
    item_publish(actor=SYSTEM, version=draft)

    page.goto(live_server.url + "/")
    page.get_by_label("搜索事项").fill("开饭店")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="食品经营许可（仅销售预包装食品除外）").click()
    assert page.get_by_role("heading", name="申请材料").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-guide.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="空白表格").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert Path(download.path()).read_bytes().startswith(b"PK")


def _login_context(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server, username)
    return context, page


def _act(page, label):
    """Press the action button of the case page (the form whose title is ``label``)."""
    page.locator("form.card").filter(has=page.get_by_text(label, exact=True)).get_by_role("button", name=label).click()
    page.wait_for_load_state()


def _check_first_material(page, verdict="合格", note=""):
    """The acceptance check of the first material (the required application form)."""
    form = page.locator("form.card").filter(has=page.get_by_text("核验申请材料", exact=True))
    form.get_by_label(verdict, exact=True).first.check()
    if note:
        form.get_by_label("需补正的内容").first.fill(note)
    _act(page, "核验申请材料")


def _download_pdf(page, link_text):
    with page.expect_download() as info:
        page.evaluate("""(text) => {  // a PDF opens inline: fetch it as a download instead
            const a = [...document.querySelectorAll('a')].find(x => x.textContent.includes(text));
            const link = document.createElement('a'); link.href = a.href; link.download = 'notice.pdf';
            document.body.appendChild(link); link.click(); }""", link_text)
    return Path(info.value.path()).read_bytes()


@pytest.mark.django_db(transaction=True)
def test_online_application_through_acceptance_review_approval_and_delivery(browser, live_server, desk, tmp_path):
    scan = tmp_path / "申请书.pdf"
    scan.write_bytes(sample_pdf("scanned form"))
    applicant_ctx, applicant = _login_context(browser, live_server, "applicant")
    applicant.goto(f"{live_server.url}/items/{desk.item.code}/")
    applicant.get_by_role("link", name="网上申请").click()
    applicant.get_by_label("申请人（单位）名称").fill("张三")
    applicant.get_by_label("证件号码（身份证或统一社会信用代码）").fill("110101199003070011")
    applicant.get_by_label("联系电话").fill("13912345678")
    applicant.get_by_role("button", name="保存并上传材料").click()
    applicant.get_by_label("选择文件 食品经营许可申请书").set_input_files(str(scan))
    applicant.get_by_role("row", name="食品经营许可申请书").get_by_role("button", name="上传").click()
    applicant.get_by_role("button", name="提交申请").click()
    assert applicant.get_by_text("已提交").first.is_visible()
    number = applicant.locator("dd").first.inner_text()

    clerk_ctx, clerk = _login_context(browser, live_server, "clerk")
    clerk.goto(f"{live_server.url}/workbench/cases/")
    clerk.get_by_role("link", name=number).click()
    # The uploaded scan is listed and opens in the page before anything is decided.
    assert clerk.get_by_role("link", name="申请书.pdf").first.is_visible()
    _check_first_material(clerk)
    assert clerk.locator("table.materials strong.verdict").first.inner_text() == "合格"
    _act(clerk, "受理")
    assert _download_pdf(clerk, "受理通知书").startswith(b"%PDF")

    reviewer_ctx, reviewer = _login_context(browser, live_server, "reviewer")
    reviewer.goto(clerk.url)
    reviewer.locator("form.card").filter(has=reviewer.get_by_text("完成审查环节", exact=True)).get_by_label("意见").fill("材料齐全，符合条件")
    _act(reviewer, "完成审查环节")

    approver_ctx, approver = _login_context(browser, live_server, "approver")
    approver.goto(clerk.url)
    approver.locator("form.card").filter(has=approver.get_by_text("准予许可", exact=True)).get_by_label("意见").fill("同意")
    _act(approver, "准予许可")
    assert _download_pdf(approver, "准予行政许可决定书").startswith(b"%PDF")

    clerk.reload()
    clerk.locator("form.card").filter(has=clerk.get_by_text("制证", exact=True)).get_by_label("证照编号").fill("JY1511602000001")
    _act(clerk, "制证")
    form = clerk.locator("form.card").filter(has=clerk.get_by_text("送达", exact=True))
    form.get_by_label("签收人").fill("张三")
    _act(clerk, "送达")
    assert clerk.get_by_text("已送达").first.is_visible()
    clerk.screenshot(path=str(ARTIFACTS / "case-delivered.png"), full_page=True)

    applicant.reload()
    for title in ["受理通知书", "准予行政许可决定书", "送达回证"]:
        assert _download_pdf(applicant, title).startswith(b"%PDF")
    for context in (applicant_ctx, clerk_ctx, reviewer_ctx, approver_ctx):
        context.close()


@pytest.mark.django_db(transaction=True)
def test_correction_and_resubmission_online(browser, live_server, desk, tmp_path):
    first, fixed = tmp_path / "申请书.pdf", tmp_path / "申请书（已签字）.pdf"
    first.write_bytes(sample_pdf("unsigned"))
    fixed.write_bytes(sample_pdf("signed"))
    applicant_ctx, applicant = _login_context(browser, live_server, "applicant")
    applicant.goto(f"{live_server.url}/items/{desk.item.code}/apply/")
    applicant.get_by_label("申请人（单位）名称").fill("张三")
    applicant.get_by_label("证件号码（身份证或统一社会信用代码）").fill("110101199003070011")
    applicant.get_by_label("联系电话").fill("13912345678")
    applicant.get_by_role("button", name="保存并上传材料").click()
    applicant.get_by_label("选择文件 食品经营许可申请书").set_input_files(str(first))
    applicant.get_by_role("row", name="食品经营许可申请书").get_by_role("button", name="上传").click()
    applicant.get_by_role("button", name="提交申请").click()
    number = applicant.locator("dd").first.inner_text()

    clerk_ctx, clerk = _login_context(browser, live_server, "clerk")
    clerk.goto(f"{live_server.url}/workbench/cases/")
    clerk.get_by_role("link", name=number).click()
    _check_first_material(clerk, "需补正", "缺少申请人签字")
    form = clerk.locator("form.card").filter(has=clerk.get_by_text("一次性告知补正", exact=True))
    field = form.get_by_label("需补正的材料及问题（每行一项：材料：问题）")
    assert field.input_value() == "食品经营许可申请书：缺少申请人签字"  # the notice starts from the check
    field.fill("食品经营许可申请书：缺少申请人签字\n营业执照：请核对经营范围")
    _act(clerk, "一次性告知补正")
    assert _download_pdf(clerk, "补正材料通知书").startswith(b"%PDF")

    applicant.reload()
    assert applicant.get_by_text("缺少申请人签字").is_visible() and applicant.get_by_text("请核对经营范围").is_visible()
    applicant.screenshot(path=str(ARTIFACTS / "portal-correction.png"), full_page=True)
    assert _download_pdf(applicant, "补正材料通知书").startswith(b"%PDF")
    applicant.get_by_label("选择文件 食品经营许可申请书").set_input_files(str(fixed))
    applicant.get_by_role("row", name="食品经营许可申请书").get_by_role("button", name="上传").click()
    applicant.get_by_role("button", name="提交补正材料").click()
    assert applicant.get_by_text("补正材料已提交").is_visible()

    clerk.reload()
    _check_first_material(clerk)
    _act(clerk, "受理")
    assert clerk.get_by_text("已受理").first.is_visible()
    assert _download_pdf(clerk, "受理通知书").startswith(b"%PDF")
    for context in (applicant_ctx, clerk_ctx):
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_sees_a_red_light_the_department_answers_and_the_supervisor_closes(page, live_server, desk):
    from govhall.cases import services as cases
    from govhall.cases.tests.conftest import at
    from govhall.supervision.engine import supervise_scan

    case = cases.case_submit(actor=desk.clerk, item_version=desk.version, center=desk.district, channel="window",
                             applicant_name="张三", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678", at=at("2026-03-02 10:00"))
    accept_checked(actor=desk.clerk, case=case, at=at("2026-03-02 10:05"))
    supervise_scan(at=at("2026-03-17 10:00"))  # a day past its deadline (Mon 03-16)

    log_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/supervision/")
    row = page.get_by_role("row").filter(has_text=desk.dept_a.short_name)
    row.get_by_role("link", name="1").first.click()  # the red cases of department A
    page.get_by_role("link", name=case.number).click()
    page.get_by_role("link", name="已超期").first.click()
    page.screenshot(path=str(ARTIFACTS / "supervision-alert-open.png"), full_page=True)

    context = page.context
    context.clear_cookies()
    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/workbench/alerts/")
    page.get_by_role("link", name="承诺期限为2026-03-16，已超期").click()
    page.get_by_role("button", name="签收").click()
    page.get_by_label("整改情况").fill("已督促承办人当日办结，并调整审查分工。")
    page.get_by_role("button", name="提交整改").click()
    assert page.get_by_text("已整改待审核").count() > 0

    context.clear_cookies()
    log_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/alerts/?state=answered")
    page.get_by_role("link", name="承诺期限为2026-03-16，已超期").click()
    page.get_by_label("审核意见").fill("整改到位")
    page.get_by_role("button", name="审核通过并办结").click()
    assert page.get_by_text("已办结").count() > 0
    page.screenshot(path=str(ARTIFACTS / "supervision-alert-closed.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_an_applicant_rates_a_delivered_case_badly_and_the_follow_up_appears(page, live_server, desk):
    from govhall.cases import services as cases
    from govhall.cases.tests.conftest import at

    case = cases.case_submit(actor=desk.clerk, item_version=desk.version, center=desk.district, channel="window",
                             applicant=desk.applicant, applicant_name="张三",
                             applicant_id_number="110101199003070011", applicant_phone="13912345678",
                             at=at("2026-03-02 10:00"))
    case = accept_checked(actor=desk.clerk, case=case, at=at("2026-03-02 10:05"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合", at=at("2026-03-03 10:00"))
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-04 10:00"))
    if desk.version.result_type == "certificate":
        case = cases.case_certify(actor=desk.clerk, case=case, certificate_number="Z-1", at=at("2026-03-04 11:00"))
    cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三", at=at("2026-03-04 14:00"))

    log_in(page, live_server, "applicant")
    page.goto(f"{live_server.url}/my/cases/{case.number}/")
    page.get_by_label("非常不满意").check()
    page.get_by_label("意见或建议").fill("补正材料跑了两次，希望一次性告知清楚。")
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("您的意见已转交责任部门核实整改").wait_for()  # the answer page, once loaded
    page.screenshot(path=str(ARTIFACTS / "rating-bad.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, live_server, "head")
    page.goto(f"{live_server.url}/workbench/followups/")
    assert page.get_by_text(case.number).count() > 0
    page.screenshot(path=str(ARTIFACTS / "followup-list.png"), full_page=True)

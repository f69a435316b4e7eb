"""A joint application (一件事) in a real browser, from the comprehensive
window (一窗受理) to the unified delivery (统一出件).

The clerk picks 开办企业一件事, fills the combined form once (each question
and each shared material once) and receives it; the four departments'
sub-cases start together. The tax department's reviewer finds the joint
case in his list and sees his own sub-case only. Each department decides
its sub-case (through the services, for speed: the case pages are driven in
test_browser_day.py); the stage is done, and the clerk delivers the four
results together. The center manager looks at the theme's configuration
and opens a revision of it.
Screenshots land in /tmp/joint-*.png for a person to look at.
"""

import re
from pathlib import Path

import pytest

from govhall.joint.models import JointCase, SubCase
from govhall.joint.tests import conftest as joint_fixtures
from govhall.joint.tests.builders import decide
from govhall.test import PASSWORD
from govhall.web.tests.browser import BROWSER, browser  # noqa: F401  (fixture)

pytestmark = BROWSER
joint_hall = joint_fixtures.joint_hall  # the hall with both themes published (fixture)
SHOTS = Path("/tmp")


def screen(browser, live_server, username, password=PASSWORD):  # noqa: F811  (the imported fixture)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/workbench/")
    return page


def fact(page, term) -> str:
    return page.locator("dl.facts dt", has_text=re.compile(f"^{term}$")).locator(
        "xpath=following-sibling::dd[1]").inner_text()


def stage_state(page, name) -> str:
    section = page.locator("section.joint-stage").filter(has=page.get_by_role("heading", name=re.compile(name)))
    return section.get_by_test_id("stage-state").inner_text()


@pytest.mark.django_db(transaction=True)
def test_a_joint_application_from_the_comprehensive_window_to_the_unified_delivery(
        browser, live_server, joint_hall):  # noqa: F811  (the imported fixture)
    hall = joint_hall
    clerk = screen(browser, live_server, "clerk")
    clerk.get_by_role("link", name="并联审批").first.click()
    clerk.get_by_role("link", name="联办收件").click()
    clerk.get_by_role("link", name=re.compile("开办企业一件事")).click()
    assert clerk.get_by_role("heading", level=1).inner_text() == "联办收件：开办企业一件事"

    # The combined form: who applies, each question once, each material once.
    clerk.get_by_label("申请人类型").select_option(label="法人或其他组织")
    clerk.get_by_label("申请人（单位）名称").fill("示例科技有限公司")
    clerk.get_by_label("证件号码（身份证或统一社会信用代码）").fill("91510100MA6123456W")
    clerk.get_by_label("联系电话").fill("13800001111")
    clerk.get_by_label("企业名称（必填）").fill("示例科技有限公司")
    clerk.get_by_label("注册资本（万元）（必填）").fill("100")
    materials = clerk.locator("fieldset.joint-materials input[type=checkbox]")
    assert materials.count() == 6  # 身份证明 asked once for the three items that need it
    for index in range(materials.count()):
        materials.nth(index).check()
    clerk.screenshot(path=str(SHOTS / "joint-receive.png"), full_page=True)
    clerk.get_by_role("button", name="收件并分送").click()
    clerk.wait_for_url(re.compile(r"/workbench/joint/D1-LB\d{8}-\d{5}/$"))

    joint = JointCase.objects.get()
    assert fact(clerk, "联办编号") == joint.number
    assert clerk.get_by_test_id("joint-state").inner_text() == "办理中"
    assert stage_state(clerk, "企业开办") == "并联审批中"
    subs = [s.case for s in SubCase.objects.filter(joint_case=joint).select_related("case")]
    rows = clerk.locator("section.joint-stage tbody tr")
    assert rows.count() == 4
    for case in subs:
        row = rows.filter(has=clerk.get_by_role("link", name=case.number, exact=True))
        assert case.department.name in row.inner_text() and "已提交" in row.inner_text()
    clerk.screenshot(path=str(SHOTS / "joint-running.png"), full_page=True)

    # The tax department (抄告相关) finds it in its list and sees its own sub-case.
    tax = screen(browser, live_server, "reviewer_e", password="x")
    tax.get_by_role("link", name="并联审批").first.click()
    tax.get_by_role("link", name=joint.number).click()
    own = next(c for c in subs if c.department.code == "E")
    assert tax.locator("section.joint-stage tbody tr").count() == 1
    assert own.number in tax.locator("section.joint-stage").inner_text()
    tax.screenshot(path=str(SHOTS / "joint-department.png"), full_page=True)

    # Each department decides its own sub-case: the stage is done.
    for case in subs:
        decide(case)
    clerk.reload()
    assert clerk.get_by_test_id("joint-state").inner_text() == "待统一出件"
    assert stage_state(clerk, "企业开办") == "已完成"

    # The unified delivery: the four results served together.
    deliver = clerk.locator("form.card").filter(has=clerk.get_by_role("button", name="统一出件"))
    deliver.get_by_label("送达方式").select_option(label="窗口领取")
    deliver.get_by_label("签收人").fill("王经理")
    clerk.screenshot(path=str(SHOTS / "joint-ready.png"), full_page=True)
    deliver.get_by_role("button", name="统一出件").click()
    clerk.wait_for_load_state()
    assert clerk.locator("ul.messages").inner_text() == "已统一出件：已统一出件。"
    assert clerk.get_by_test_id("joint-state").inner_text() == "已统一出件"
    assert clerk.locator("section.joint-stage tbody").inner_text().count("已送达") == 4
    assert "统一出件" in clerk.locator("table").last.inner_text()  # in the joint case's events
    clerk.screenshot(path=str(SHOTS / "joint-delivered.png"), full_page=True)

    # The center manager's view of the theme's configuration.
    manager = screen(browser, live_server, "manager")
    manager.goto(f"{live_server.url}/workbench/joint/themes/")
    manager.get_by_role("link", name="工程建设项目审批").click()
    assert "立项用地规划" in manager.locator("table").first.inner_text()
    manager.screenshot(path=str(SHOTS / "joint-theme.png"), full_page=True)
    # A revision opens a draft with the stages to edit, the published version unchanged.
    manager.get_by_role("button", name="创建新版本草稿").click()
    manager.wait_for_load_state()
    assert "第 2 版 · 草稿" in manager.get_by_role("heading", level=1).inner_text()
    assert manager.get_by_label("阶段名称").first.input_value() == "立项用地规划"
    assert manager.locator("fieldset.row").count() == 5  # the four stages and a blank one
    manager.screenshot(path=str(SHOTS / "joint-theme-draft.png"), full_page=True)

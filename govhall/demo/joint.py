"""Joint approval in the sample hall (并联审批, docs/joint.md): two themes
modeled on the reform reports, configured and published by the district's
center manager, and four joint cases in the history, each through the
joint services and the case services by the people the staffing plan
authorizes, at past moments like the rest of the history:

- 开办企业一件事, delivered together (统一出件) a few weeks ago;
- 开办企业一件事, received on the last working day, its sub-cases at
  different points (two granted, two waiting for acceptance);
- 工程建设项目审批 in its third stage (施工许可): the first two stages done
  (the second with a joint on-site inspection, 联合踏勘, each sub-case
  suspended from its head's approval to its department's findings), the
  third's sub-cases granted, in review and waiting for acceptance;
- 工程建设项目审批 stopped by a denial in its first stage (the other items
  granted, waiting for the applicant to apply again or end it).

Their sub-cases are ordinary cases of their departments: they are in the
work lists, the statistics and supervision like every case.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time

from django.utils import timezone

from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.policy import decision_index
from govhall.cases.selectors import case_steps
from govhall.cases.states import DECIDED
from govhall.cases.states import Action as Act
from govhall.core import clock
from govhall.demo.cases import History, _id_number
from govhall.demo.showcases import Showcase, workdays_before
from govhall.joint import services as joint
from govhall.joint.forms import theme_form
from govhall.joint.models import JointCase, SubCase, Theme
from govhall.org.models import Department

SEED = 20261206
MANAGER = "manager"  # the district center's manager configures the themes (主题配置)
ONSITE_GROUND = "onsite_survey"  # registered by the center: a joint on-site inspection outside the time limit

# Printed with the logins by `govhall demo`: who reaches the joint approval screens.
JOINT_LOGINS = ("并联审批（一件事）：manager 配置主题；clerk、clerk2（企业开办 01、02）和 clerk3（工程建设 03）"
                "综合窗口联办收件；reviewer（区行政审批局）、reviewer_b（区住建局）为牵头部门，查看联办件全程 / "
                "joint approval: manager configures the themes; clerk, clerk2, clerk3 receive at the comprehensive "
                "windows; reviewer, reviewer_b (lead departments) see the whole")

# (code, name, description, stages: (name, lead department, item names, depends on))
THEMES = [
    ("kaiban-qiye", "开办企业一件事",
     "企业设立登记、公章刻制备案、新办纳税人涉税事项、单位社会保险登记一表申请、同步办理、统一出件。", [
         ("企业开办", "区行政审批局",
          ["公司设立登记", "公章刻制备案", "一照一码户信息确认（县级行使）", "发票票种核定（县级行使）", "企业社会保险登记"],
          []),
     ]),
    ("gongcheng-jianshe", "工程建设项目审批",
     ("社会投资工程建设项目按立项用地规划许可、工程建设许可、施工许可、竣工验收四个阶段并联审批，"
      "每个阶段一家牵头部门组织协调，各部门同步审批。"), [
         ("立项用地规划许可", "区自然资源和规划局",
          ["企业投资项目备案", "建设项目用地预审与选址意见书", "建设用地（含临时用地）规划许可证核发（出让用地）"], []),
         ("工程建设许可", "区自然资源和规划局",
          ["建设工程设计方案审定", "建设工程（含临时建设）规划许可证核发", "一般建设项目环境影响报告表审批（市级）",
           "生产建设项目水土保持方案审批（新办）（据省政府令第349号,部分省级权限下放成都等８市)"], ["立项用地规划许可"]),
         ("施工许可", "区住建局",
          ["建筑工程施工许可证核发", "特殊建设工程消防设计审查", "建设项目人防工程设计审查施工许可阶段",
           "建设工程质量监督备案", "建筑垃圾处理方案备案"], ["工程建设许可"]),
         ("竣工验收", "区住建局",
          ["特殊建设工程消防验收", "建筑工程竣工规划土地核实“多验合一”", "建设工程竣工验收备案"], ["施工许可"]),
     ]),
]

COMPANY = {"company_name": "广安区示例智能科技有限公司", "registered_capital": 200, "company_type": "有限责任公司",
           "business_scope": "软件开发；信息系统集成服务；智能设备销售", "seal_count": 4, "accounting": "小企业会计准则",
           "invoice_kind": "全面数字化的电子发票", "employees": 12}
PROJECT = {"project_name": "广安区示例产业园标准化厂房建设项目", "project_address": "广安区协兴园区金安大道 88 号",
           "investment": 18000, "land_area": 46000, "building_area": 52000, "builder": "广安市示例建筑工程有限公司",
           "contract_price": 12600}


def demo_joint_themes_load(*, at: datetime) -> list[Theme]:
    """The themes, configured and published by the district's center
    manager at ``at`` (before the joint cases of the history), and the
    center's ground of special procedure for a joint on-site inspection."""
    from govhall.catalog.models import Item
    from govhall.org.models import User

    manager = User.objects.get(username=MANAGER)
    center = manager.center
    departments = {d.short_name: d.code for d in Department.objects.filter(center=center)}
    names = {name for _c, _n, _d, stages in THEMES for stage in stages for name in stage[2]}
    items = {i.current.name: i.code for i in Item.objects.filter(current__name__in=names, current__status="published")
             .select_related("current")}
    cases.suspension_ground_add(actor=manager, center=center, code=ONSITE_GROUND, name="现场踏勘",
                                legal_basis="《示例省优化营商环境条例》第三十条（现场踏勘时间不计入审批时限）")
    made = []
    for code, name, description, stages in THEMES:
        theme = joint.theme_create(actor=manager, center=center, code=code, name=name, description=description, at=at)
        joint.theme_configure(actor=manager, theme=theme, stages=[
            {"name": stage, "lead_department": departments[lead], "items": [items[n] for n in item_names],
             "depends_on": depends} for stage, lead, item_names, depends in stages])
        made.append(joint.theme_publish(actor=manager, theme=theme, at=at))
    return made


class _Joint(Showcase):
    """Helpers for the joint lives (the showcases' own, over a longer past)."""

    def __init__(self, history: History, today: date):
        super().__init__(history, today)
        self.rng = random.Random(SEED)
        self.days = workdays_before(today, 40)
        self.themes = {t.code: t for t in Theme.objects.filter(status="published").select_related("center")}

    def at(self, back: int, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(self.day(back), time(hour, minute)))

    def submit(self, code: str, clerk: str, answers: dict, at: datetime, *, applicant: str, delivery: str = "",
               address: str = "") -> JointCase:
        """The combined application at the comprehensive window, every
        required shared material seen, how the results are wanted (one of
        the methods every item offers); the first stage's sub-cases received."""
        theme = self.themes[code]
        form = theme_form([si.item.current for si in theme.stage_items.select_related("item__current")])
        asked = {f["key"] for f in form.fields}
        made = joint.joint_submit(
            actor=self.user(clerk), theme=theme, applicant_kind="organization", applicant_name=applicant,
            applicant_id_number=_id_number(self.rng, True), applicant_phone="13908262026",
            form_data={k: v for k, v in answers.items() if k in asked},
            materials=[m["name"] for m in form.materials if m["required"]], delivery_method=delivery,
            delivery_address=address, at=at)
        self.history.made.extend(self.stage_cases(made, 1))
        return made

    def stage_cases(self, made: JointCase, order: int) -> list[Case]:
        return list(Case.objects.filter(joint_link__joint_case=made, joint_link__replaced=False,
                                        joint_link__joint_stage__stage__order=order)
                    .select_related("item_version__item__department", "department", "center").order_by("pk"))

    def sub_case(self, made: JointCase, order: int, name: str) -> Case:
        return next(c for c in self.stage_cases(made, order) if c.item_version.name == name)

    def accept(self, case: Case, at: datetime) -> Case:
        return self.check_and_accept(case, self.back_office(case), at)

    def grant(self, case: Case, at: datetime) -> Case:
        """Accepted (where it is not yet) and granted, by the department's own people."""
        if case.state == "submitted":
            case = self.accept(case, at)
        return self.decide(case, at, clerk=self.back_office(case))

    def review(self, case: Case, at: datetime) -> Case:
        """Accepted and its first review step done: at the next step, not decided."""
        case = self.accept(case, at)
        return self.steps_until(case, min(case.step + 1, decision_index(case_steps(case))), at)

    def work(self, made: JointCase, order: int, start: int, end: int, *, deny: str = "", reasons: str = ""):
        """The accepted sub-cases of a stage worked through by their
        departments from working day ``start`` back to ``end`` back, one step
        after the other spread over the days (each step within its share),
        decided on day ``end``: granted, or the item named ``deny`` denied
        for ``reasons``.
        Yields the moments; the stage ends with the last decision."""
        plan = []
        for case in self.stage_cases(made, order):
            if case.state in DECIDED:
                continue
            acts = decision_index(case_steps(case)) - case.step + 1
            plan += [(start - round((start - end) * (k + 1) / acts), case.pk) for k in range(acts)]
        for back in sorted({b for b, _pk in plan}, reverse=True):
            at = self.at(back, 10, 30)
            yield at
            for pk in [pk for b, pk in plan if b == back]:  # a case twice on a day: two acts
                case = Case.objects.select_related("item_version__item", "department").get(pk=pk)
                if case.step < decision_index(case_steps(case)):
                    self.steps_until(case, case.step + 1, at)
                elif case.item_version.name == deny:
                    cases.case_deny(actor=self.history.step_actor(self.rng, case, Act.DENY), case=case, at=at,
                                    reasons=reasons)
                else:
                    self.decide(case, at)

    def joint_inspection(self, made: JointCase, order: int, back: int) -> Iterator[datetime]:
        """A joint on-site inspection (联合踏勘) of the stage's sub-cases,
        scheduled on working day ``back`` by a reviewer of the stage's lead
        department for the next working day, under the center's registered
        ground (on-site inspection outside the time limit): each
        department's head approves the suspension the same afternoon; the
        findings, recorded by each department's reviewer the day after the
        inspection, end it (one asks for a correction)."""
        from govhall.joint.models import JointFinding

        at = self.at(back, 11, 0)
        yield at
        links = list(SubCase.objects.filter(joint_case=made, joint_stage__stage__order=order, replaced=False)
                     .select_related("case__department", "case__item_version__item",
                                     "joint_stage__stage__lead_department").order_by("stage_item__order"))
        lead = links[0].joint_stage.stage.lead_department
        organizer = self.history.reviewer(self.rng, next(link.case for link in links
                                                         if link.case.department_id == lead.pk))
        event = joint.joint_event_schedule(
            actor=organizer, joint_case=made, kind="inspection", scheduled_on=self.day(back - 1),
            place=PROJECT["project_address"] + "项目现场", sub_cases=links, ground=ONSITE_GROUND, expected_days=3,
            at=at)
        at = self.at(back, 15, 30)
        yield at
        for link in links:
            case = Case.objects.select_related("department", "item_version__item").get(pk=link.case_id)
            cases.case_suspend(actor=self.history.head(case), case=case, at=at)
        at = self.at(back - 2, 10, 0)
        yield at
        for index, finding in enumerate(JointFinding.objects.filter(event=event)
                                        .select_related("sub_case__case__department",
                                                        "sub_case__case__item_version__item").order_by("pk")):
            case = finding.sub_case.case
            joint.joint_finding_record(actor=self.history.reviewer(self.rng, case), finding=finding,
                                       outcome="correction" if index == 1 else "passed",
                                       text="补充厂区雨水排放及沉砂池设置说明" if index == 1 else "现场与申报一致", at=at)

    def serve(self, made: JointCase, order: int, at: datetime, clerk: str) -> None:
        """The granted results of a finished stage handed over by the
        comprehensive window (阶段出件: the next stage goes on with them)."""
        for case in self.stage_cases(made, order):
            if case.state == "approved":
                self.hand_over(case, self.user(clerk), at)


def _standing_at_its_moments(life: Iterator[datetime]) -> Iterator[datetime]:
    """``life`` with each of its steps run while the clock stands at the
    moment the step was yielded for: the joint services write their audit
    events (联办件的过程记录) at ``clock.now()``, so the demo's joint cases show
    the simulated times, not the time of loading."""
    at = None
    while True:
        try:
            if at is None:
                at = next(life)
            else:
                with clock.standing_at(at):
                    at = next(life)
        except StopIteration:
            return
        yield at


def joint_lives(history: History, *, today: date) -> list[Iterator[datetime]]:
    """The themes published by the center manager before the first joint
    case, and the joint cases' lives for the history's runner."""
    first = timezone.make_aware(datetime.combine(workdays_before(today, 40)[-1], time(9, 0)))
    with clock.standing_at(first):
        demo_joint_themes_load(at=first)
    s = _Joint(history, today)
    return [_standing_at_its_moments(life(s)) for life in LIVES]


def company_delivered(s: _Joint):
    """开办企业一件事 received at window 01, every item granted the same
    morning, delivered together (统一出件) in the afternoon and closed."""
    at = s.at(12, 9, 20)
    yield at
    made = s.submit("kaiban-qiye", "clerk", COMPANY, at, applicant="广安区示例智能科技有限公司", delivery="window")
    at = s.at(12, 10, 30)
    yield at
    for case in s.stage_cases(made, 1):
        s.grant(case, at)
    at = s.at(12, 15, 40)
    yield at
    clerk = s.user("clerk")
    for case in s.stage_cases(made, 1):
        if case.item_version.result_type == "certificate":
            cases.case_certify(actor=clerk, case=case, certificate_number=f"{case.number}-Z", at=at)
    joint.joint_deliver(actor=clerk, joint_case=made, method="window", received_by="王建华", at=at)
    at = s.at(12, 16, 10)
    yield at
    for case in s.stage_cases(made, 1):
        cases.case_close(actor=clerk, case=case, at=at)


def company_running(s: _Joint):
    """开办企业一件事 received yesterday afternoon at window 02, the results
    to be mailed: the company registered and its seal recorded; the tax and
    social insurance items wait for acceptance."""
    at = s.at(1, 14, 5)
    yield at
    made = s.submit("kaiban-qiye", "clerk2", {**COMPANY, "company_name": "广安示例餐饮管理有限公司", "employees": 6},
                    at, applicant="广安示例餐饮管理有限公司", delivery="mail",
                    address="四川省广安市广安区中桥街道建设路 66 号")  # the licence, seals and invoices mailed free
    at = s.at(1, 14, 50)
    yield at
    for name in ("公司设立登记", "公章刻制备案"):
        s.grant(s.sub_case(made, 1, name), at)


def construction_third_stage(s: _Joint):
    """工程建设项目审批 received at window 03 a month of working days ago:
    立项用地规划许可 and 工程建设许可 done, each step within its share of the
    items' promised time, their results handed over at the stage's end; in
    施工许可 the permit granted and the quality supervision filed, the fire
    design review in review, the civil air defence review and the
    construction waste plan waiting for acceptance."""
    at = s.at(22, 10, 10)
    yield at
    made = s.submit("gongcheng-jianshe", "clerk3", PROJECT, at, applicant="广安示例房地产开发有限公司")
    at = s.at(22, 10, 40)
    yield at
    s.hand_over(s.grant(s.sub_case(made, 1, "企业投资项目备案"), at), s.user("clerk3"), at)  # 备案: on the spot
    for case in s.stage_cases(made, 1):
        if case.state == "submitted":
            s.accept(case, at)
    yield from s.work(made, 1, 22, 14)  # the second stage starts with the last decision (内部流转)
    at = s.at(14, 16, 0)
    yield at
    s.serve(made, 1, at, "clerk3")
    s.history.made.extend(s.stage_cases(made, 2))
    at = s.at(13, 9, 30)
    yield at
    for case in s.stage_cases(made, 2):
        s.accept(case, at)
    yield from s.joint_inspection(made, 2, 13)
    yield from s.work(made, 2, 10, 4)  # the third stage starts
    at = s.at(4, 16, 0)
    yield at
    s.serve(made, 2, at, "clerk3")
    s.history.made.extend(s.stage_cases(made, 3))
    at = s.at(3, 9, 40)
    yield at
    s.grant(s.sub_case(made, 3, "建筑工程施工许可证核发"), at)
    filed = s.grant(s.sub_case(made, 3, "建设工程质量监督备案"), at)
    s.hand_over(filed, s.user("clerk_b"), at)
    at = s.at(2, 10, 20)
    yield at
    s.review(s.sub_case(made, 3, "特殊建设工程消防设计审查"), at)


def construction_denied(s: _Joint):
    """工程建设项目审批 stopped: the land use planning permit denied in the
    first stage, the project filed and the site approved; the joint case
    waits for the applicant to apply again or end it."""
    at = s.at(14, 11, 0)
    yield at
    made = s.submit("gongcheng-jianshe", "clerk3", {**PROJECT, "project_name": "广安区示例物流仓储中心项目",
                                                   "project_address": "广安区花桥镇滨河路 9 号"},
                    at, applicant="广安示例物流有限公司")
    at = s.at(14, 11, 30)
    yield at
    s.hand_over(s.grant(s.sub_case(made, 1, "企业投资项目备案"), at), s.user("clerk3"), at)
    for case in s.stage_cases(made, 1):
        if case.state == "submitted":
            s.accept(case, at)
    yield from s.work(made, 1, 14, 5, deny="建设用地（含临时用地）规划许可证核发（出让用地）",
                      reasons="经审查，拟用地块规划用途为公园绿地，与申请的仓储用地用途不符，不符合国土空间规划")


LIVES = [company_delivered, company_running, construction_third_stage, construction_denied]

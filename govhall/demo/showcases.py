"""The cases of the last working days that give every printed login work of
its own, whatever the random history left open: a clerk's application
waiting for acceptance, a reviewer's step, an approver's decision, a head's
request to approve (of 区行政审批局, 区住建局 and 区市监局's on-site check), the
town center's own cases, and the applicants' own applications online — one
closed and rated, one delivered waiting for its rating, one waiting for them
to correct it, others on their way.

Each is a life like those of the history (``cases.History``), made through
the same services by the people the staffing plan authorizes; they act on
the last working days before today, so none is late today.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time

from django.utils import timezone

from govhall.calendars.selectors import work_calendar
from govhall.cases import services as cases
from govhall.cases.policy import decision_index
from govhall.cases.selectors import case_steps
from govhall.cases.states import Action as Act
from govhall.demo import staffing as plan_staff
from govhall.demo.cases import OPINIONS, History, _fee, _id_number, blank_pdf, form_answers

SEED = 20261123


def workdays_before(today: date, count: int) -> list[date]:
    """The ``count`` working days before ``today``, the latest first."""
    calendar = work_calendar()
    days, day = [], today
    while len(days) < count:
        day = date.fromordinal(day.toordinal() - 1)
        if calendar.is_workday(day):
            days.append(day)
    return days


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class Showcase:
    """Helpers for one showcase life."""

    def __init__(self, history: History, today: date):
        self.history = history
        self.rng = random.Random(SEED)
        self.days = workdays_before(today, 20)  # days[0]: the last working day before today

    def day(self, back: int) -> date:
        return self.days[back - 1]

    def version(self, name: str):
        for version in self.history.versions.values():
            if version.name == name:
                return version
        raise LookupError(f"showcase item {name!r} is not published")

    def user(self, username: str):
        return self.history.users[username]

    def receive(self, name: str, clerk: str, center: str, at: datetime, *, person: bool = True):
        version = self.version(name)
        rng = self.rng
        case = cases.case_submit(
            actor=self.user(clerk), item_version=version, center=self.history.centers[center], channel="window",
            applicant_kind="person" if person else "organization",
            applicant_name=rng.choice(["周建军", "黄丽", "罗明", "谭芳", "邹强"]) if person else "广安区示例商贸有限公司",
            applicant_id_number=_id_number(rng, not person),
            applicant_phone="13908261234", form_data=form_answers(version, rng, at.date()), at=at)
        self.history.made.append(case)
        return case

    def check_and_accept(self, case, clerk, at: datetime):
        checks = cases.checks_all_required_ok(case)
        if checks:
            case = cases.case_check_materials(actor=clerk, case=case, checks=checks, at=at)
        return cases.case_accept(actor=clerk, case=case, at=at)

    def steps_until(self, case, step: int, at: datetime):
        """Complete review steps until the case is at ``step``."""
        while case.step < step:
            actor = self.history.step_actor(self.rng, case, Act.COMPLETE_STEP)
            case = cases.case_complete_step(actor=actor, case=case, opinion=self.rng.choice(OPINIONS), at=at)
        return case

    def decide(self, case, at: datetime, *, clerk=None):
        """Through the review steps to the decision (by ``clerk`` where he decides the item)."""
        case = self.steps_until(case, decision_index(case_steps(case)), at)
        decider = self.history.step_actor(self.rng, case, Act.APPROVE, prefer=clerk)
        return cases.case_approve(actor=decider, case=case, opinion="同意", at=at)

    def hand_over(self, case, clerk, at: datetime, *, method: str = "window"):
        version = case.item_version
        if version.no_fee is False:
            case = cases.case_record_payment(actor=clerk, case=case, amount=_fee(case), method="card",
                                             receipt_number=f"GA{case.pk:07d}", at=at)
        if version.result_type == "certificate":
            case = cases.case_certify(actor=clerk, case=case, certificate_number=f"{case.number}-Z", at=at)
        return cases.case_deliver(actor=clerk, case=case, method=method, received_by=case.applicant_name, at=at)

    def apply_online(self, username: str, name: str, at: datetime, *, submit: bool = True, by: str = ""):
        """The applicant's own application on the portal (or, ``by`` an
        agent, on his behalf): a draft, a scan of each material he must hand
        in, then submitted."""
        applicant = self.user(username)
        actor = self.user(by) if by else applicant
        version = self.version(name)
        case = cases.case_draft_create(
            actor=actor, item_version=version, center=self.history.centers[plan_staff.DISTRICT],
            applicant_name=applicant.full_name, applicant_id_number=applicant.id_number,
            applicant_phone=applicant.phone, form_data=form_answers(version, self.rng, at.date()),
            delivery_method="electronic" if "electronic" in (version.delivery_methods or []) else "", at=at)
        self.history.made.append(case)
        for material in version.materials.all():
            if material.handed_in_required:
                case = cases.case_material_attach(actor=actor, case=case, material_order=material.order,
                                                  filename=f"{material.name[:20]}.pdf", content=self._pdf(), at=at)
        if submit:
            case = cases.case_draft_submit(actor=actor, case=case, at=at)
        return case

    def back_office(self, case):
        """The clerk who handles the department's online applications."""
        version = case.item_version
        home = plan_staff.receiving_pools(version)[0][0]
        return self.user(min(self.history.clerks(version, home)))

    _blank = None

    def _pdf(self) -> bytes:
        if Showcase._blank is None:
            Showcase._blank = blank_pdf()
        return Showcase._blank


def showcase_lives(history: History, *, today: date) -> list[Iterator[datetime]]:
    s = Showcase(history, today)
    return [life(s) for life in LIVES]


# --- 区行政审批局 -------------------------------------------------------------------

def approval_bureau_to_accept(s: Showcase):
    at = _at(s.day(1), 15, 10)
    yield at
    s.receive("社会团体成立登记", "clerk", plan_staff.DISTRICT, at)  # clerk, clerk2, chief: 待受理


def approval_bureau_review(s: Showcase):
    at = _at(s.day(2), 10, 5)
    yield at
    clerk = s.user("clerk2")
    s.check_and_accept(s.receive("民办非企业单位成立登记", "clerk2", plan_staff.DISTRICT, at), clerk, at)  # 审查


def market_onsite_check(s: Showcase):
    at = _at(s.day(1), 9, 40)
    yield at
    clerk = s.user("clerk")
    s.check_and_accept(s.receive("食品(含保健食品)经营许可核发", "clerk", plan_staff.DISTRICT, at, person=False),
                       clerk, at)  # 现场核查 by 区市监局's reviewer


def approval_bureau_decision(s: Showcase):
    at = _at(s.day(3), 14, 20)
    yield at
    clerk = s.user("clerk")
    case = s.check_and_accept(s.receive("夜间建筑施工许可", "clerk", plan_staff.DISTRICT, at, person=False), clerk, at)
    at = _at(s.day(2), 11, 0)
    yield at
    s.steps_until(case, decision_index(case_steps(case)), at)  # the approver decides


def approval_bureau_request(s: Showcase):
    at = _at(s.day(4), 10, 30)
    yield at
    clerk = s.user("clerk2")
    case = s.check_and_accept(s.receive("公共场所卫生许可新办审批（县级）", "clerk2", plan_staff.DISTRICT, at,
                                        person=False), clerk, at)
    at = _at(s.day(2), 15, 0)
    yield at
    case = s.steps_until(case, 2, at)  # 区卫健局's on-site check done
    at = _at(s.day(1), 10, 15)
    yield at
    cases.case_request_suspension(actor=s.user("reviewer"), case=case, ground="testing",
                                  reason="委托第三方机构对集中空调通风系统进行卫生检测", expected_days=5, at=at)


def approval_bureau_delivery(s: Showcase):
    at = _at(s.day(3), 9, 30)
    yield at
    clerk = s.user("clerk")
    case = s.check_and_accept(s.receive("公司注销登记", "clerk", plan_staff.DISTRICT, at, person=False), clerk, at)
    at = _at(s.day(1), 11, 20)
    yield at
    s.decide(case, at)  # the clerk hands over the decision


# --- 区住建局 ----------------------------------------------------------------------

def housing_to_accept(s: Showcase):
    at = _at(s.day(1), 14, 45)
    yield at
    s.receive("特殊建设工程消防设计审查", "clerk_b", plan_staff.DISTRICT, at, person=False)


def housing_review(s: Showcase):
    at = _at(s.day(2), 9, 50)
    yield at
    s.check_and_accept(s.receive("城镇污水排入排水管网许可", "clerk_b", plan_staff.DISTRICT, at, person=False),
                       s.user("clerk_b"), at)


def housing_decision(s: Showcase):
    at = _at(s.day(2), 14, 0)
    yield at
    case = s.check_and_accept(s.receive("建筑工程施工许可证核发", "clerk_b", plan_staff.DISTRICT, at, person=False),
                              s.user("clerk_b"), at)
    at = _at(s.day(1), 10, 0)
    yield at
    s.steps_until(case, decision_index(case_steps(case)), at)


def housing_request(s: Showcase):
    at = _at(s.day(3), 10, 40)
    yield at
    case = s.check_and_accept(s.receive("特殊建设工程消防验收", "clerk_b", plan_staff.DISTRICT, at, person=False),
                              s.user("clerk_b"), at)
    at = _at(s.day(1), 16, 0)
    yield at
    cases.case_request_extension(actor=s.user("reviewer_b"), case=case, days=5,
                                 reason="消防设施检测报告需补充第三方复核", at=at)


def housing_certificate(s: Showcase):
    at = _at(s.day(4), 9, 15)
    yield at
    case = s.check_and_accept(s.receive("商品房预售许可", "clerk_b", plan_staff.DISTRICT, at, person=False),
                              s.user("clerk_b"), at)
    at = _at(s.day(1), 15, 30)
    yield at
    s.decide(case, at)  # the clerk makes the certificate and delivers it


# --- the town center (协兴镇便民服务中心) ----------------------------------------------

def town_to_accept(s: Showcase):
    at = _at(s.day(1), 10, 25)
    yield at
    s.receive("临时救助", "town_clerk", plan_staff.TOWN, at)


def town_review(s: Showcase):
    at = _at(s.day(2), 9, 20)
    yield at
    s.check_and_accept(s.receive("80周岁以上老年人高龄津贴发放", "town_clerk2", plan_staff.TOWN, at),
                       s.user("town_clerk2"), at)


def town_delivery(s: Showcase):
    at = _at(s.day(3), 14, 10)
    yield at
    case = s.check_and_accept(s.receive("失业保险金申领", "town_clerk2", plan_staff.TOWN, at),
                              s.user("town_clerk2"), at)
    at = _at(s.day(1), 9, 30)
    yield at
    s.decide(case, at)


# --- the applicants' own applications ------------------------------------------------

def applicant_rated(s: Showcase):
    """张三: an application of three weeks ago, delivered, closed and rated on the portal."""
    from govhall.evaluation.services import rating_submit

    at = _at(s.day(15), 20, 30)  # at home in the evening: received the next working day
    yield at
    case = s.apply_online("applicant", "个体工商户设立登记", at)
    at = _at(s.day(14), 9, 40)
    yield at
    clerk = s.back_office(case)
    case = s.decide(s.check_and_accept(case, clerk, at), at, clerk=clerk)
    case = s.hand_over(case, clerk, at, method="electronic")
    at = _at(s.day(14), 16, 0)
    yield at
    case = cases.case_close(actor=clerk, case=case, at=at)
    at = _at(s.day(13), 19, 5)
    yield at
    rating_submit(actor=s.user("applicant"), case=case, level=5, comment="网上就办好了，不用跑腿。", at=at)


def applicant_to_rate(s: Showcase):
    """张三: delivered yesterday, waiting for his rating."""
    at = _at(s.day(6), 21, 0)
    yield at
    case = s.apply_online("applicant", "食品(含保健食品)经营许可核发", at)
    at = _at(s.day(5), 10, 0)
    yield at
    clerk = s.back_office(case)
    case = s.check_and_accept(case, clerk, at)
    at = _at(s.day(3), 15, 0)
    yield at
    case = s.decide(case, at)
    at = _at(s.day(1), 10, 30)
    yield at
    s.hand_over(case, clerk, at, method="electronic")


def applicant_to_correct(s: Showcase):
    """张三: the one-time correction notice, waiting for him to hand in the corrected materials."""
    at = _at(s.day(2), 8, 15)
    yield at
    case = s.apply_online("applicant", "公共场所卫生许可新办审批（县级）", at)
    at = _at(s.day(1), 14, 30)
    yield at
    clerk = s.back_office(case)
    checks = cases.checks_all_required_ok(case)
    first = checks[0]["material_order"]
    case = cases.case_check_materials(actor=clerk, case=case, at=at, checks=[
        {**c, "verdict": "fix" if c["material_order"] == first else "ok",
         "note": "上传的扫描件不清晰，请上传清晰的原件扫描件" if c["material_order"] == first else ""} for c in checks])
    name = next(m.name for m in case.item_version.materials.all() if m.order == first)
    cases.case_request_correction(actor=clerk, case=case, at=at, items=[
        {"material": name, "problem": "上传的扫描件不清晰，请上传清晰的原件扫描件"}])


def applicant_in_review(s: Showcase):
    """张三: accepted, at the on-site check."""
    at = _at(s.day(4), 11, 0)
    yield at
    case = s.apply_online("applicant", "占用、挖掘城市道路审批", at)
    at = _at(s.day(3), 9, 10)
    yield at
    s.check_and_accept(case, s.back_office(case), at)


def applicant_draft(s: Showcase):
    """张三: a draft he has not submitted yet."""
    at = _at(s.day(1), 21, 40)
    yield at
    s.apply_online("applicant", "个体工商户变更登记（备案）", at, submit=False)


def agent_rated(s: Showcase):
    """李四: delivered two weeks ago and rated."""
    from govhall.evaluation.services import rating_submit

    at = _at(s.day(10), 10, 0)
    yield at
    case = s.apply_online("agent", "城乡居民参保登记", at)
    at = _at(s.day(10), 14, 0)
    yield at
    clerk = s.back_office(case)
    case = s.hand_over(s.decide(s.check_and_accept(case, clerk, at), at, clerk=clerk), clerk, at, method="electronic")
    case = cases.case_close(actor=clerk, case=case, at=at)
    at = _at(s.day(9), 12, 30)
    yield at
    rating_submit(actor=s.user("agent"), case=case, level=4, comment="整体满意，进度查询很方便。", at=at)


def agent_in_review(s: Showcase):
    """李四: accepted, in review."""
    at = _at(s.day(3), 20, 0)
    yield at
    case = s.apply_online("agent", "创业担保贷款申请", at)
    at = _at(s.day(1), 9, 45)
    yield at
    s.check_and_accept(case, s.back_office(case), at)


def agent_approved(s: Showcase):
    """李四: granted, the certificate being made."""
    at = _at(s.day(5), 10, 20)
    yield at
    case = s.apply_online("agent", "居住证办理", at)
    at = _at(s.day(4), 9, 0)
    yield at
    case = s.check_and_accept(case, s.back_office(case), at)
    at = _at(s.day(1), 15, 40)
    yield at
    s.decide(case, at)


def agency_in_review(s: Showcase):
    """王芳 (代办员) records 李四's signed authorization and applies for him:
    accepted, in review; every event names her and him."""
    from datetime import timedelta

    from govhall.agency.services import agency_grant

    at = _at(s.day(3), 9, 30)
    yield at
    applicant, agent = s.user("agent"), s.user("daiban")
    agency_grant(actor=agent, agent=agent, applicant_name=applicant.full_name,
                 applicant_id_number=applicant.id_number, applicant_phone=applicant.phone,
                 applicant_account=applicant, all_items=True, valid_from=at.date(),
                 expires_on=at.date() + timedelta(days=180), document_name="代办授权书.pdf", document=s._pdf(), at=at)
    case = s.apply_online("agent", "城乡居民参保登记", at, by="daiban")
    at = _at(s.day(1), 10, 15)
    yield at
    s.check_and_accept(case, s.back_office(case), at)


LIVES = [
    approval_bureau_to_accept, approval_bureau_review, market_onsite_check, approval_bureau_decision,
    approval_bureau_request, approval_bureau_delivery,
    housing_to_accept, housing_review, housing_decision, housing_request, housing_certificate,
    town_to_accept, town_review, town_delivery,
    applicant_rated, applicant_to_rate, applicant_to_correct, applicant_in_review, applicant_draft,
    agent_rated, agent_in_review, agent_approved, agency_in_review,
]

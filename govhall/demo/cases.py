"""Three months of sample case history, made through the case services (so
every event, notice and hash chain is real), deterministic for a given day.

Cases are received at the district center for the published items of the
two departments the demo staffs fully (区行政审批局, 区住建局) and move on by
simulated working days: most are granted and delivered; some need a
correction, a special procedure or an extension, some are rejected, denied
or withdrawn, and some reviewers fall behind, so that lights turn yellow and red.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from govhall.calendars.selectors import work_calendar
from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.policy import decision_index
from govhall.cases.states import FINISHED, State
from govhall.catalog.models import ItemVersion, VersionStatus
from govhall.core import clock
from govhall.core.actors import SYSTEM, SystemActor
from govhall.core.errors import DomainError
from govhall.core.identity import check_digit_organization, check_digit_person
from govhall.org.models import Action, Authorization, Center, User

SEED = 20261122
WEEKS = 13
DEPARTMENTS = ["区行政审批局", "区住建局"]
NAMES = ["王建华", "李秀英", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周丽", "吴刚", "徐芳", "孙涛",
         "胡军", "朱燕", "高峰", "林娜", "何斌", "郭霞", "马超", "罗琳"]
COMPANIES = ["广安示例餐饮有限公司", "广安市示例建筑工程有限公司", "广安区示例商贸有限公司", "示例农业专业合作社",
             "广安示例物流有限公司", "示例科技有限公司"]


class _Clock:
    """Working-day times for the simulation."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.calendar = work_calendar()

    def moment(self, day: date) -> datetime:
        minutes = self.rng.randint(9 * 60, 16 * 60 + 30)
        return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))

    def later(self, moment: datetime, most: int) -> datetime:
        day = self.calendar.add_workdays(timezone.localtime(moment).date(), self.rng.randint(0, most))
        return max(self.moment(day), moment + timedelta(minutes=5))


def _staff(department_name: str, authorization: str) -> User | SystemActor:
    """The first person of the department with the authorization; the
    system where the demo staffs nobody for it."""
    grant = (Authorization.objects.filter(department__short_name=department_name, action=authorization)
             .select_related("staff").order_by("staff__username").first())
    return grant.staff if grant else SYSTEM


def demo_cases_load() -> int:
    """Create the history; returns the number of cases."""
    rng = random.Random(SEED)
    sim = _Clock(rng)
    now = clock.now()
    today = timezone.localtime(now).date()
    center = Center.objects.get(code="511602")
    versions = list(ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, item__department__short_name__in=DEPARTMENTS)
                    .select_related("item__department").order_by("item__code"))
    day = today - timedelta(weeks=WEEKS)
    created = 0
    busy_from = sim.calendar.add_workdays(today - timedelta(days=21), 0)
    while day < today:
        if sim.calendar.is_workday(day):
            # The last weeks are busier, so the worklists have cases in every state.
            for _ in range(rng.randint(2, 4) if day >= busy_from else rng.randint(1, 2)):
                _one_case(rng, sim, rng.choice(versions), center, sim.moment(day), now)
                created += 1
        day += timedelta(days=1)
    demo_ratings_load(now)
    return created


def _id_number(rng, organization: bool) -> str:
    """A well-formed number with its check character: a company's credit code
    (GB 32100) or a person's identity number (GB 11643) of the district."""
    if organization:
        return check_digit_organization(f"91511602MA{rng.randint(1000000, 9999999)}")
    born = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return check_digit_person(f"511602{born}{rng.randint(0, 999):03d}")


def _one_case(rng, sim, version, center, received: datetime, now: datetime) -> None:
    department = version.item.department.short_name
    clerk = _staff(department, Action.ACCEPT)
    organization = rng.random() < 0.35
    name = rng.choice(COMPANIES) if organization else rng.choice(NAMES)
    online = version.online and rng.random() < 0.3  # received by the portal: no clerk
    case = cases.case_submit(
        actor=SYSTEM if online else clerk, item_version=version, center=center, channel="online" if online else "window",
        applicant_kind="organization" if organization else "person", applicant_name=name,
        applicant_id_number=_id_number(rng, organization),
        applicant_phone=f"139{rng.randint(10000000, 99999999)}", green_channel=rng.random() < 0.04, at=received)
    scenario = rng.choices(["normal", "correction", "reject", "suspend", "extend", "deny", "withdraw", "slow", "terminate"],
                           weights=[52, 10, 4, 9, 5, 4, 3, 10, 3])[0]
    at = received
    # An immediate item (即办件, promised 0 days) is decided and delivered on
    # the spot: no slow review, no special procedure, a few minutes a step.
    immediate = not version.promised_days
    if immediate and scenario in {"slow", "suspend", "extend"}:
        scenario = "normal"

    def step(most: int) -> bool:
        nonlocal at
        at = at + timedelta(minutes=3) if immediate else sim.later(at, most)
        return at <= now

    try:
        if scenario == "reject":
            if step(1):
                cases.case_reject(actor=clerk, case=case, reason="申请事项不属于本部门职权范围", refer_to="市级主管部门", at=at)
            return
        if scenario == "correction":
            if not step(2):
                return
            case = cases.case_request_correction(actor=clerk, case=case, at=at, items=[
                {"material": version.materials.first().name, "problem": "缺少申请人签字"}])
            if not step(4):
                return
            case = cases.case_resubmit(actor=clerk, case=case, at=at)
        if not step(1):
            return
        checks = cases.checks_all_required_ok(case)
        if checks:
            case = cases.case_check_materials(actor=clerk, case=case, checks=checks, at=at)
        case = cases.case_accept(actor=clerk, case=case, at=at)
        if scenario == "withdraw":
            if step(2):
                cases.case_withdraw(actor=clerk, case=case, reason="申请人书面申请撤回", at=at)
            return
        if scenario == "terminate":
            head = User.objects.filter(role="dept_head", department=case.department).first()
            if head and step(3):
                cases.case_terminate(actor=head, case=case, reason="申请人主体资格依法终止", at=at)
            return
        slow = 1 if scenario != "slow" else 12
        while True:
            if case.state in FINISHED:
                return
            steps = list(case.item_version.steps.select_related("department").order_by("order"))
            decision = decision_index(steps)
            if case.step >= decision:
                break
            current = steps[case.step]
            if scenario == "suspend" and case.state == State.IN_REVIEW and not case.pauses.exists():
                if not step(1):
                    return
                head = User.objects.filter(role="dept_head", department=case.department).first()
                case = cases.case_request_suspension(actor=_staff(department, Action.REVIEW), case=case,
                                                     ground="expert_review", reason="组织专家对申请材料进行技术评审",
                                                     expected_days=5, at=at)
                case = cases.case_suspend(actor=head, case=case, at=at)
                if not step(12):  # an on-site check takes its time: recent ones are still out
                    return
                case = cases.case_resume(actor=SYSTEM, case=case, at=at)
            if not step(max(1, current.days // 2) * slow):
                return
            reviewer = _staff((current.department or case.department).short_name, Action.REVIEW if current.role != "clerk" else Action.ACCEPT)
            case = cases.case_complete_step(actor=reviewer, case=case, opinion="材料齐全，符合条件", at=at)
        if scenario == "extend":
            head = User.objects.filter(role="dept_head", department=case.department).first()
            if head and step(1):
                case = cases.case_extend(actor=head, case=case, days=5, reason="需征求相关部门意见", at=at)
        if not step(2 * slow):
            return
        approver = _staff(department, Action.APPROVE)
        if scenario == "deny":
            cases.case_deny(actor=approver, case=case, reasons="经审查，不符合法定条件", at=at)
            return
        case = cases.case_approve(actor=approver, case=case, opinion="同意", at=at)
        if case.item_version.no_fee is False and step(1):
            case = cases.case_record_payment(actor=SYSTEM, case=case, amount=_fee(case), method="card",
                                             receipt_number=f"GA{case.pk:06d}", at=at)
        if case.item_version.result_type == "certificate" and step(1):
            case = cases.case_certify(actor=_staff(department, Action.CERTIFY), case=case,
                                      certificate_number=f"{case.number}-Z", at=at)
        if not step(3):
            return
        case = cases.case_deliver(actor=_staff(department, Action.DELIVER), case=case, method=rng.choice(["window", "mail", "electronic"]),
                                  received_by=case.applicant_name, at=at)
        if step(1):
            cases.case_close(actor=_staff(department, Action.DELIVER), case=case, at=at)
    except DomainError:
        # A state the simulation did not foresee stays as it is: the history
        # shows an open case, which the hall has plenty of anyway.
        return


RATING_COMMENTS = {
    5: ["窗口工作人员热情耐心，一次就办好了。", "办理速度快，点赞！", "网上提交材料很方便，不用跑腿。"],
    4: ["整体满意，取号等候时间稍长。", "工作人员讲解清楚。"],
    3: ["材料要求可以在办事指南里写得更清楚一些。"],
    2: ["补正材料跑了两次，希望一次性告知清楚。", "等候时间太长，窗口开得太少。"],
    1: ["咨询电话一直无人接听，办理进度不清楚。", "窗口工作人员态度生硬。"],
}
FOLLOWUP_TEXTS = [
    ("verification", "经调阅办件记录和窗口录像，并与经办人员核实，申请人反映的情况基本属实。"),
    ("correction", "已对经办人员进行批评教育，完善一次性告知清单，并在窗口增设咨询引导岗。"),
    ("callback", "电话回访申请人，告知整改情况，申请人表示认可。"),
    ("result", "整改到位，申请人回访满意，予以办结。"),
]


def demo_ratings_load(now: datetime) -> int:
    """Ratings of the delivered cases through the evaluation services: most
    applicants are satisfied; a few are not, and their follow-ups stand at
    every step. Deterministic (its own seed, so the cases stay as they are)."""
    from govhall.cases.models import CaseEvent
    from govhall.evaluation import services as evaluation
    from govhall.evaluation.links import rating_token_make
    from govhall.evaluation.models import BAD_LEVELS

    rng = random.Random(SEED + 1)
    sim = _Clock(rng)
    # The department head verifies and corrects; a manager of the department's center calls back and closes.
    heads = {u.department_id: u for u in User.objects.filter(role="dept_head").order_by("-username")}
    managers = {u.center_id: u for u in User.objects.filter(role="manager").order_by("-username")}
    rated = 0
    for event in CaseEvent.objects.filter(action="deliver").select_related("case__department", "actor").order_by("case_id"):
        case = event.case
        if rng.random() < 0.15:
            continue  # not everyone rates
        level = rng.choices([5, 4, 3, 2, 1], weights=[58, 24, 8, 6, 4])[0]
        comment = rng.choice(RATING_COMMENTS[level]) if rng.random() < 0.5 else ""
        at = sim.later(event.at, 2)
        if at > now:
            continue
        try:
            if event.actor is not None and event.actor.window_id and event.data.get("method") == "window":
                rating = evaluation.rating_submit_at_window(actor=event.actor, case=case, level=level, comment=comment, at=at)
            else:
                rating = evaluation.rating_submit_by_link(token=rating_token_make(case), level=level, comment=comment, at=at)
        except DomainError:
            continue
        rated += 1
        manager = managers.get(case.department.center_id)
        if level not in BAD_LEVELS or manager is None or case.department_id not in heads:
            continue
        followup = rating.followup
        steps = [(evaluation.followup_verify, heads[case.department_id]), (evaluation.followup_correct, heads[case.department_id]),
                 (evaluation.followup_callback, manager), (evaluation.followup_close, manager)]
        for (service, actor), (field, text) in zip(steps[:rng.randint(0, 4)], FOLLOWUP_TEXTS):
            at = sim.later(at, 2)
            if at > now:
                break
            extra = {"satisfied": True} if service is evaluation.followup_callback else {}
            followup = service(actor=actor, followup=followup, at=at, **{field: text}, **extra)
    return rated


def _fee(case: Case) -> Decimal:
    fee = case.item_version.fees.exclude(amount=None).first()
    return fee.amount if fee else Decimal("100.00")

"""Six months of sample case history at the volume of a district hall,
made through the case services (so every event, notice and hash chain is
real), deterministic for a given day.

Two parts:

- **The plan** (``history_plan``): which application arrives when, for which
  item, where and how, and what becomes of it — a pure function of the
  published items, the working calendar, today and the number of cases.
  Working days only, more on Mondays and after a holiday, fewer on Fridays,
  a seasonal curve over the year, the morning peak; immediate items (即办件)
  make most of the volume, as in a real hall.
- **The run** (``History``): every planned case lives as a generator that
  says when it acts next; the runner takes them in the order of time, so
  case and notice numbers grow with the dates as in a real hall, and stops
  at the present: what would happen after now has not happened yet, so the
  lists show current work, lights turn yellow and red, and requests wait
  for the heads. Each act is taken by someone the case policy allows (the
  staffing plan, ``demo/staffing.py``).

Most cases are granted, delivered and closed; some need a correction, a
special procedure or an extension (asked by a reviewer, approved or refused
by the head), some are rejected, denied, withdrawn or terminated, some are
sent back a step, and some reviewers fall behind, so some are late.
On top of the history, a few cases of the last days give every printed
login work of its own (``SHOWCASES``).
"""

from __future__ import annotations

import heapq
import io
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from govhall.calendars.selectors import work_calendar
from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.policy import DECISION_ROLES, decision_index, grant_needed
from govhall.cases.selectors import case_steps
from govhall.cases.states import Action as Act
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError
from govhall.core.identity import check_digit_organization, check_digit_person
from govhall.demo import staffing as plan_staff
from govhall.org.models import Action, Center, User
from govhall.org.roles import Role

SEED = 20261122
MONTHS = 6
# The default volume: a district hall of this size receives some 2,000
# applications in half a year through this system (the busiest items —
# social insurance, tax — also run through their own national systems).
DEFAULT_CASES = 2000

NAMES = ["王建华", "李秀英", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周丽", "吴刚", "徐芳", "孙涛",
         "胡军", "朱燕", "高峰", "林娜", "何斌", "郭霞", "马超", "罗琳", "梁晨", "宋佳", "唐亮", "韩雪", "冯涛",
         "邓丽", "曹阳", "彭辉", "曾敏", "肖鹏", "田甜", "董洁", "袁野", "潘婷", "蒋明", "蔡琴", "余波", "杜鹃"]
COMPANIES = ["广安示例餐饮有限公司", "广安市示例建筑工程有限公司", "广安区示例商贸有限公司", "示例农业专业合作社",
             "广安示例物流有限公司", "示例科技有限公司", "广安区示例便利店", "广安示例房地产开发有限公司",
             "广安区示例养老服务中心", "广安示例运输有限公司", "示例家庭农场", "广安区示例文化传媒有限公司"]
STREETS = ["建设路", "滨河路", "金安大道", "思源大道", "北辰路", "浙江路", "协兴街", "花桥街"]

# What becomes of a case (the scenario), by the kind of item.
IMMEDIATE_OUTCOMES = {"immediate": 90, "correction": 5, "reject": 3, "gave_up": 2}
ORDINARY_OUTCOMES = {
    "normal": 58, "correction": 8, "reject": 3, "deny": 3, "withdraw": 2, "terminate": 1,
    "suspend": 4, "suspend_refused": 1, "extend": 3, "extend_refused": 1, "head_extends": 1,
    "late": 6, "send_back": 3, "late_delivery": 1, "late_acceptance": 1,
}
# Busy days: more on Mondays and on the first day after a holiday, fewer on Fridays.
WEEKDAY_LOAD = {0: 1.35, 1: 1.1, 2: 1.0, 3: 0.95, 4: 0.8, 5: 0.9, 6: 0.9}
AFTER_HOLIDAY_LOAD = 1.4
# The year of a district hall: the spring rush, a summer lull, the year-end push.
MONTH_LOAD = {1: 1.1, 2: 0.8, 3: 1.2, 4: 1.05, 5: 1.0, 6: 1.05, 7: 0.95, 8: 0.85, 9: 1.05, 10: 0.9, 11: 1.1,
              12: 1.2}
# The morning peak: (hour, minute from, minute to, weight).
HOURS = [(9, 0, 59, 1.0), (10, 0, 59, 1.4), (11, 0, 50, 1.1), (13, 30, 59, 0.4), (14, 0, 59, 1.1),
         (15, 0, 59, 1.0), (16, 0, 40, 0.6)]
# Items the public asks for most (by words of the name) get more of the volume.
BUSY_WORDS = {"参保登记": 2.5, "户口": 2.0, "个体工商户": 2.0, "公司设立": 1.8, "发票": 2.0, "转移登记": 2.0,
              "抵押": 1.8, "就业登记": 1.5, "身份证": 1.8, "出生": 1.2, "报销": 1.5, "备案": 1.2, "失业": 1.3,
              "食品": 1.5, "婚姻": 1.5, "退休": 1.3, "居住证": 1.3}


# --- the plan -------------------------------------------------------------------

@dataclass(frozen=True)
class Planned:
    """One application of the history and what becomes of it."""

    received: datetime
    item: str  # item code
    pool: tuple  # (center code, window numbers): where it is received
    channel: str  # window / online
    scenario: str
    seed: int


def history_days(today: date, *, months: int = MONTHS) -> list[date]:
    """The working days of the history: ``months`` back from ``today``, up
    to the day before today."""
    calendar = work_calendar()
    month = today.month - months
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    start = date(year, month, min(today.day, 28))
    days, day = [], start
    while day < today:
        if calendar.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def day_load(day: date, previous_workday: date | None) -> float:
    load = WEEKDAY_LOAD[day.weekday()] * MONTH_LOAD[day.month]
    if previous_workday is not None and (day - previous_workday).days > 3:
        load *= AFTER_HOLIDAY_LOAD  # the first day after a holiday (or a long weekend)
    return load


def item_load(version) -> float:
    if _immediate(version):
        load = 3.0
    elif version.promised_days <= 5:
        load = 2.5
    elif version.promised_days <= 15:
        load = 1.5
    else:
        load = 0.8
    if version.procedure_class == "special":
        load *= 0.5
    for word, factor in BUSY_WORDS.items():
        if word in version.name:
            load *= factor
            break
    return load


def _immediate(version) -> bool:
    return not version.promised_days


def _review_steps(version) -> int:
    return decision_index(plan_staff.case_steps_of(version)) - 1


def outcomes_for(version) -> dict[str, int]:
    if _immediate(version):
        return IMMEDIATE_OUTCOMES
    outcomes = dict(ORDINARY_OUTCOMES)
    if _review_steps(version) < 2:  # a send-back needs a step before the current one
        outcomes["normal"] += outcomes.pop("send_back")
    return outcomes


def history_plan(versions: list, *, today: date, size: int, seed: int = SEED) -> list[Planned]:
    """The applications of the history, in the order of time (see the module)."""
    rng = random.Random(seed)
    days = history_days(today)
    loads, previous = [], None
    for day in days:
        loads.append(day_load(day, previous))
        previous = day
    versions = sorted(versions, key=lambda v: v.item.code)
    item_loads = [item_load(v) for v in versions]
    chosen_days = rng.choices(days, weights=loads, k=size)
    plans = []
    for day in sorted(chosen_days):
        version = rng.choices(versions, weights=item_loads)[0]
        hour, low, high, _weight = rng.choices(HOURS, weights=[h[3] for h in HOURS])[0]
        moment = timezone.make_aware(datetime.combine(day, time(hour, rng.randint(low, high), rng.randint(0, 59))))
        pools = plan_staff.receiving_pools(version)
        pool = rng.choices([p for p, _s in pools], weights=[s for _p, s in pools])[0]
        online = version.online and pool[0] == plan_staff.DISTRICT and rng.random() < 0.3
        outcomes = outcomes_for(version)
        scenario = rng.choices(list(outcomes), weights=list(outcomes.values()))[0]
        plans.append(Planned(received=moment, item=version.item.code, pool=pool,
                             channel="online" if online else "window", scenario=scenario,
                             seed=rng.getrandbits(32)))
    plans.sort(key=lambda p: p.received)
    return _with_every_outcome(plans, {v.item.code: v for v in versions}, rng)


def _with_every_outcome(plans: list[Planned], versions: dict, rng) -> list[Planned]:
    """However small the history, every outcome happens at least once: a
    missing one is given to an application of the first months (so that it
    has run its course), of an item it suits."""
    from dataclasses import replace

    if not plans:
        return plans
    seen = Counter(plan.scenario for plan in plans)
    settled = plans[: max(1, len(plans) * 2 // 3)]
    for outcomes in (ORDINARY_OUTCOMES, IMMEDIATE_OUTCOMES):
        for scenario, weight in outcomes.items():
            if not weight or seen[scenario]:
                continue
            suitable = [i for i, plan in enumerate(settled)
                        if scenario in outcomes_for(versions[plan.item]) and seen[plan.scenario] > 1]
            if suitable:
                index = rng.choice(suitable)
                seen[plans[index].scenario] -= 1
                plans[index] = replace(plans[index], scenario=scenario)
                seen[scenario] += 1
    return plans


# --- the run ----------------------------------------------------------------------

class Clock:
    """Moments inside office hours on working days."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.calendar = work_calendar()

    def moment(self, day: date, *, after: time = time(9, 0)) -> datetime:
        hour, low, high, _w = self.rng.choices(HOURS, weights=[h[3] for h in HOURS])[0]
        picked = time(hour, self.rng.randint(low, high))
        picked = max(picked, after)
        return timezone.make_aware(datetime.combine(day, picked))

    def later(self, at: datetime, low: int, high: int, *, minutes: int = 90) -> datetime:
        """A moment ``low``–``high`` working days after ``at`` (0: later the same
        day, within ``minutes``, if the office is still open)."""
        days = self.rng.randint(low, high)
        local = timezone.localtime(at)
        if days == 0:
            moment = local + timedelta(minutes=self.rng.randint(3, minutes))
            if moment.date() == local.date() and moment.time() <= time(16, 55):
                if time(12, 0) <= moment.time() < time(13, 30):
                    moment = moment.replace(hour=13, minute=30 + moment.minute % 25)
                return moment
            days = 1
        day = self.calendar.add_workdays(local.date(), days)
        return max(self.moment(day), at + timedelta(minutes=1))

    def soon(self, at: datetime, *, minutes: int = 20) -> datetime:
        """A few minutes later (the next act of the same visit)."""
        return at + timedelta(minutes=self.rng.randint(1, minutes))


def _id_number(rng, organization: bool) -> str:
    """A well-formed number with its check character: a company's credit code
    (GB 32100) or a person's identity number (GB 11643) of the district."""
    if organization:
        return check_digit_organization(f"91511602MA{rng.randint(1000000, 9999999)}")
    born = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return check_digit_person(f"511602{born}{rng.randint(0, 999):03d}")


TEXT_ANSWERS = [("地址", "广安区{street}{n}号"), ("地点", "协兴镇牌坊村{n}组"), ("店铺", "示例便利店"),
                ("字号", "示例"), ("机构名称", "广安区示例颐养院"), ("树种", "柏木"), ("范围", "日用百货零售"),
                ("内容", "日间照料、助餐服务")]


def form_answers(version, rng, day: date) -> dict:
    """Answers to the item's own form (every required field, some optional ones)."""
    answers = {}
    for f in version.form_fields or []:
        if not f.get("required") and rng.random() < 0.5:
            continue
        kind, key = f["type"], f["key"]
        if kind == "checkbox":
            answers[key] = True
        elif kind == "number":
            low = f.get("min") if f.get("min") is not None else 1
            high = f.get("max") if f.get("max") is not None else low + 1000
            low_whole = math.ceil(low)
            high_whole = max(low_whole, min(math.floor(high), low_whole + 300))
            answers[key] = rng.randint(low_whole, high_whole) if low_whole <= high else low
        elif kind == "choice":
            if f.get("options"):
                answers[key] = rng.choice(f["options"])
        elif kind == "date":
            answers[key] = (day + timedelta(days=rng.randint(7, 60))).isoformat()
        else:
            text = next((t for word, t in TEXT_ANSWERS if word in f["label"]), "示例" + f["label"])
            text = text.format(street=rng.choice(STREETS), n=rng.randint(1, 200))
            answers[key] = text[: f.get("max_length") or 200]
    return answers


def _delivery(version, rng) -> tuple[str, str]:
    methods = list(version.delivery_methods or [])
    if not methods or rng.random() < 0.3:
        return "", ""
    method = rng.choice(methods)
    return method, (f"四川省广安市广安区{rng.choice(STREETS)}{rng.randint(1, 300)}号" if method == "mail" else "")


CORRECTIONS = ["缺少申请人签字", "复印件不清晰，请提供清晰复印件", "证件已过有效期", "填写内容与证件信息不一致",
               "缺少法定代表人签章"]
REJECTIONS = [("申请事项依法不属于本机关职权范围", "广安市市场监督管理局"), ("申请人不具备申请资格", ""),
              ("申请事项依法不需要取得行政许可", "")]
DENIALS = ["经现场核查，经营场所不符合相关标准要求", "经审查，申请材料反映的情况与实际不符", "经审查，不符合法定条件"]
GROUNDS = [("expert_review", "组织专家对申请材料进行技术评审", 5), ("testing", "委托第三方机构对相关指标进行检测", 8),
           ("appraisal", "对相关资质进行鉴定", 6), ("hearing", "涉及他人重大利益，依法组织听证", 10)]
EXTENSIONS = ["需征求相关部门意见", "申请材料涉及内容复杂，需进一步核实", "需进行补充现场核查"]
OPINIONS = ["材料齐全，符合条件", "经审查，符合要求", "同意，报下一环节", "现场核查情况与申报一致"]


class History:
    """Runs planned cases through the services in the order of time, up to ``now``."""

    def __init__(self, *, staffing: plan_staff.Staffing, versions: list, now: datetime):
        self.staffing = staffing
        self.now = now
        self.versions = {v.item.code: v for v in versions}
        self.users = {u.username: u for u in User.objects.filter(username__in=list(staffing.people))
                      .select_related("center", "department", "window")}
        self.centers = {c.code: c for c in Center.objects.all()}
        self.failures: list[str] = []
        self.made: list[Case] = []
        self._able: dict = {}

    # Who does what --------------------------------------------------------------

    def _pick(self, rng, usernames: list[str]) -> User:
        return self.users[rng.choice(sorted(usernames))]

    def able(self, version, action: str, department: str, roles=None) -> list[str]:
        key = (version.pk, action, department, roles)
        if key not in self._able:
            self._able[key] = self.staffing.able(department=department, action=action,
                                                 base_code=version.item.base_code, roles=roles)
        return self._able[key]

    def step_actor(self, rng, case: Case, action: str, prefer: User | None = None) -> User:
        """Someone the policy allows for ``action`` at the case's current step,
        of the role the step names (``prefer`` when he is one)."""
        steps = case_steps(case)
        need = grant_needed(action, case, steps)
        index = min(case.step, len(steps) - 1)
        role = steps[index].role
        if action in (Act.APPROVE, Act.DENY):
            role = steps[decision_index(steps)].role
        department = need.department.short_name
        candidates = self.able(case.item_version, need.authorization, department, frozenset({role}))
        if not candidates:
            candidates = self.able(case.item_version, need.authorization, department)
        if prefer is not None and prefer.username in candidates:
            return prefer
        return self._pick(rng, candidates)

    def reviewer(self, rng, case: Case) -> User:
        own = case.department.short_name
        return self._pick(rng, self.able(case.item_version, Action.REVIEW, own, frozenset({Role.REVIEWER})))

    def head(self, case: Case) -> User:
        return self.users[self.staffing.head(case.department.short_name)]

    def clerks(self, version, pool) -> list[str]:
        own = version.item.department.short_name
        return [name for name in self.staffing.pool_clerks(pool)
                if self.staffing.people[name].holds(own, Action.ACCEPT, version.item.base_code)]

    # The run -------------------------------------------------------------------

    def run(self, lives: list[Iterator[datetime]]) -> None:
        """Advance every life in the order of time until ``now``."""
        queue = []
        for order, life in enumerate(lives):
            self._advance(queue, order, life)
        while queue:
            at, order, life = heapq.heappop(queue)
            if at > self.now:
                life.close()  # the rest is the future
                continue
            self._advance(queue, order, life)

    def _advance(self, queue, order, life) -> None:
        try:
            at = next(life)
        except StopIteration:
            return
        except DomainError as error:
            # Recorded, and tested to be empty: the history takes no step the
            # services refuse.
            self.failures.append(f"{getattr(error, 'field', '')}: {error}")
            return
        heapq.heappush(queue, (at, order, life))

    # One planned case --------------------------------------------------------------

    def life(self, plan: Planned) -> Iterator[datetime]:
        rng = random.Random(plan.seed)
        sim = Clock(rng)
        version = self.versions[plan.item]
        at = plan.received
        yield at
        own = version.item.department.short_name
        home = plan_staff.receiving_pools(version)[0][0]
        clerk = self._pick(rng, self.clerks(version, plan.pool if plan.channel == "window" else home))
        organization = rng.random() < (0.6 if version.item_type == "licensing" else 0.25)
        center = self.centers[plan.pool[0]] if plan.channel == "window" else self.centers[plan_staff.DISTRICT]
        method, address = _delivery(version, rng)
        case = cases.case_submit(
            actor=SYSTEM if plan.channel == "online" else clerk, item_version=version, center=center,
            channel=plan.channel, applicant_kind="organization" if organization else "person",
            applicant_name=rng.choice(COMPANIES if organization else NAMES),
            applicant_id_number=_id_number(rng, organization), applicant_phone=f"139{rng.randint(10000000, 99999999)}",
            green_channel=not _immediate(version) and rng.random() < 0.03,
            form_data=form_answers(version, rng, timezone.localtime(at).date()),
            delivery_method=method, delivery_address=address, at=at)
        if case.window_id:
            case.window = clerk.window  # what alerts name; the row says the same (no query to read it back)
        self.made.append(case)
        scenario = plan.scenario
        online = plan.channel == "online"
        at = sim.later(at, 0, 1) if online else sim.soon(at, minutes=5)
        yield at
        case, at = yield from self._receive(rng, sim, case, clerk, scenario, at)
        if case is None:
            return
        if _immediate(version):
            yield from self._finish_immediate(rng, sim, case, clerk, at, online)
            return
        yield from self._review(rng, sim, case, clerk, scenario, at, own)

    def _receive(self, rng, sim, case, clerk, scenario, at):
        """Acceptance check and decision at the window: reject, correct, accept
        (an immediate item: checked, decided by ``_finish_immediate``).
        Returns the case (None when it ends here) and the moment."""
        checks = cases.checks_all_required_ok(case)
        if scenario == "reject":
            reason, refer_to = rng.choice(REJECTIONS)
            cases.case_reject(actor=clerk, case=case, reason=reason, refer_to=refer_to, at=at)
            return None, at
        if scenario in ("correction", "gave_up"):
            wanting = checks[: rng.randint(1, 2)] or []
            problems = {c["material_order"]: rng.choice(CORRECTIONS) for c in wanting}
            if wanting:
                case = cases.case_check_materials(actor=clerk, case=case, at=at, checks=[
                    {**c, "verdict": "fix" if c["material_order"] in problems else "ok",
                     "note": problems.get(c["material_order"], "")} for c in checks])
                at = sim.soon(at)
            names = {m.order: m.name for m in case.item_version.materials.all()}
            items = [{"material": names[order], "problem": text} for order, text in problems.items()] or [
                {"material": "申请表", "problem": rng.choice(CORRECTIONS)}]
            case = cases.case_request_correction(actor=clerk, case=case, items=items, at=at)
            at = sim.later(at, 1, 6)
            yield at
            if scenario == "gave_up":
                cases.case_withdraw(actor=clerk, case=case, reason="申请人书面申请撤回", at=at)
                return None, at
            case = cases.case_resubmit(actor=clerk, case=case, at=at)
            at = sim.soon(at)
        if scenario == "late_acceptance":
            at = sim.later(at, 6, 7)  # past the 5 working days: deemed accepted from receipt
            yield at
        if checks:
            case = cases.case_check_materials(actor=clerk, case=case, checks=checks, at=at)
            at = sim.soon(at, minutes=5)
        if _immediate(case.item_version):
            return case, at
        return cases.case_accept(actor=clerk, case=case, at=at), at

    def _finish_immediate(self, rng, sim, case, clerk, at, online):
        """An immediate item: accepted, decided and delivered on the spot (by
        the clerk who holds the decision for it: 受理+审批), then closed."""
        version = case.item_version
        steps = case_steps(case)
        by_clerk = steps[decision_index(steps)].role not in DECISION_ROLES
        if by_clerk and not online and version.no_fee is not False:
            case = cases.case_immediate(actor=clerk, case=case, opinion="同意", received_by=case.applicant_name, at=at)
        else:
            # One act after the other: an online application, a fee to pay
            # before the result is handed over, or a decision by an approver.
            case = cases.case_accept(actor=clerk, case=case, at=at)
            while case.step < decision_index(steps):
                case = cases.case_complete_step(actor=self.step_actor(rng, case, Act.COMPLETE_STEP), case=case,
                                                opinion=rng.choice(OPINIONS), at=at)
            decider = self.step_actor(rng, case, Act.APPROVE, prefer=clerk)
            case = cases.case_approve(actor=decider, case=case, opinion="同意", at=at)
            if version.no_fee is False:
                at = sim.soon(at, minutes=5)
                case = cases.case_record_payment(actor=clerk, case=case, amount=_fee(case),
                                                 method=rng.choice(["cash", "card", "online"]),
                                                 receipt_number=f"GA{case.pk:07d}", at=at)
            if version.result_type == "certificate":
                case = cases.case_certify(actor=clerk, case=case, certificate_number=f"{case.number}-Z", at=at)
            at = sim.soon(at, minutes=5)
            case = cases.case_deliver(actor=clerk, case=case, method="electronic" if online else "window",
                                      received_by=case.applicant_name, at=at)
        at = sim.later(at, 0, 1, minutes=240)
        yield at
        cases.case_close(actor=clerk, case=case, at=at)

    def _review(self, rng, sim, case, clerk, scenario, at, own):
        version = case.item_version
        steps = case_steps(case)
        decision = decision_index(steps)
        promised = version.promised_days
        if scenario == "withdraw":
            at = sim.later(at, 1, 3)
            yield at
            cases.case_withdraw(actor=clerk, case=case, reason="申请人书面申请撤回", at=at)
            return
        if scenario == "terminate":
            at = sim.later(at, 1, 4)
            yield at
            cases.case_terminate(actor=self.head(case), case=case, reason="申请人主体资格依法终止", at=at)
            return
        # The review step at which something happens (a request, a send-back, a slow reviewer).
        special_at = rng.randint(1, max(1, decision - 1))
        sent_back = False
        while case.step < decision:
            current = steps[case.step]
            if scenario in ("suspend", "suspend_refused", "extend", "extend_refused") and case.step == special_at:
                case, at = yield from self._request(rng, sim, case, scenario, at)
                scenario = "normal"
            if scenario == "head_extends" and case.step == special_at:
                at = sim.later(at, 0, 1)
                yield at
                if _in_time(case, at):
                    case = cases.case_extend(actor=self.head(case), case=case, days=rng.randint(3, 10),
                                             reason=rng.choice(EXTENSIONS), at=at)
            share = max(1, current.days)
            if scenario == "late" and case.step == special_at:
                at = sim.later(at, share + promised // 2 + 1, share + promised + 3)  # the reviewer falls behind
            else:
                at = sim.later(at, 0, max(0, share - 1) if share > 1 else rng.choice([0, 1]))
            yield at
            if scenario == "send_back" and not sent_back and case.step >= 2:
                sent_back = True
                case = cases.case_send_back(actor=self.step_actor(rng, case, Act.SEND_BACK), case=case,
                                            reason="现场核查记录不完整，请补充核查", at=at)
                continue
            case = cases.case_complete_step(actor=self.step_actor(rng, case, Act.COMPLETE_STEP), case=case,
                                            opinion=rng.choice(OPINIONS), at=at)
        at = sim.later(at, 0, 1)
        yield at
        decider = self.step_actor(rng, case, Act.APPROVE)
        if scenario == "deny":
            case = cases.case_deny(actor=decider, case=case, reasons=rng.choice(DENIALS), at=at)
        else:
            case = cases.case_approve(actor=decider, case=case, opinion="同意", at=at)
            if version.no_fee is False:
                at = sim.later(at, 0, 1)
                yield at
                case = cases.case_record_payment(actor=clerk, case=case, amount=_fee(case),
                                                 method=rng.choice(["cash", "card", "transfer", "online"]),
                                                 receipt_number=f"GA{case.pk:07d}", at=at)
            if version.result_type == "certificate":
                at = sim.later(at, 0, 1)
                yield at
                case = cases.case_certify(actor=clerk, case=case, certificate_number=f"{case.number}-Z", at=at)
        at = sim.later(at, 11, 13) if scenario == "late_delivery" else sim.later(at, 0, 3)
        yield at
        method = case.delivery_method or rng.choice(["window", "window", "mail", "electronic"])
        case = cases.case_deliver(actor=clerk, case=case, method=method, received_by=case.applicant_name, at=at)
        at = sim.later(at, 0, 1, minutes=240)
        yield at
        cases.case_close(actor=clerk, case=case, at=at)

    def _request(self, rng, sim, case, scenario, at):
        """A reviewer asks the head for a special procedure or an extension;
        the head approves or refuses it (and a special procedure ends)."""
        at = sim.later(at, 0, 1)
        yield at
        if not _in_time(case, at):
            return case, at  # lateness stays visible: nothing to ask for any more
        reviewer = self.reviewer(rng, case)
        if scenario.startswith("suspend"):
            ground, reason, days = rng.choice(GROUNDS)
            if rng.random() < 0.9:  # now and then longer than the promised time (supervision notices)
                days = max(1, min(days, case.promised_days))
            case = cases.case_request_suspension(actor=reviewer, case=case, ground=ground, reason=reason,
                                                 expected_days=days, at=at)
        else:
            days = rng.randint(3, 10)
            case = cases.case_request_extension(actor=reviewer, case=case, days=days, reason=rng.choice(EXTENSIONS),
                                                at=at)
        at = sim.later(at, 0, 1)
        yield at
        head = self.head(case)
        if scenario.endswith("refused") or not _in_time(case, at):
            case = cases.case_refuse_request(actor=head, case=case, reason="理由不充分，请在承诺时限内办结", at=at)
        elif scenario == "suspend":
            case = cases.case_suspend(actor=head, case=case, at=at)
            at = sim.later(at, max(1, days - 2), days + 2)
            yield at
            case = cases.case_resume(actor=reviewer, case=case, at=at)
        else:
            case = cases.case_extend(actor=head, case=case, at=at)
        return case, at


def _in_time(case: Case, at: datetime) -> bool:
    """Whether the case's deadline has not passed on the day of ``at``."""
    return case.due_date is None or timezone.localtime(at).date() <= case.due_date


def _fee(case: Case) -> Decimal:
    """The item's standard fee (the sum of its lines), or a plausible sum for a fee by rule."""
    fees = list(case.item_version.fees.all())
    if fees and all(line.amount is not None for line in fees):
        return sum((line.amount for line in fees), Decimal(0))
    return Decimal("100.00")


# --- the ratings -----------------------------------------------------------------

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
    every step. Deterministic (its own seed, so the cases stay as they are).
    Cases of the demo's applicant accounts are left to them (one waits for
    its rating on the portal)."""
    from govhall.cases.models import CaseEvent
    from govhall.evaluation import services as evaluation
    from govhall.evaluation.links import rating_token_make
    from govhall.evaluation.models import BAD_LEVELS

    rng = random.Random(SEED + 1)
    sim = Clock(rng)
    # The department head verifies and corrects; a manager of the department's center calls back and closes.
    heads = {u.department_id: u for u in User.objects.filter(role="dept_head").order_by("-username")}
    managers = {u.center_id: u for u in User.objects.filter(role="manager").order_by("-username")}
    rated = 0
    delivered = (CaseEvent.objects.filter(action="deliver", case__applicant__isnull=True)
                 .select_related("case__department", "case__center", "case__item_version", "actor").order_by("case_id"))
    for event in delivered:
        case = event.case
        if rng.random() < 0.35:
            continue  # not everyone rates (every applicant is invited: the SMS after delivery)
        level = rng.choices([5, 4, 3, 2, 1], weights=[58, 24, 8, 6, 4])[0]
        comment = rng.choice(RATING_COMMENTS[level]) if rng.random() < 0.5 else ""
        at = sim.later(event.at, 0, 2)
        if at > now:
            continue
        try:
            if event.actor is not None and event.actor.window_id and event.data.get("method") == "window":
                rating = evaluation.rating_submit_at_window(actor=event.actor, case=case, level=level, comment=comment,
                                                            at=at)
            else:
                rating = evaluation.rating_submit_by_link(token=rating_token_make(case), level=level, comment=comment,
                                                          at=at)
        except DomainError:
            continue
        rated += 1
        manager = managers.get(case.department.center_id)
        if level not in BAD_LEVELS or manager is None or case.department_id not in heads:
            continue
        followup = rating.followup
        steps = [(evaluation.followup_verify, heads[case.department_id]),
                 (evaluation.followup_correct, heads[case.department_id]),
                 (evaluation.followup_callback, manager), (evaluation.followup_close, manager)]
        # Handled within the time allowed, step by step; the latest still under way.
        done = rng.randint(0, 4) if rng.random() < 0.3 else 4
        for (service, actor), (field, text) in zip(steps[:done], FOLLOWUP_TEXTS, strict=False):
            at = sim.later(at, 0, 1)
            if at > now:
                break
            extra = {"satisfied": True} if service is evaluation.followup_callback else {}
            followup = service(actor=actor, followup=followup, at=at, **{field: text}, **extra)
    return rated


# --- the whole history --------------------------------------------------------------

@dataclass
class HistoryResult:
    cases: int
    failures: list
    scenarios: Counter


def demo_cases_load(*, staffing: plan_staff.Staffing, size: int = DEFAULT_CASES, now: datetime | None = None
                    ) -> HistoryResult:
    """The history of ``size`` cases up to now, the showcases of the last days,
    the joint cases (demo/joint.py) and the ratings."""
    from govhall.catalog.models import ItemVersion, VersionStatus
    from govhall.core import clock
    from govhall.demo.joint import joint_lives
    from govhall.demo.showcases import showcase_lives

    now = now or clock.now()
    versions = list(ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
                    .select_related("item__department")
                    .prefetch_related("materials", "fees", "steps__department", "item__themes"))
    today = timezone.localtime(now).date()
    plans = history_plan(versions, today=today, size=size)
    history = History(staffing=staffing, versions=versions, now=now)
    lives = ([history.life(plan) for plan in plans] + showcase_lives(history, today=today)
             + joint_lives(history, today=today))
    history.run(lives)
    demo_ratings_load(now)
    return HistoryResult(cases=len(history.made), failures=history.failures,
                         scenarios=Counter(plan.scenario for plan in plans))


def blank_pdf() -> bytes:
    """A one-page PDF: the scan an applicant uploads in the demo."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

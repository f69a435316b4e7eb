"""The hotline's monthly operation bulletin (运行情况通报; DESIGN 3.12,
issue 15 item 7; every figure is defined in docs/hotline.md, "Operation
bulletin"): the month's volumes by channel, type, top-level category and
town, the answer-directly rate, each unit's on-time sign and reply rates,
the satisfaction of the month's call-backs, the hot topics (keywords and
clusters of similar orders, with those rising against the previous month)
and the unit ranking (``ranking.unit_ranking``).

Gathered once into a ``Bulletin`` that the report command writes as xlsx
or PDF and the workbench dashboard shows. Each figure carries the order
list filters (``params``) that list the orders behind it; ``orders_filter``
applies them in the hotline's order list.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.catalog.search import words
from govhall.evaluation.models import Level
from govhall.hotline import limits
from govhall.hotline.knowledge_search import STOP_WORDS
from govhall.hotline.models import (
    Category,
    MemberUnit,
    OrderChannel,
    OrderType,
    WorkOrder,
    WorkOrderAssignment,
    WorkOrderEvent,
)
from govhall.hotline.policy import Act
from govhall.hotline.ranking import SATISFIED, UnitFigures, unit_ranking
from govhall.org.models import Center
from govhall.stats.periods import Period, PeriodError

# Words every order says and no topic is about (besides the knowledge search's filler).
BULLETIN_STOP_WORDS = STOP_WORDS | frozenset(
    {
        "反映",
        "市民",
        "来电",
        "来电人",
        "希望",
        "要求",
        "表示",
        "情况",
        "相关",
        "部门",
        "相关部门",
        "尽快",
        "处理",
        "解决",
        "无人",
        "没有",
        "目前",
        "进行",
        "存在",
        "导致",
        "不能",
        "不是",
        "自己",
        "我家",
        "家里",
        "我们家",
        "告知",
    }
)
KEYWORDS_SHOWN = 10  # hot keywords listed
KEYWORD_MIN = 2  # a keyword is hot in at least this many orders
RISE = 1.5  # rising: at least this times the previous month's count (and new topics)
CLUSTER_SIMILARITY = (
    0.5  # two orders are similar at this cosine of their TF-IDF vectors or above
)
CLUSTER_MIN = 3  # a cluster has at least this many orders
CLUSTERS_SHOWN = 10
KEYWORD_CANDIDATES = 200  # the words in most orders (as segmented) that are counted
COMMON_SHARE = (
    0.2  # in a large month, words in more orders than this share are not clustered on
)
LARGE_MONTH = 200  # orders
EXAMPLES = 3  # example orders per topic
CLUSTER_LINK_MAX = 200  # a cluster's link lists at most this many orders (the newest)
_DIGITS = re.compile(r"^[\d.:：,，%-]+$")


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int
    params: dict  # the order list filters of its orders

    def share(self, total: int) -> float | None:
        return self.count / total if total else None


@dataclass
class UnitRow:
    """One member unit's dispatches of the month (main and co-handling)."""

    unit: MemberUnit
    dispatched: int = 0
    signed: int = 0  # signed (at any time)
    signed_on_time: int = 0  # of those, by the sign limit
    sign_late_open: int = (
        0  # not signed, not returned, sign limit past at the month's end
    )
    reply: UnitFigures | None = None  # the ranking's figures (main dispatches)

    @property
    def sign_rate(self) -> float | None:
        total = self.signed + self.sign_late_open
        return self.signed_on_time / total if total else None


@dataclass(frozen=True)
class Example:
    number: str
    content: str


@dataclass
class Topic:
    """A hot keyword or a cluster of similar orders."""

    label: str
    count: int
    previous: int
    examples: list[Example]
    params: dict
    terms: tuple[str, ...] = ()

    @property
    def rising(self) -> bool:
        return (
            self.count >= max(KEYWORD_MIN, RISE * self.previous)
            and self.count > self.previous
        )


@dataclass
class Bulletin:
    center: Center
    period: Period
    judged_at: datetime  # open orders are judged at this moment (the month's end, or now within it)
    total: int
    by_channel: list[Count]
    by_type: list[Count]
    by_category: list[Count]
    by_town: list[Count]
    direct: int
    units: list[UnitRow]
    ratings: list[Count]  # per level, best first
    keywords: list[Topic]
    clusters: list[Topic]
    ranking: list[UnitFigures]
    made_at: datetime | None = None  # when the bulletin was made
    base: dict = field(default_factory=dict)  # the filters of the month's orders

    @property
    def scope(self) -> str:
        return self.center.name

    @property
    def made_on(self) -> date:
        return timezone.localdate(self.made_at or self.judged_at)

    @property
    def title(self) -> str:
        return _("%(center)s 12345热线运行情况通报（%(month)s）") % {
            "center": self.center.name,
            "month": self.period.label,
        }

    @property
    def direct_rate(self) -> float | None:
        return self.direct / self.total if self.total else None

    @property
    def rated(self) -> int:
        return sum(c.count for c in self.ratings)

    @property
    def satisfied(self) -> int:
        return sum(c.count for c in self.ratings if int(c.key) in SATISFIED)

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def month(self) -> str:
        return self.period.code


class BulletinError(ValueError):
    """Input a bulletin cannot be made of; ``field`` names it."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message, self.field = message, field


def parse_month(text: str) -> Period:
    try:
        return Period.parse_month(text)
    except PeriodError as error:
        raise BulletinError(str(error), "month") from None


def hotline_centers() -> QuerySet[Center]:
    """The centers that run a hotline: those with member units."""
    return Center.objects.filter(member_units__isnull=False).distinct().order_by("path")


def _scope(center: Center) -> Q:
    return Q(center__path__startswith=center.path)


def month_orders(center: Center, period: Period) -> QuerySet[WorkOrder]:
    """The orders of the month: registered (created) in it, at the center or below."""
    start, end = period.bounds()
    return WorkOrder.objects.filter(
        _scope(center), created_at__gte=start, created_at__lt=end
    )


def _counts(rows, choices, param: str, base: dict) -> list[Count]:
    counter = Counter(rows)
    return [
        Count(value, str(label), counter.get(value, 0), {**base, param: value})
        for value, label in choices
    ]


def _top_category(category: Category | None) -> Category | None:
    while category is not None and category.parent_id is not None:
        category = category.parent
    return category


def _volumes(
    orders: list[WorkOrder], base: dict
) -> tuple[list[Count], list[Count], list[Count], list[Count]]:
    channels = _counts(
        [o.channel for o in orders], OrderChannel.choices, "channel", base
    )
    types = _counts([o.type for o in orders], OrderType.choices, "type", base)
    tops: Counter = Counter()
    names: dict[str, str] = {}
    towns: Counter = Counter()
    town_names: dict[str, str] = {}
    for order in orders:
        top = _top_category(order.category)
        key = str(top.pk) if top else "none"
        tops[key] += 1
        names[key] = top.name if top else _("未分类")
        key = str(order.town_id) if order.town_id else "none"
        towns[key] += 1
        town_names[key] = order.town.name if order.town_id else _("未填写镇街")

    def ranked(counter, labels, param):
        return [
            Count(key, labels[key], n, {**base, param: key})
            for key, n in sorted(
                counter.items(), key=lambda kv: (kv[0] == "none", -kv[1], labels[kv[0]])
            )
        ]

    return (
        channels,
        types,
        ranked(tops, names, "category"),
        ranked(towns, town_names, "town"),
    )


def _units(
    center: Center, period: Period, judged: datetime, ranking: list[UnitFigures]
) -> list[UnitRow]:
    start, end = period.bounds()
    rows = {f.unit.pk: UnitRow(f.unit, reply=f) for f in ranking}
    for a in WorkOrderAssignment.objects.filter(
        unit_id__in=list(rows), dispatched_at__gte=start, dispatched_at__lt=end
    ).select_related("order"):
        row = rows[a.unit_id]
        row.dispatched += 1
        due = limits.sign_due_at(limits.limit_for(a.order.type)[0], a.dispatched_at)
        if a.signed_at is not None:
            row.signed += 1
            row.signed_on_time += a.signed_at <= due
        elif a.returned_at is None and due < judged:
            row.sign_late_open += 1
    return sorted(rows.values(), key=lambda r: (-r.dispatched, r.unit.code))


def callbacks(period: Period, center: Center | None = None) -> list[tuple[int, int]]:
    """The rated call-backs of the month: (order id, rating) of every close
    and reopen event in it that recorded a rating (at ``center`` or below;
    None: every center, the order list's scope limits them)."""
    start, end = period.bounds()
    rows = WorkOrderEvent.objects.filter(
        action__in=[Act.CLOSE, Act.REOPEN], at__gte=start, at__lt=end
    )
    if center is not None:
        rows = rows.filter(order__center__path__startswith=center.path)
    return [
        (order_id, int(data["rating"]))
        for order_id, data in rows.values_list("order_id", "data")
        if (data or {}).get("rating")
    ]


def _ratings(center: Center, period: Period, base: dict) -> list[Count]:
    counter = Counter(rating for _order, rating in callbacks(period, center))
    params = {"center": base["center"], "month": base["month"], "callback": "1"}
    return [
        Count(
            str(value),
            str(label),
            counter.get(value, 0),
            {**params, "level": str(value)},
        )
        for value, label in sorted(Level.choices, reverse=True)
    ]


def _terms(text: str) -> list[str]:
    return sorted(
        w for w in words(text) if w not in BULLETIN_STOP_WORDS and not _DIGITS.match(w)
    )


def _examples(orders: list[WorkOrder]) -> list[Example]:
    return [Example(o.number, o.content[:80]) for o in orders[:EXAMPLES]]


def _keywords(
    orders: list[WorkOrder], previous: list[WorkOrder], base: dict
) -> list[Topic]:
    """The month's words (jieba) in at least KEYWORD_MIN orders, counted as
    the orders whose content contains them; a word inside a longer one
    shown with as many orders is left out."""
    candidates = Counter(w for order in orders for w in set(_terms(order.content)))
    # (a word segmented in one order may be contained in more: 路灯 in 路灯不亮)
    common = [w for w, _n in candidates.most_common(KEYWORD_CANDIDATES)]
    counted = {w: [o for o in orders if w in o.content] for w in common}
    ranked = sorted(
        (w for w in counted if len(counted[w]) >= KEYWORD_MIN),
        key=lambda w: (-len(counted[w]), -len(w), w),
    )
    chosen: list[str] = []
    for word in ranked:
        if any(
            word in longer and len(counted[longer]) >= len(counted[word])
            for longer in chosen
        ):
            continue
        chosen.append(word)
        if len(chosen) == KEYWORDS_SHOWN:
            break
    return [
        Topic(
            w,
            len(counted[w]),
            sum(w in o.content for o in previous),
            _examples(counted[w]),
            {**base, "q": w},
        )
        for w in chosen
    ]


def _clusters(orders: list[WorkOrder], previous: list[WorkOrder]) -> list[Topic]:
    """Groups of similar orders of the month: TF-IDF over the orders' words,
    two orders linked when their cosine is CLUSTER_SIMILARITY or more, a
    cluster a connected group of at least CLUSTER_MIN orders."""
    docs = [(o, _terms(o.content)) for o in orders]
    docs = [(o, t) for o, t in docs if t]
    if len(docs) < CLUSTER_MIN:
        return []
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    # In a large month the words of more than a fifth of the orders are left
    # out: they tell little about which orders are alike and would make the
    # similarity product dense.
    vectorizer = TfidfVectorizer(
        analyzer=lambda terms: terms,
        max_df=COMMON_SHARE if len(docs) >= LARGE_MONTH else 1.0,
    )
    matrix = vectorizer.fit_transform([t for _o, t in docs])
    linked = (matrix @ matrix.T) >= CLUSTER_SIMILARITY
    _n, labels = connected_components(linked, directed=False)
    vocabulary = vectorizer.get_feature_names_out()
    prior = (
        vectorizer.transform([_terms(o.content) for o in previous])
        if previous
        else None
    )
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    topics = []
    for members in groups.values():
        if len(members) < CLUSTER_MIN:
            continue
        terms = _label_terms(matrix[members].sum(axis=0).A1, vocabulary)
        before = 0
        if prior is not None:
            before = int(
                ((prior @ matrix[members].T) >= CLUSTER_SIMILARITY)
                .sum(axis=1)
                .A1.astype(bool)
                .sum()
            )
        chosen = sorted(
            (docs[i][0] for i in members),
            key=lambda o: (o.created_at, o.pk),
            reverse=True,
        )
        numbers = ",".join(o.number for o in chosen[:CLUSTER_LINK_MAX])
        topics.append(
            Topic(
                "、".join(terms),
                len(members),
                before,
                _examples(chosen),
                {"numbers": numbers},
                terms,
            )
        )
    topics.sort(key=lambda t: (-t.count, t.label))
    return topics[:CLUSTERS_SHOWN]


def _label_terms(weights, vocabulary) -> tuple[str, ...]:
    """A cluster's three heaviest words (summed TF-IDF), a word inside one
    at least as heavy left out."""
    ranked = [
        i
        for i in sorted(
            range(len(vocabulary)), key=lambda i: (-weights[i], vocabulary[i])
        )
        if weights[i] > 0
    ]
    chosen: list[int] = []
    for i in ranked:
        if any(
            vocabulary[i] in vocabulary[j]
            for j in ranked
            if j != i and weights[j] >= weights[i]
        ):
            continue
        chosen.append(i)
        if len(chosen) == 3:
            break
    return tuple(vocabulary[i] for i in chosen)


def bulletin_build(*, center: Center, period: Period, at: datetime) -> Bulletin:
    """The bulletin of ``center``'s hotline for the month ``period``, open
    orders judged at the month's end or at ``at`` if earlier."""
    start, end = period.bounds()
    judged = min(at, end)
    base = {"center": center.code, "month": period.code}
    orders = list(
        month_orders(center, period)
        .select_related("category__parent__parent", "town")
        .order_by("-created_at", "-pk")
    )
    before = Period.month(
        (start - timedelta(days=1)).year, (start - timedelta(days=1)).month
    )
    previous = list(
        month_orders(center, before).only("pk", "number", "content", "created_at")
    )
    channels, types, categories, towns = _volumes(orders, base)
    ranking = unit_ranking(center=center, month=period.start, at=judged)
    return Bulletin(
        center=center,
        period=period,
        judged_at=judged,
        total=len(orders),
        by_channel=channels,
        by_type=types,
        by_category=categories,
        by_town=towns,
        direct=sum(1 for o in orders if o.direct_answer),
        units=_units(center, period, judged, ranking),
        ratings=_ratings(center, period, base),
        keywords=_keywords(orders, previous, base),
        clusters=_clusters(orders, previous),
        ranking=ranking,
        made_at=at,
        base=base,
    )


# --- the order list's filters (every figure links to its orders) -----------------------------------


def orders_filter(
    orders: QuerySet[WorkOrder], params
) -> tuple[QuerySet[WorkOrder], dict]:
    """``orders`` narrowed by the bulletin's filters in ``params`` (a
    QueryDict or dict); returns the queryset and the filters applied (values
    that cannot be read are left out, as the list's other filters do)."""
    applied: dict[str, str] = {}
    center = (
        Center.objects.filter(code=params.get("center", "")).first()
        if params.get("center")
        else None
    )
    if center is not None:  # the orders of a hotline center and those below it
        applied["center"] = center.code
        orders = orders.filter(_scope(center))
    month = params.get("month", "")
    period = None
    if month:
        try:
            period = Period.parse_month(month)
        except PeriodError:
            period = None
    if period is not None:
        applied["month"] = period.code
        start, end = period.bounds()
        unit = params.get("unit", "")
        if unit.isdigit():  # the unit's dispatches of the month
            applied["unit"] = unit
            orders = orders.filter(
                pk__in=WorkOrderAssignment.objects.filter(
                    unit_id=int(unit), dispatched_at__gte=start, dispatched_at__lt=end
                ).values("order_id")
            )
        elif params.get("callback") == "1":  # the month's rated call-backs
            applied["callback"] = "1"
            level = params.get("level", "")
            level = int(level) if level.isdigit() else None
            if level is not None:
                applied["level"] = str(level)
            ids = {
                order_id
                for order_id, rating in callbacks(period)
                if level is None or rating == level
            }
            orders = orders.filter(pk__in=sorted(ids))
        else:  # the orders of the month
            orders = orders.filter(created_at__gte=start, created_at__lt=end)
    if (
        params.get("channel", "") in OrderChannel.values
    ):  # (the type: the list's own filter)
        applied["channel"] = params["channel"]
        orders = orders.filter(channel=params["channel"])
    category = params.get("category", "")
    if category == "none":
        applied["category"] = category
        orders = orders.filter(category__isnull=True)
    elif category.isdigit():
        applied["category"] = category
        orders = orders.filter(
            Q(category_id=int(category))
            | Q(category__parent_id=int(category))
            | Q(category__parent__parent_id=int(category))
        )
    town = params.get("town", "")
    if town == "none" or town.isdigit():
        applied["town"] = town
        orders = (
            orders.filter(town__isnull=True)
            if town == "none"
            else orders.filter(town_id=int(town))
        )
    if params.get("direct") == "1":
        applied["direct"] = "1"
        orders = orders.exclude(direct_answer="")
    q = params.get("q", "").strip()[:50]
    if q:
        applied["q"] = q
        orders = orders.filter(content__contains=q)
    numbers = [n for n in params.get("numbers", "").split(",") if n][:CLUSTER_LINK_MAX]
    if numbers:
        applied["numbers"] = ",".join(numbers)
        orders = orders.filter(number__in=numbers)
    return orders, applied

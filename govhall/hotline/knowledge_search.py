"""Chinese search over the hotline's knowledge (知识库检索): the published
knowledge versions and, as knowledge too, every published item's service
guide (办事指南: name, conditions, materials, time limits, fees, where,
when, phone).

The words are the catalog search's (``catalog.search``: jieba's search cut
with the domain words, character bigrams, the colloquial synonyms), with
the hotline's own colloquial words added below (没水 → 停水). Ranking is
BM25 (k1 1.2, b 0.75) over an inverted index of those words: a caller's
sentence is long and mostly filler (我想问一下, 怎么回事), and BM25's
inverse document frequency lets the rare words decide. Fields count by
weight (question and keywords three times the answer), the way BM25F does.
BM25 is computed here over the index's postings rather than with a
library: the libraries need numpy for the same twenty lines.

The index is built once per process and rebuilt when a knowledge version
or an item version is published, superseded or withdrawn (a stamp of
counts and last changes, read with one query per search). What may be
suggested is decided per search, so an entry past its validity drops out
on the day it expires without a rebuild.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from govhall.catalog.search import SYNONYMS, bigrams, words

# The hotline's colloquial words → the words its knowledge uses (added to the catalog's).
HOTLINE_SYNONYMS = {
    "没水": ["停水", "供水"], "断水": ["停水", "供水"], "来水": ["停水", "供水"], "水压": ["供水", "水压低"],
    "没电": ["停电", "供电"], "断电": ["停电", "供电"], "来电": ["停电", "供电"], "跳闸": ["停电", "供电"],
    "没气": ["停气", "燃气"], "天然气": ["燃气"], "煤气": ["燃气"], "暖气": ["供暖"],
    "上户口": ["户口", "出生登记", "落户"], "户口": ["户籍", "户口"], "迁户口": ["户口迁移"],
    "社保": ["社会保险", "社保"], "断缴": ["补缴", "中断"], "补交": ["补缴"], "交社保": ["参保", "缴费"],
    "医保": ["医疗保险", "医保"], "看病报销": ["医保报销"], "异地看病": ["异地就医"],
    "公积金": ["住房公积金", "公积金"], "取公积金": ["公积金提取"], "取出来": ["提取"],
    "退休金": ["养老金", "养老保险"], "养老金": ["养老金", "养老保险"], "领钱": ["领取", "待遇"],
    "噪音": ["噪声"], "吵": ["噪声"], "扰民": ["噪声"], "装修": ["装修", "施工"],
    "路灯": ["路灯"], "不亮": ["路灯", "故障"], "井盖": ["井盖"], "垃圾": ["垃圾", "环境卫生"],
    "狗": ["犬只", "养犬"], "养狗": ["养犬登记", "犬只"], "遛狗": ["犬只"],
    "工资": ["工资", "欠薪"], "工钱": ["工资", "欠薪"], "户口迁": ["户口迁移"], "发黄": ["水质", "发黄"],
    "黄黄": ["水质", "发黄"], "黑水": ["污水", "排污"], "排污": ["污水", "排污"], "拖欠": ["欠薪"], "不发工资": ["欠薪"], "老板跑了": ["欠薪"],
    "健身卡": ["预付卡"], "会员卡": ["预付卡"], "充值卡": ["预付卡"], "跑路": ["预付卡", "退费"], "退钱": ["退费"],
    "电梯": ["电梯"], "物业": ["物业"], "占道": ["占道经营"], "乱停": ["停车"], "违章停车": ["停车"],
    "打疫苗": ["预防接种", "疫苗"], "疫苗": ["预防接种", "疫苗"], "孩子上学": ["入学"], "上学": ["入学"],
    "居住证": ["居住证"], "暂住证": ["居住证"], "身份证": ["居民身份证", "身份证"],
    "低保": ["最低生活保障", "低保"], "困难补助": ["临时救助"], "残疾补贴": ["残疾人", "补贴"],
    "失业金": ["失业保险金"], "失业了": ["失业保险金", "就业"], "找工作": ["就业", "招聘"],
    "生孩子": ["生育", "出生"], "生育津贴": ["生育保险", "生育津贴"], "出生证": ["出生医学证明"],
    "开饭馆": ["餐饮", "食品经营"], "小饭馆": ["餐饮", "食品经营"], "开店": ["个体工商户", "营业执照"],
    "电动车": ["电动自行车"], "上牌": ["登记", "上牌"], "充电": ["充电"],
    "燃气费": ["燃气", "缴费"], "水费": ["水费", "缴费"], "电费": ["电费", "缴费"], "交费": ["缴费"],
    "交水费": ["水费", "缴费"], "交电费": ["电费", "缴费"], "营业时间": ["办理时间"], "几点": ["办理时间"],
    "上班时间": ["办理时间"], "周末": ["办理时间", "周末"], "在哪": ["办理地点"], "在哪里": ["办理地点"],
    "带什么": ["材料"], "要什么": ["材料"], "多久": ["时限"], "多长时间": ["时限"], "收费": ["收费"],
    "多少钱": ["收费"], "要钱": ["收费"],
}
_SYNONYMS = {**SYNONYMS, **HOTLINE_SYNONYMS}
_SYNONYM_WORDS = sorted(_SYNONYMS, key=len, reverse=True)
# What every caller says and no entry is about.
STOP_WORDS = frozenset({
    "怎么", "怎么办", "怎么样", "什么", "为什么", "请问", "问一下", "一下", "我们", "你们", "他们", "这个", "那个",
    "可以", "需要", "是不是", "有没有", "还是", "就是", "但是", "因为", "所以", "现在", "已经", "一直", "回事",
    "怎么回事", "咨询", "想问", "知道", "谢谢", "你好", "麻烦", "这样", "那么", "如果", "时候", "什么时候", "哪里",
    "的话", "应该", "能不能", "要不要", "一个", "是否", "如何", "办理", "问题",
})
FIELD_WEIGHTS = {"question": 3.0, "keywords": 3.0, "answer": 1.0}
BIGRAM_WEIGHT = 0.5
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class KnowledgeDoc:
    """One piece of knowledge as the index sees it. ``key``: "k<version id>"
    for a knowledge version, "g<item version id>" for a service guide;
    ``center_path``: the hotline it answers for ("" for every hotline)."""

    key: str
    question: str
    answer: str
    keywords: str = ""
    source: str = ""
    center_path: str = ""
    valid_from: date | None = None
    valid_until: date | None = None

    def in_force(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


@dataclass(frozen=True)
class KnowledgeHit:
    doc: KnowledgeDoc
    score: float


def query_terms(text: str) -> dict[str, float]:
    """The weighted terms of a caller's words: their search words less the
    filler, what the colloquial ones mean (synonyms), and their bigrams."""
    text = text.strip()[:300]
    terms: dict[str, float] = {}
    for word in words(text):
        if word not in STOP_WORDS:
            terms[word] = 1.0
    rest = text
    for colloquial in _SYNONYM_WORDS:
        if colloquial in rest:
            rest = rest.replace(colloquial, " ")
            for replacement in _SYNONYMS[colloquial]:
                for word in words(replacement) | {replacement}:
                    terms.setdefault(word, 1.0)
    for piece in rest.split():
        for gram in bigrams(piece):
            terms.setdefault("\x00" + gram, BIGRAM_WEIGHT)
    return terms


def doc_terms(doc: KnowledgeDoc) -> dict[str, float]:
    """The weighted term frequencies of a document (BM25F-like: a field's
    weight for each field a word occurs in; bigrams of question and keywords)."""
    terms: dict[str, float] = defaultdict(float)
    for field, weight in FIELD_WEIGHTS.items():
        text = getattr(doc, field)
        if text:
            for word in words(text):
                terms[word] += weight
    for keyword in doc.keywords.split():
        terms[keyword] += FIELD_WEIGHTS["keywords"]
    for gram in bigrams(doc.question) | bigrams(doc.keywords):
        terms["\x00" + gram] += BIGRAM_WEIGHT
    return terms


class KnowledgeIndex:
    """BM25 over an inverted index: term → {document number: weighted tf}."""

    def __init__(self, docs: Iterable[KnowledgeDoc]):
        self.docs: list[KnowledgeDoc] = []
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        lengths = []
        for number, doc in enumerate(docs):
            self.docs.append(doc)
            terms = doc_terms(doc)
            for term, tf in terms.items():
                self.postings[term][number] = tf
            lengths.append(sum(terms.values()))
        total = len(self.docs)
        average = (sum(lengths) / total) if total else 1.0
        # The length part of BM25's denominator, per document.
        self.norm = [K1 * (1 - B + B * length / average) for length in lengths]
        self.idf = {term: math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
                    for term, posting in self.postings.items()}

    def __len__(self) -> int:
        return len(self.docs)

    def search(self, text: str, *, day: date, center_path: str | None = "", limit: int = 5) -> list[KnowledgeHit]:
        """The best ``limit`` documents in force on ``day`` for a hotline at
        ``center_path`` (its own knowledge, that of the hotlines above it,
        and the service guides; None: every hotline's)."""
        scores: dict[int, float] = defaultdict(float)
        for term, weight in query_terms(text).items():
            posting = self.postings.get(term)
            if not posting:
                continue
            factor = weight * self.idf[term] * (K1 + 1)
            norm = self.norm
            for number, tf in posting.items():
                scores[number] += factor * tf / (tf + norm[number])
        # Best first, skipping what may not be suggested here or today (the
        # few best are enough unless many of them are out of force).
        order = (lambda kv: (kv[1], -kv[0]))
        best = heapq.nlargest(limit * 4 + 20, scores.items(), key=order)
        hits = self._in_force(best, day, center_path, limit)
        if len(hits) < limit < len(scores) and len(best) < len(scores):
            hits = self._in_force(sorted(scores.items(), key=order, reverse=True), day, center_path, limit)
        return hits

    def _in_force(self, ranked, day: date, center_path: str | None, limit: int) -> list[KnowledgeHit]:
        hits = []
        for number, score in ranked:
            doc = self.docs[number]
            if doc.in_force(day) and (center_path is None or center_path.startswith(doc.center_path)):
                hits.append(KnowledgeHit(doc, score))
                if len(hits) == limit:
                    break
        return hits


def substring_scan(docs: list[KnowledgeDoc], text: str, *, limit: int = 5) -> list[KnowledgeDoc]:
    """The plain way (the benchmark's baseline): every document scanned for
    each of the query's words as a substring (LIKE '%word%'), ranked by how
    many it contains."""
    query = [w for w in words(text.strip()[:300]) if w not in STOP_WORDS]
    counted = []
    for number, doc in enumerate(docs):
        haystack = doc.question + doc.keywords + doc.answer
        found = sum(1 for word in query if word in haystack)
        if found:
            counted.append((found, -number, doc))
    return [doc for _, _, doc in heapq.nlargest(limit, counted, key=lambda t: (t[0], t[1]))]


# --- the index of this process ----------------------------------------------------

def guide_answer(version) -> str:
    """A published item's service guide as an answer an operator can read
    out: conditions, materials, time limit, fee, where, when, phone."""
    from django.utils.translation import gettext as _

    parts = []
    if version.conditions:
        parts.append(_("受理条件：%(v)s") % {"v": version.conditions.strip()})
    materials = [m.name for m in version.materials.all()]
    if materials:
        parts.append(_("所需材料：%(v)s") % {"v": "；".join(materials)})
    if version.immediate:
        parts.append(_("办理时限：即办"))
    elif version.promised_days is not None:
        parts.append(_("办理时限：承诺 %(p)s 个工作日（法定 %(s)s 个工作日）")
                     % {"p": version.promised_days, "s": version.statutory_days or version.promised_days})
    fees = [f"{fee.name}{'' if fee.amount is None else f' {fee.amount} 元'}" for fee in version.fees.all()]
    if version.no_fee:
        parts.append(_("收费：不收费"))
    elif fees:
        parts.append(_("收费：%(v)s") % {"v": "；".join(fees)})
    if version.location:
        parts.append(_("办理地点：%(v)s") % {"v": version.location})
    if version.office_hours:
        parts.append(_("办理时间：%(v)s") % {"v": version.office_hours})
    if version.consult_phone:
        parts.append(_("咨询电话：%(v)s") % {"v": version.consult_phone})
    return "\n".join(parts)


_cache = None


def _stamp() -> tuple:
    """Changes whenever what the index holds may have: a knowledge version
    published, superseded or withdrawn, or an item version changed."""
    from django.db.models import Max

    from govhall.catalog.models import ItemVersion, VersionStatus
    from govhall.catalog.selectors import _stamp as catalog_stamp
    from govhall.hotline.models import KnowledgeState, KnowledgeVersion

    # Published and ended counted apart: a withdrawal or a supersession in
    # the same instant as the publication before it still changes the stamp.
    # The highest id too: another database state with the same counts and
    # moments (tests rolled back) is not taken for this one.
    published = KnowledgeVersion.objects.filter(state=KnowledgeState.PUBLISHED)
    ended = KnowledgeVersion.objects.filter(state__in=[KnowledgeState.SUPERSEDED, KnowledgeState.WITHDRAWN])
    return (catalog_stamp(published) + catalog_stamp(ended) + (published.aggregate(top=Max("pk"))["top"],)
            + catalog_stamp(ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)))


def knowledge_documents() -> list[KnowledgeDoc]:
    """Every published knowledge version and every published item's guide."""
    from django.db.models import F

    from govhall.catalog.models import ItemVersion, VersionStatus
    from govhall.hotline.models import KnowledgeState, KnowledgeVersion

    docs = [KnowledgeDoc(key=f"k{v.pk}", question=v.question, answer=v.answer, keywords=v.keywords,
                         source=v.entry.source_unit.name, center_path=v.entry.center.path, valid_from=v.valid_from,
                         valid_until=v.valid_until)
            for v in KnowledgeVersion.objects.filter(state=KnowledgeState.PUBLISHED)
            .select_related("entry__source_unit", "entry__center").order_by("pk")]
    guides = (ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, item__current=F("pk"))
              .select_related("item__department").prefetch_related("materials", "fees").order_by("pk"))
    docs += [KnowledgeDoc(key=f"g{v.pk}", question=v.name, answer=guide_answer(v),
                          keywords=" ".join(filter(None, [v.item.group, v.result_name])),
                          source=v.item.department.name) for v in guides]
    return docs


def knowledge_index() -> KnowledgeIndex:
    """This process's index, rebuilt after a publication (one stamp query per call)."""
    global _cache
    if _cache is None:
        from govhall.catalog.selectors import _IndexCache

        _cache = _IndexCache(build=KnowledgeIndex)
    return _cache.get(_stamp(), knowledge_documents)


@dataclass(frozen=True)
class Suggestion:
    """A suggested piece of knowledge as the screens and the API show it."""

    key: str
    kind: str  # "entry" | "guide"
    question: str
    answer: str
    source: str
    valid_until: date | None
    score: float

    @property
    def short_answer(self) -> str:
        return self.answer if len(self.answer) <= 120 else self.answer[:118] + "……"


def _center_path_for(user) -> str | None:
    from govhall.hotline.models import MemberUnit
    from govhall.hotline.selectors import unit_ids_for
    from govhall.org.roles import GLOBAL_ROLES, Role

    if user.role in GLOBAL_ROLES or user.is_superuser:
        return None
    if user.role == Role.MEMBER_UNIT_HANDLER:
        unit = MemberUnit.objects.filter(pk__in=unit_ids_for(user)).select_related("hotline_center").first()
        return unit.hotline_center.path if unit else ""
    return user.center.path if user.center_id else ""


def knowledge_suggest(*, user, text: str, at, limit: int = 5) -> list[Suggestion]:
    """The knowledge in force that best answers ``text`` (a caller's words)
    for ``user``'s hotline, best first."""
    from govhall.core import clock

    if not text.strip():
        return []
    hits = knowledge_index().search(text, day=clock.to_local_date(at), center_path=_center_path_for(user),
                                    limit=limit)
    return [Suggestion(key=h.doc.key, kind="entry" if h.doc.key[0] == "k" else "guide", question=h.doc.question,
                       answer=h.doc.answer, source=h.doc.source, valid_until=h.doc.valid_until, score=h.score)
            for h in hits]


def knowledge_source(key: str):
    """The (knowledge version, item version) a suggestion's key names: one
    of them, or (None, None) for no key; a DomainError naming the field
    "knowledge" for a key that names nothing."""
    from django.utils.translation import gettext as _

    from govhall.catalog.models import ItemVersion
    from govhall.core.errors import DomainError
    from govhall.hotline.models import KnowledgeVersion

    key = (key or "").strip()
    if not key:
        return None, None
    model = {"k": KnowledgeVersion, "g": ItemVersion}.get(key[0])
    found = model.objects.filter(pk=int(key[1:])).first() if model and key[1:].isdigit() and len(key) < 15 else None
    if found is None:
        raise DomainError(_("所选知识不存在。"), field="knowledge")
    return (found, None) if model is KnowledgeVersion else (None, found)


def knowledge_index_forget() -> None:
    """Drop this process's index (tests: each starts from its own database)."""
    global _cache
    _cache = None

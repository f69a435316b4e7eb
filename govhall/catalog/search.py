"""Chinese search over item names (jieba segmentation, DESIGN 2).

A small in-memory inverted index: each document (an item) is cut into
search words (jieba's cut_for_search, plus a domain dictionary) and
character bigrams, so that partial names (施工许可 → 建筑工程施工许可证核发)
and colloquial queries (开饭店 → 食品经营许可) both find it. Colloquial words
are expanded through a small synonym table. Ranking: matched words weighted
by where they occur (name first), a bonus when the whole query appears in the
name, shorter names first on ties.

A query may ask for a variant of an item rather than the item itself:
"身份证丢了" wants the replacement (补领/挂失), "食品经营许可证到期" the renewal
(延续), "营业执照变更地址" the change (变更). The words that say so
(``INTENTS``' cues: 丢了, 补办, 到期, 换, 改, 变更 …) are taken out of the
query and turn the ranking round: names with the asked variant's actions
come first, the other variants and the granting item after them. Some
certificates' variants are not named after the certificate (a lost business
licence is "证照遗失补领、换发申请"): ``VARIANT_SYNONYMS`` says what the
catalog calls them.
"""

import functools
import heapq
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

# Words of the service-center domain that jieba's general dictionary splits
# badly; added once when the index is first built.
DOMAIN_WORDS = [
    "施工许可", "不动产", "不动产登记", "个体工商户", "营业执照", "食品经营许可证", "食品经营",
    "公章刻制", "社会保险", "医疗保险", "养老保险", "失业保险", "工伤保险", "住房公积金", "异地就医",
    "竣工验收", "规划许可", "用地规划", "建设工程", "林木采伐", "道路运输", "从业资格", "婚姻登记",
    "户口登记", "出生医学证明", "小作坊", "小餐饮", "排水许可", "水土保持", "人防", "防空地下室",
    "一件事", "报装", "用水报装", "燃气报装", "用电报装", "契税", "增值税", "发票", "残疾人证",
    "驾驶证", "社会保障卡", "结婚证", "证照",
]

# Colloquial word → words the catalog uses (portal users do not speak in item names).
SYNONYMS = {
    "开饭店": ["餐饮", "食品经营"], "开餐馆": ["餐饮", "食品经营"], "饭店": ["餐饮", "食品经营"],
    "餐馆": ["餐饮", "食品经营"], "小吃店": ["餐饮", "食品经营", "小餐饮"],
    "开公司": ["公司设立登记"], "注册公司": ["公司设立登记"], "办公司": ["公司设立登记"], "办执照": ["营业执照", "登记"],
    "开店": ["个体工商户", "登记"], "个体户": ["个体工商户"], "营业执照": ["设立登记", "营业执照"], "摆摊": ["个体工商户", "食品"],
    "盖房子": ["建设", "施工", "规划"], "建房": ["建设", "施工", "规划", "宅基地"], "装修": ["施工"],
    "买房": ["不动产", "转移登记", "契税"], "卖房": ["不动产", "转移登记"], "房产证": ["不动产", "登记"],
    "过户": ["转移登记", "不动产"], "生孩子": ["出生", "生育"], "生小孩": ["出生", "生育"],
    "上户口": ["户口", "出生登记"], "落户": ["户口", "迁入"], "身份证": ["居民身份证"],
    "结婚": ["婚姻登记", "结婚登记"], "离婚": ["婚姻登记", "离婚登记"], "退休": ["退休", "养老"],
    "养老金": ["养老保险", "待遇"], "看病": ["医疗", "医保"], "报销": ["医疗费用", "报销", "医保"],
    "社保": ["社会保险"], "医保": ["医疗保障", "医疗保险"], "公积金": ["住房公积金"],
    "砍树": ["林木采伐"], "伐木": ["林木采伐"], "跑运输": ["道路运输"], "开车": ["驾驶"],
    "装水": ["用水", "报装", "供水"], "通水": ["用水", "供水"], "通气": ["燃气", "报装"], "装燃气": ["燃气", "报装"],
    "拉电": ["用电", "报装"], "装宽带": ["通信", "宽带", "报装"], "找工作": ["就业", "职业介绍"],
    "失业": ["失业保险", "就业"], "残疾": ["残疾人"], "当兵": ["退役军人", "兵役"],
    # Certificates by their everyday names.
    "执照": ["营业执照", "登记"], "驾照": ["驾驶证"], "驾驶执照": ["驾驶证"],
    "身份证明": ["身份证明"],  # a certificate of identity, not the identity card (身份证)
    "社保卡": ["社会保障卡"], "医保卡": ["社会保障卡"], "结婚证": ["结婚证", "婚姻登记"], "离婚证": ["离婚证", "婚姻登记"],
    "残疾证": ["残疾人证"], "烟草证": ["烟草专卖零售许可证"], "烟草许可证": ["烟草专卖零售许可证"],
    "食品许可证": ["食品经营许可"], "食品经营许可证": ["食品经营许可", "食品(含保健食品)经营许可"],
    "卫生许可证": ["卫生许可"], "出租车": ["巡游出租汽车", "出租汽车"], "网约车": ["网络预约出租汽车"],
    "医师证": ["医师执业证书"], "护士证": ["护士执业"], "教师证": ["教师资格"], "教师资格证": ["教师资格"],
    "道路运输证": ["道路运输证"], "运输证": ["道路运输证"], "证件": ["证照", "证件"],
}

# The variant a query asks for (丢了 → a replacement), by the words people
# use (cues) and the words the catalog's names use for it: ``strong`` names
# are what was asked, ``weak`` ones may serve (换发 for a lost certificate).
# A single-character cue (补, 换, 改) counts only as a word of its own
# (换驾照), not inside another (改建, 补贴).
@dataclass(frozen=True)
class Intent:
    cues: tuple[str, ...]
    strong: tuple[str, ...]
    weak: tuple[str, ...] = ()


INTENTS = {
    "replace": Intent(
        cues=("丢了", "丢失", "遗失", "弄丢", "掉了", "不见了", "找不到", "被偷", "被盗", "损坏", "损毁", "坏了",
              "补办", "补领", "补发", "补证", "补换", "挂失", "补"),
        strong=("补领", "补发", "补办", "补证", "补换", "增补", "遗失", "挂失", "丢失"),
        weak=("换发", "换领")),
    "renew": Intent(
        cues=("到期", "过期", "期满", "续期", "续办", "续证", "延续", "延期"),
        strong=("延续", "到期", "期满", "续期", "复审", "继续经营"),
        weak=("换发", "换证")),
    "exchange": Intent(
        cues=("换证", "换发", "换领", "换新", "换本", "换照", "换"),
        strong=("换证", "换发", "换领", "补换")),
    "change": Intent(
        cues=("变更", "更改", "修改", "改名", "更名", "改地址", "迁址", "改"),
        strong=("变更", "更正", "更名", "修改")),
    "cancel": Intent(
        cues=("注销", "不干了", "不开了", "关门", "关店", "停业", "歇业"),
        strong=("注销", "歇业", "停业", "终止")),
}
# (everyday name, variant) → what the catalog calls that variant, when its
# name does not say the certificate: such a name counts as the asked variant.
VARIANT_SYNONYMS = {
    # A business licence lost or worn out is replaced by the registration
    # authority's "证照遗失补领、换发申请".
    ("营业执照", "replace"): ["证照遗失补领"], ("执照", "replace"): ["证照遗失补领"],
    ("营业执照", "exchange"): ["证照遗失补领、换发"], ("执照", "exchange"): ["证照遗失补领、换发"],
    # Its term (营业期限) is not renewed: it is extended by a change registration.
    ("营业执照", "renew"): ["变更登记"], ("执照", "renew"): ["变更登记"],
    ("营业执照", "change"): ["变更登记"], ("执照", "change"): ["变更登记"],
    ("营业执照", "cancel"): ["注销登记"], ("执照", "cancel"): ["注销登记"],
    ("个体户", "change"): ["个体工商户变更登记"], ("个体户", "cancel"): ["个体工商户注销登记"],
    ("证件", "replace"): ["证照遗失补领"],
}
_CUES = sorted(((cue, name) for name, intent in INTENTS.items() for cue in intent.cues if len(cue) > 1),
               key=lambda pair: -len(pair[0]))
_SINGLE_CUES = {cue: name for name, intent in INTENTS.items() for cue in intent.cues if len(cue) == 1}
_SYNONYM_WORDS = sorted(SYNONYMS, key=len, reverse=True)

WEIGHTS = {"name": 3.0, "result": 2.0, "group": 1.0, "department": 1.0}
# Most people search to obtain something, not to change or cancel it: among
# close matches, the item that grants comes first.
PRIMARY_ACTIONS = ("核发", "设立", "新办", "首次", "初次", "审批", "登记")
VARIANT_ACTIONS = ("变更", "注销", "补办", "补领", "补发", "补换", "换发", "换领", "换证", "延续", "遗失", "挂失",
                   "到期", "期满", "歇业", "恢复", "撤销", "停业")
BIGRAM_WEIGHT = 0.5

_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    """jieba, loaded once per process (its dictionary takes ~0.5 s)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                for word in DOMAIN_WORDS:
                    jieba.add_word(word, freq=20000)
                jieba.initialize()
                _jieba = jieba
    return _jieba


@functools.lru_cache(maxsize=200_000)
def words(text: str) -> frozenset[str]:
    """Search words of ``text``: jieba's search cut, without punctuation and
    single characters. Cached: rebuilding the index after a publication only
    segments the texts that changed."""
    return frozenset(w for w in _segmenter().cut_for_search(text) if len(w) > 1 and not _is_punctuation(w))


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if not _is_punctuation(c)]
    return {a + b for a, b in zip(chars, chars[1:])}


def _is_punctuation(text: str) -> bool:
    return all(not ch.isalnum() for ch in text)


@dataclass(frozen=True)
class Document:
    key: int
    name: str
    department: str = ""
    group: str = ""
    result: str = ""


@dataclass(frozen=True)
class Hit:
    key: int
    score: float


class SearchIndex:
    """Inverted index of search words and bigrams to documents."""

    def __init__(self, documents: Iterable[Document]):
        self.documents: dict[int, Document] = {}
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        for doc in documents:
            self.documents[doc.key] = doc
            for field in ("name", "result", "group", "department"):
                text = getattr(doc, field)
                if not text:
                    continue
                for word in words(text):
                    posting = self.postings[word]
                    posting[doc.key] = max(posting.get(doc.key, 0.0), WEIGHTS[field])
            for gram in bigrams(doc.name):
                posting = self.postings["\x00" + gram]
                posting[doc.key] = max(posting.get(doc.key, 0.0), BIGRAM_WEIGHT)
        # Rare words tell more than common ones (许可 is everywhere).
        total = max(len(self.documents), 1)
        self.idf = {term: 1.0 + math.log(total / len(posting)) for term, posting in self.postings.items()}

    def search(self, query: str, *, limit: int = 50) -> list[Hit]:
        query = query.strip()[:50]
        if not query:
            return []
        intents, segments = query_intents(query)
        if not segments:  # only the variant was asked ("换证"): its words are the query
            segments = [query] if len(query) > 1 else [a for i in intents for a in INTENTS[i].strong]
        terms: set[str] = set()
        for segment in segments:
            terms |= set(words(segment)) | ({segment} if len(segment) > 1 else set())
        phrases = {"".join(segments)} if not intents else set(segments)
        variant_phrases: set[str] = set()
        rest = " ".join(segments)
        for colloquial in _SYNONYM_WORDS:
            if colloquial not in rest:
                continue
            rest = rest.replace(colloquial, " ")  # 结婚证 is not also 结婚
            variants = [p for i in intents for p in VARIANT_SYNONYMS.get((colloquial, i), [])]
            replacements = variants or SYNONYMS[colloquial]
            (variant_phrases if variants else phrases).update(replacements)
            for replacement in replacements:
                terms |= words(replacement) | {replacement}
        scores: dict[int, float] = defaultdict(float)
        for term in terms:
            for key, weight in self.postings.get(term, {}).items():
                scores[key] += weight * self.idf[term]
        for gram in {g for segment in segments for g in bigrams(segment)}:
            term = "\x00" + gram
            for key, weight in self.postings.get(term, {}).items():
                scores[key] += weight * self.idf[term]
        asked_strong = {a for i in intents for a in INTENTS[i].strong}
        asked_weak = {a for i in intents for a in INTENTS[i].weak} - asked_strong
        for key in scores:
            name = self.documents[key].name
            if any(phrase in name for phrase in phrases | variant_phrases):
                scores[key] *= 2  # the whole query (or what it means) stands in the name
            if not intents:
                if any(action in name for action in VARIANT_ACTIONS):
                    scores[key] *= 0.9
                elif any(action in name for action in PRIMARY_ACTIONS):
                    scores[key] *= 1.1
                continue
            # The query asks for a variant: that variant first, the others after.
            if any(action in name for action in asked_strong) or any(p in name for p in variant_phrases):
                scores[key] *= 3
            elif any(action in name for action in asked_weak):
                scores[key] *= 2
            if any(action in name for action in VARIANT_ACTIONS if action not in asked_strong | asked_weak):
                scores[key] *= 0.9
        ranked = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], len(self.documents[kv[0]].name), kv[0]))
        return [Hit(key, score) for key, score in ranked]


def query_intents(query: str) -> tuple[list[str], list[str]]:
    """The variants a query asks for (``INTENTS``' names) and what is left
    of it once their cue words are taken out, in pieces: "营业执照变更地址"
    → (["change"], ["营业执照", "地址"])."""
    found: list[str] = []
    rest = query
    for cue, name in _CUES:  # longest first: 补换证 is 补换, not 换证
        if cue in rest:
            rest = rest.replace(cue, " ")
            if name not in found:
                found.append(name)
    pieces = []
    for piece in rest.split():
        kept = []
        for word in _segmenter().lcut(piece):
            name = _SINGLE_CUES.get(word)
            if name is None:
                kept.append(word)
                continue
            if name not in found:
                found.append(name)
            kept.append(" ")
        pieces += "".join(kept).split()
    return found, pieces

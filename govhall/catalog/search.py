"""Chinese search over item names (jieba segmentation, DESIGN 2).

A small in-memory inverted index: each document (an item) is cut into
search words (jieba's cut_for_search, plus a domain dictionary) and
character bigrams, so that partial names (施工许可 → 建筑工程施工许可证核发)
and colloquial queries (开饭店 → 食品经营许可) both find it. Colloquial words
are expanded through a small synonym table. Ranking: matched words weighted
by where they occur (name first), a bonus when the whole query appears in the
name, shorter names first on ties.
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
}

WEIGHTS = {"name": 3.0, "result": 2.0, "group": 1.0, "department": 1.0}
# Most people search to obtain something, not to change or cancel it: among
# close matches, the item that grants comes first.
PRIMARY_ACTIONS = ("核发", "设立", "新办", "首次", "审批", "登记")
VARIANT_ACTIONS = ("变更", "注销", "补办", "补领", "换发", "延续", "歇业", "恢复", "撤销", "停业")
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
        terms = set(words(query)) | ({query} if len(query) > 1 else set())
        phrases = {query}
        for colloquial, replacements in SYNONYMS.items():
            if colloquial in query:
                phrases |= set(replacements)
                for replacement in replacements:
                    terms |= words(replacement) | {replacement}
        scores: dict[int, float] = defaultdict(float)
        for term in terms:
            for key, weight in self.postings.get(term, {}).items():
                scores[key] += weight * self.idf[term]
        for gram in bigrams(query):
            term = "\x00" + gram
            for key, weight in self.postings.get(term, {}).items():
                scores[key] += weight * self.idf[term]
        for key in scores:
            name = self.documents[key].name
            if any(phrase in name for phrase in phrases):
                scores[key] *= 2  # the whole query (or what it means) stands in the name
            if any(action in name for action in VARIANT_ACTIONS):
                scores[key] *= 0.9
            elif any(action in name for action in PRIMARY_ACTIONS):
                scores[key] *= 1.1
        ranked = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], len(self.documents[kv[0]].name), kv[0]))
        return [Hit(key, score) for key, score in ranked]

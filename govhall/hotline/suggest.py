"""Dispatch suggestions (派单建议, issue 15 item 5): the classifier core.

Pure functions over plain data, no database: ``train`` learns a category
head and a unit head from (text, category code, unit code) samples,
``predict`` ranks the top three of each with a confidence,
``cross_validate`` measures top-1/top-3 accuracy by stratified k-fold on the
same samples, and ``Rules`` is the cold start: keywords taken from the
category tree, the member units' names and the catalog's items and
departments. ``hotline/suggest_services.py`` feeds them from the database
and keeps the trained model in storage.

The model: character 1–2-gram TF-IDF (Chinese needs no word segmentation at
that length; sublinear term frequency) and a linear SVM whose scores are
calibrated into probabilities, the confidences shown.
It replaced character 1–3-grams with a logistic regression (``pipeline_v1``,
still what models trained before it hold) after bench/bench_suggest.py
--compare measured both on real citizen messages and the synthetic corpus
(docs/performance.md).
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# scikit-learn, numpy and joblib are imported where they are used: importing them
# takes about a second, which every process would pay at its first request (the
# URL configuration reaches this module), whether or not it ever suggests.
if TYPE_CHECKING:
    import numpy as np
    from sklearn.pipeline import Pipeline

TOP = 3
# Below this many labelled samples a head is not trained: the rules answer.
MIN_SAMPLES = 20
FOLDS = 5
# The calibration's internal folds; a label with fewer orders is repeated up to this many (``_padded``).
CALIBRATION_FOLDS = 3
# Stored with the model; a model of another format is not loaded (retrain).
FORMAT = 1


@dataclass(frozen=True)
class Sample:
    text: str
    category: str = ""  # a category code, or "" when unknown
    unit: str = ""  # a member unit code, or "" when unknown


@dataclass(frozen=True)
class Ranked:
    code: str
    confidence: float  # 0..1


@dataclass
class Suggestions:
    categories: list[Ranked] = field(default_factory=list)
    units: list[Ranked] = field(default_factory=list)
    source: str = "rules"  # "model": learned from the center's history; "rules": keyword cold start


@dataclass
class Accuracy:
    top1: float
    top3: float
    n: int
    folds: int


def _clean(text: str) -> str:
    # Digits and phone-like runs say nothing about the matter; whitespace neither.
    return re.sub(r"\s+", " ", re.sub(r"\d+", "0", text or "")).strip()


def pipeline() -> Pipeline:
    """The text classifier (bench/bench_suggest.py compares others through ``make``)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                  preprocessor=_clean, max_features=200_000)),
        # Sigmoid calibration on CALIBRATION_FOLDS internal folds turns the SVM's scores into probabilities.
        ("clf", CalibratedClassifierCV(LinearSVC(C=0.5), cv=CALIBRATION_FOLDS)),
    ])


def pipeline_v1() -> Pipeline:
    """The classifier before the calibrated SVM: char 1–3-grams and a logistic
    regression (models trained with it still load and answer)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1,
                                  preprocessor=_clean, max_features=200_000)),
        # newton-cg: a few iterations where lbfgs takes dozens on these wide sparse features (10× faster here).
        ("clf", LogisticRegression(C=10.0, solver="newton-cg", max_iter=200)),
    ])


def _padded(texts: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    """The samples with each label known from fewer than ``CALIBRATION_FOLDS``
    orders (a unit that got one order) repeated up to that many: every
    calibration fold must hold every label, and the label is still learned
    rather than refusing the whole history."""
    rare = {label for label, count in Counter(labels).items() if count < CALIBRATION_FOLDS}
    known = defaultdict(list)
    for text, label in zip(texts, labels, strict=True):
        if label in rare:
            known[label].append(text)
    for label, items in known.items():
        extra = (items * CALIBRATION_FOLDS)[:CALIBRATION_FOLDS - len(items)]
        texts, labels = texts + extra, labels + [label] * len(extra)
    return texts, labels


def _calibrated_probabilities(pipeline: Pipeline, texts: list[str]) -> np.ndarray:
    """``pipeline.predict_proba`` of a sigmoid-calibrated final step, computed
    in one array operation per SVM: scikit-learn's own validates its input
    once per class and per fold (~0.2 ms each: 30 ms for one text with 40
    units). The same figures (a test holds them equal)."""
    import numpy as np
    from scipy.special import expit

    calibrated = pipeline[-1]
    features = pipeline[:-1].transform(texts)
    classes = calibrated.classes_
    total = np.zeros((len(texts), len(classes)))
    for member in calibrated.calibrated_classifiers_:
        scores = member.estimator.decision_function(features).reshape(len(texts), -1)
        slope = np.array([c.a_ for c in member.calibrators])
        intercept = np.array([c.b_ for c in member.calibrators])
        calibrated_scores = expit(-(slope * scores + intercept))
        proba = np.zeros_like(total)
        if len(classes) == 2:
            proba[:, 1] = calibrated_scores[:, 0]
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            proba[:, np.searchsorted(classes, member.estimator.classes_)] = calibrated_scores
            sums = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, sums, out=np.full_like(proba, 1 / len(classes)), where=sums != 0)
        total += proba
    return total / len(calibrated.calibrated_classifiers_)


class Head:
    """One trained classifier (categories or units), or the constant answer
    when the history knows a single label."""

    def __init__(self, labels: Sequence[str], texts: Sequence[str], make: Callable[[], Pipeline] | None = None):
        counts = Counter(labels)
        self.classes = sorted(counts)
        self.pipeline = None
        if len(self.classes) > 1:
            self.pipeline = (make or pipeline)().fit(*_padded(list(texts), list(labels)))
            self.classes = list(self.pipeline.classes_)

    def rank(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in ``self.classes`` order."""
        import numpy as np

        if self.pipeline is None:
            return np.ones((len(texts), 1))
        final = self.pipeline[-1]
        if getattr(final, "method", None) == "sigmoid" and hasattr(final, "calibrated_classifiers_"):
            return _calibrated_probabilities(self.pipeline, list(texts))
        return self.pipeline.predict_proba(list(texts))

    def top(self, text: str, k: int = TOP) -> list[Ranked]:
        import numpy as np

        row = self.rank([text])[0]
        order = np.argsort(-row)[:k]
        return [Ranked(self.classes[i], round(float(row[i]), 4)) for i in order]


@dataclass
class Model:
    """The two heads learned from one center's history."""

    categories: Head | None
    units: Head | None
    n: int
    format: int = FORMAT

    def predict(self, text: str, k: int = TOP) -> Suggestions:
        return Suggestions(categories=self.categories.top(text, k) if self.categories else [],
                           units=self.units.top(text, k) if self.units else [], source="model")

    def dumps(self) -> bytes:
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()


def loads(data: bytes) -> Model | None:
    """A model written by ``Model.dumps`` (only files govhall wrote itself are
    read: joblib is pickle), or None when its format is not this one."""
    import joblib

    model = joblib.load(io.BytesIO(data))
    return model if isinstance(model, Model) and model.format == FORMAT else None


def _pairs(samples: Iterable[Sample], attr: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for sample in samples:
        label = getattr(sample, attr)
        if label and sample.text.strip():
            texts.append(sample.text)
            labels.append(label)
    return texts, labels


def train(samples: Sequence[Sample], *, min_samples: int = MIN_SAMPLES) -> Model | None:
    """Learn both heads; a head with fewer than ``min_samples`` labelled
    samples is left out (None: neither head could be learned)."""
    heads = {}
    for attr in ("category", "unit"):
        texts, labels = _pairs(samples, attr)
        heads[attr] = Head(labels, texts) if len(texts) >= min_samples else None
    if heads["category"] is None and heads["unit"] is None:
        return None
    return Model(categories=heads["category"], units=heads["unit"], n=len(samples))


def _splitter(labels: Sequence[str], folds: int):
    """Stratified k-fold when every class has at least two samples (k at most
    the smallest class), otherwise a shuffled k-fold."""
    from sklearn.model_selection import KFold, StratifiedKFold

    smallest = min(Counter(labels).values())
    if smallest >= 2:
        return StratifiedKFold(n_splits=min(folds, smallest), shuffle=True, random_state=0)
    return KFold(n_splits=min(folds, len(labels)), shuffle=True, random_state=0)


def cross_validate(samples: Sequence[Sample], attr: str, *, folds: int = FOLDS,
                   make: Callable[[], Pipeline] | None = None) -> Accuracy | None:
    """Top-1 and top-3 accuracy of the ``attr`` head ("category" or "unit")
    over k folds: each sample is ranked by a model that never saw it. None
    with fewer than ``MIN_SAMPLES`` labelled samples."""
    texts, labels = _pairs(samples, attr)
    if len(texts) < MIN_SAMPLES:
        return None
    import numpy as np

    texts_a, labels_a = np.array(texts, dtype=object), np.array(labels, dtype=object)
    splitter = _splitter(labels, folds)
    hit1 = hit3 = 0
    for train_idx, test_idx in splitter.split(texts_a, labels_a):
        head = Head(list(labels_a[train_idx]), list(texts_a[train_idx]), make)
        probabilities = head.rank(list(texts_a[test_idx]))
        best = np.argsort(-probabilities, axis=1)[:, :TOP]
        for row, truth in zip(best, labels_a[test_idx], strict=True):
            ranked = [head.classes[i] for i in row]
            hit1 += ranked[0] == truth
            hit3 += truth in ranked
    return Accuracy(top1=round(hit1 / len(texts), 4), top3=round(hit3 / len(texts), 4), n=len(texts),
                    folds=splitter.get_n_splits())


# --- cold start: keyword rules ------------------------------------------------------

# Words in names that point at no matter: they match every call.
_GENERIC = re.compile(r"(有限责任公司|有限公司|公司|委员会|管理局|管理处|管理所|办公室|服务中心|中心|人民政府|政府|"
                      r"街道办事处|街道|办事处|局|厅|处|所|站|镇|乡|县|区|市|省|其他|综合|一般|事项|申请|办理|服务)$")
_SPLIT = re.compile(r"[\s、，,／/（）()·\-—]+")


def _keywords(name: str) -> set[str]:
    """The words of a name worth finding in a caller's words: the name, the
    name without its generic ending ("自来水公司" → "自来水"), and its parts
    split at punctuation and "和/与/及", each at least two characters."""
    found = set()
    for part in [name, *_SPLIT.split(name), *re.split(r"[和与及的]", name)]:
        part = part.strip()
        for _ in range(3):  # "住房和城乡建设局" → "城乡建设"
            stripped = _GENERIC.sub("", part)
            if stripped == part:
                break
            part = stripped
        if len(part) >= 2:
            found.add(part)
    return found


@dataclass
class Rules:
    """Keyword → (kind, code, weight) from the center's reference data. A
    match scores its weight times its length (longer words say more); the
    scores are turned into confidences that stay modest (rules guess)."""

    keywords: dict[str, list[tuple[str, str, float]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, code: str, name: str, weight: float = 1.0, *, parts: Iterable[str] = ()) -> None:
        """``name``'s keywords for ``code``; ``parts``: the name's words (a
        segmenter's), counted at half the weight ("建筑工程施工许可证核发" →
        "施工", "许可证" …)."""
        found = _keywords(name)
        for word in found:
            self.keywords[word].append((kind, code, weight))
        for word in set(parts) - found:
            if len(word) >= 2 and not _GENERIC.fullmatch(word):
                self.keywords[word].append((kind, code, weight / 2))

    def predict(self, text: str, k: int = TOP) -> Suggestions:
        scores: dict[str, Counter] = {"category": Counter(), "unit": Counter()}
        for word, targets in self.keywords.items():
            if word in text:
                # A word that names many units says little about any of them.
                spread = {kind: len({code for k_, code, _ in targets if k_ == kind}) for kind in scores}
                best: dict[tuple[str, str], float] = {}
                for kind, code, weight in targets:
                    best[kind, code] = max(best.get((kind, code), 0.0), weight * len(word) / spread[kind])
                for (kind, code), score in best.items():
                    scores[kind][code] += score
        return Suggestions(categories=_confidences(scores["category"], k), units=_confidences(scores["unit"], k),
                           source="rules")


def _confidences(scores: Counter, k: int) -> list[Ranked]:
    if not scores:
        return []
    # A share of the total, damped by a pseudo-score: one weak match is not 100 %.
    total = sum(scores.values()) + 4.0
    return [Ranked(code, round(score / total, 4)) for code, score in scores.most_common(k)]


def merge(model: Suggestions, rules: Suggestions, k: int = TOP) -> Suggestions:
    """The model's ranking, with a head the model lacks (too little history
    for it) filled from the rules."""
    return Suggestions(categories=model.categories or rules.categories[:k], units=model.units or rules.units[:k],
                       source=model.source)

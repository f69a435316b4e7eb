"""Dispatch suggestions from the database (issue 15 item 5): what a center's
model learns from (its closed orders and imported history), its training
with the cross-validated accuracy kept in ``SuggestModel``, the keyword
rules of the cold start, and the suggestion for a text. The classifier
itself is ``hotline/suggest.py``; history import is ``suggest_import.py``."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from govhall.core import clock
from govhall.core.actors import is_system, person
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import suggest
from govhall.hotline.models import (
    Category,
    HistoryOrder,
    OrderState,
    SuggestModel,
    WorkOrder,
)
from govhall.hotline.policy import OPERATORS
from govhall.hotline.selectors import categories_active, units_for_dispatch
from govhall.org.models import Center
from govhall.org.roles import Role

# Who may retrain and read the accuracy: the hotline office, the center's
# managers, administrators. Who asks for suggestions: the hotline's staff.
MANAGERS = frozenset({Role.HOTLINE_OFFICE, Role.CENTER_MANAGER, Role.SYSTEM_ADMIN})
# The newest trainings whose model files are kept (older ones are deleted).
KEEP_FILES = 3
TEXT_MAX = 4000


def _in_center(actor, center: Center) -> bool:
    return actor.center_id is not None and center.path.startswith(actor.center.path)


def manager_check(actor, center: Center) -> None:
    """Refuses anyone but the hotline office, a manager of ``center`` (or
    above) and administrators."""
    if is_system(actor) or actor.is_superuser or actor.role == Role.SYSTEM_ADMIN:
        return
    if not actor.is_active or actor.role not in MANAGERS or not _in_center(actor, center):
        raise NotPermitted(_("只有热线办、中心管理人员和系统管理员可以管理派单建议模型。"))


def operator_check(actor) -> Center:
    """The hotline center whose suggestions ``actor`` may ask for."""
    if not actor.is_authenticated or not actor.is_active or actor.role not in OPERATORS or actor.center_id is None:
        raise NotPermitted(_("只有12345话务员和热线办可以获取派单建议。"))
    return actor.center


# --- what the model learns from -------------------------------------------------------

def training_samples(center: Center) -> tuple[list[suggest.Sample], int]:
    """The closed orders of ``center``'s hotline and below (their text, category
    and main unit) and its imported history; and how many of them are history."""
    orders = (WorkOrder.objects.filter(center__path__startswith=center.path, state=OrderState.CLOSED)
              .values_list("content", "category__code", "main_unit__code"))
    history = HistoryOrder.objects.filter(center=center).values_list("content", "category__code", "unit__code")
    samples = [suggest.Sample(text, category or "", unit or "") for text, category, unit in orders]
    past = [suggest.Sample(text, category or "", unit or "") for text, category, unit in history]
    return samples + past, len(past)


def rules_for(center: Center) -> suggest.Rules:
    """The cold start's keywords: the category tree's names, the member units'
    names, and for a department's unit the department's names and its catalog
    items' names (an item's words point at the department that implements it)."""
    from govhall.catalog.models import Item
    from govhall.catalog.search import words

    rules = suggest.Rules()
    for category in categories_active():
        rules.add("category", category.code, category.name, parts=words(category.name))
    departments: dict[int, list[str]] = {}
    for unit in units_for_dispatch(center=center).select_related("department"):
        rules.add("unit", unit.code, unit.name, weight=2.0, parts=words(unit.name))
        if unit.department_id:
            departments.setdefault(unit.department_id, []).append(unit.code)
            for name in (unit.department.name, unit.department.short_name):
                rules.add("unit", unit.code, name, weight=1.5, parts=words(name))
    items = (Item.objects.filter(department_id__in=list(departments), current__isnull=False)
             .values_list("department_id", "current__name"))
    for department_id, name in items:
        for code in departments[department_id]:
            rules.add("unit", code, name, weight=0.5, parts=words(name))
    return rules


# --- training ---------------------------------------------------------------------------

def suggest_model_train(*, actor, center: Center, at: datetime | None = None) -> SuggestModel:
    """Train ``center``'s model on its closed orders and history, measure it by
    cross-validation, store it, and record the training (one audit event).
    With too little history no file is stored: the keyword rules answer."""
    at = at or clock.now()
    manager_check(actor, center)
    started = time.perf_counter()
    samples, past = training_samples(center)
    model = suggest.train(samples)
    accuracy = {attr: suggest.cross_validate(samples, attr) for attr in ("category", "unit")} if model else {}
    seconds = time.perf_counter() - started
    with transaction.atomic():
        row = SuggestModel(center=center, trained_at=at, orders=len(samples), history=past, seconds=round(seconds, 2),
                           trained_by=person(actor))
        for attr, result in accuracy.items():
            if result is not None:
                setattr(row, f"{attr}_top1", result.top1)
                setattr(row, f"{attr}_top3", result.top3)
                row.folds = max(row.folds, result.folds)
        if model is not None:
            row.file.save(f"{center.code}-{at:%Y%m%d%H%M%S}.joblib", ContentFile(model.dumps()), save=False)
        row.save()
        audit_record(actor=actor, action="hotline_suggest_train", target=row, at=at, data={
            "center": center.code, "orders": row.orders, "history": past, "unit_top1": row.unit_top1,
            "unit_top3": row.unit_top3, "category_top1": row.category_top1, "category_top3": row.category_top3})
        transaction.on_commit(lambda: _prune_files(center))
    return row


def _prune_files(center: Center) -> None:
    """Delete the model files of all but the newest trainings (the rows stay:
    they are the accuracy's history)."""
    old = SuggestModel.objects.filter(center=center).exclude(file="")[KEEP_FILES:]
    for row in old:
        row.file.delete(save=False)
        SuggestModel.objects.filter(pk=row.pk).update(file="")


def suggest_model_latest(center: Center) -> SuggestModel | None:
    return SuggestModel.objects.filter(center=center).first()


def suggest_models_for(center: Center, limit: int = 20) -> list[SuggestModel]:
    return list(SuggestModel.objects.filter(center=center).select_related("trained_by")[:limit])


# --- suggestions --------------------------------------------------------------------------

# Loaded models per process, by center: (training row id, model). A new
# training changes the latest row, and the next suggestion loads it.
_loaded: dict[int, tuple[int, suggest.Model | None]] = {}
# Keyword rules per process, by center, rebuilt after RULES_SECONDS.
_rules: dict[int, tuple[float, suggest.Rules]] = {}
RULES_SECONDS = 300
_lock = threading.Lock()


def _model_for(center: Center) -> suggest.Model | None:
    latest = SuggestModel.objects.filter(center=center).values_list("pk", "file").first()
    if latest is None or not latest[1]:
        return None
    cached = _loaded.get(center.pk)
    if cached and cached[0] == latest[0]:
        return cached[1]
    row = SuggestModel(pk=latest[0], file=latest[1])
    try:
        with row.file.open("rb") as handle:
            model = suggest.loads(handle.read())
    except FileNotFoundError:
        model = None  # pruned or lost: the rules answer until the next training
    with _lock:
        _loaded[center.pk] = (latest[0], model)
    return model


def _rules_for_cached(center: Center) -> suggest.Rules:
    cached = _rules.get(center.pk)
    if cached and time.monotonic() - cached[0] < RULES_SECONDS:
        return cached[1]
    rules = rules_for(center)
    with _lock:
        _rules[center.pk] = (time.monotonic(), rules)
    return rules


@dataclass
class Suggestion:
    """A ranked category or unit with its row, ready to show."""

    code: str
    name: str
    pk: int
    confidence: float

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass
class Answer:
    categories: list[Suggestion]
    units: list[Suggestion]
    source: str


def suggestions_for(*, actor, text: str) -> Answer:
    """The top three categories and member units for the caller's words, each
    with a confidence: from the center's trained model, the keyword rules
    filling a head the model lacks (or everything before the first model)."""
    center = operator_check(actor)
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise DomainError(_("不能超过 %(n)d 个字。") % {"n": TEXT_MAX}, field="text")
    if not text:
        return Answer([], [], "rules")
    model = _model_for(center)
    rules = _rules_for_cached(center).predict(text)
    result = suggest.merge(model.predict(text), rules) if model else rules
    return _resolve(result, center)


def _resolve(result: suggest.Suggestions, center: Center) -> Answer:
    """Rows for the codes; a category or unit since deactivated (or not this
    hotline's) is dropped."""
    categories = {c.code: c for c in Category.objects.filter(active=True, code__in=[r.code for r in result.categories])}
    units = {u.code: u for u in units_for_dispatch(center=center).filter(code__in=[r.code for r in result.units])}
    return Answer(
        categories=[Suggestion(r.code, categories[r.code].name, categories[r.code].pk, r.confidence)
                    for r in result.categories if r.code in categories],
        units=[Suggestion(r.code, units[r.code].name, units[r.code].pk, r.confidence)
               for r in result.units if r.code in units],
        source=result.source)


def history_count(center: Center) -> int:
    return HistoryOrder.objects.filter(center=center).count()

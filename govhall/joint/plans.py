"""A theme's stages as running joint cases need them — each stage with its
lead department, its items and the stages it waits for — read once per
process for a published theme.

A theme is versioned: the stages of a version that was published never
change (``theme_configure``, the only writer of stages, refuses anything
but a draft, and the admin is read-only). Every receipt and every decision
that ends a stage walks them, so they are kept, keyed by the theme and the
moment it was published; ``theme_configure`` forgets a theme it changes.
What is kept is shared by the requests of the process: read it, never set
anything on it.
"""

from collections import defaultdict
from dataclasses import dataclass

from govhall.joint.models import Stage, StageItem, Theme, ThemeStatus


@dataclass(frozen=True)
class StagePlan:
    stage: Stage  # with its lead department
    items: tuple[StageItem, ...]  # with their items, in order
    depends_on: frozenset[int]  # the ids of the stages it waits for


_kept: dict[int, tuple[object, dict[int, StagePlan]]] = {}


def theme_plan(theme: Theme) -> dict[int, StagePlan]:
    """The stages of ``theme`` by id, in their order: three statements the
    first time, none after for a published version."""
    kept = _kept.get(theme.pk)
    if kept is not None and theme.published_at is not None and kept[0] == theme.published_at:
        return kept[1]
    items, depends_on = defaultdict(list), defaultdict(set)
    for stage_item in StageItem.objects.filter(theme_id=theme.pk).select_related("item").order_by("order", "pk"):
        items[stage_item.stage_id].append(stage_item)
    for stage_id, dependency_id in (Stage.depends_on.through.objects.filter(from_stage__theme_id=theme.pk)
                                    .values_list("from_stage_id", "to_stage_id")):
        depends_on[stage_id].add(dependency_id)
    plan = {stage.pk: StagePlan(stage, tuple(items[stage.pk]), frozenset(depends_on[stage.pk]))
            for stage in Stage.objects.filter(theme_id=theme.pk).select_related("lead_department").order_by("order")}
    if theme.status != ThemeStatus.DRAFT and theme.published_at is not None:
        _kept[theme.pk] = (theme.published_at, plan)
    return plan


def theme_plan_forget(theme: Theme) -> None:
    """Forget what is kept of ``theme`` (its stages are being changed)."""
    _kept.pop(theme.pk, None)

"""Reads of the catalog: what the portal shows, what the workbench lists,
what an item still lacks, and the interchange form of a version."""

import logging
import threading

from django.core.signals import request_finished
from django.db import connections
from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from govhall.catalog.models import Item, ItemVersion, Theme, VersionStatus
from govhall.catalog.search import Document, SearchIndex
from govhall.catalog.spec import CATCH_ALL_MARKERS, spec_missing_elements
from govhall.org.models import User
from govhall.org.selectors import scope_q


def version_missing_elements(version: ItemVersion) -> list[str]:
    """The required elements a version still lacks (待完善), in Chinese.

    A version with anything listed here cannot be published (DESIGN 3.2).
    """
    return spec_missing_elements(version_to_spec(version))


def version_quality_issues(version: ItemVersion) -> list[str]:
    """What national spot-checks of service portals keep finding (DESIGN 3.2):
    catch-all materials, steps given only as names, time limits that do not add up."""
    issues = []
    for material in version.materials.all():
        if any(marker in material.name for marker in CATCH_ALL_MARKERS):
            issues.append(_("兜底材料“%(name)s”：应列明具体材料。") % {"name": material.name})
    steps = list(version.steps.all())
    if steps and all(step.days == 0 for step in steps) and not version.immediate:
        issues.append(_("办理流程只有环节名称，未写明各环节时限。"))
    if steps and version.promised_days is not None and not version.immediate:
        total = sum(step.days for step in steps)
        if total != version.promised_days:
            issues.append(_("各环节时限合计 %(total)s 个工作日，与承诺时限 %(promised)s 个工作日不一致。")
                          % {"total": total, "promised": version.promised_days})
    return issues


def _with_children(qs: QuerySet[ItemVersion]) -> QuerySet[ItemVersion]:
    return qs.select_related("item", "item__department").prefetch_related("materials", "steps", "steps__department", "fees")


def version_to_spec(version: ItemVersion) -> dict:
    """The interchange dict of a version (see ``catalog.spec``)."""
    item = version.item
    return {
        "code": item.code,
        "base_code": item.base_code,
        "name": version.name,
        "item_type": version.item_type,
        "department": item.department.code,
        "level": version.level,
        "status": "published" if version.status == VersionStatus.PUBLISHED else "draft",
        "source": item.source,
        "group": item.group,
        "legal_basis": [dict(b) for b in version.legal_basis],
        "conditions": version.conditions,
        "procedure_class": version.procedure_class,
        "statutory_days": version.statutory_days,
        "promised_days": version.promised_days,
        "immediate": version.immediate,
        "no_fee": version.no_fee,
        "fees": [
            {"name": f.name, "amount": f"{f.amount:.2f}" if f.amount is not None else "", "rule": f.rule, "basis": f.basis}
            for f in version.fees.all()
        ],
        "result_type": version.result_type,
        "result_name": version.result_name,
        "delivery_methods": list(version.delivery_methods),
        "visits": version.visits,
        "online": version.online,
        "onsite_inspection": version.onsite_inspection,
        "consult_phone": version.consult_phone,
        "complaint_phone": version.complaint_phone,
        "location": version.location,
        "office_hours": version.office_hours,
        "materials": [
            {"name": m.name, "required": m.required, "condition": m.condition, "form": m.form, "copies": m.copies,
             "source": m.source, "source_department": m.source_department, "notes": m.notes}
            for m in version.materials.all()
        ],
        "steps": [
            {"name": s.name, "role": s.role, "days": s.days, "department": s.department.code if s.department else ""}
            for s in version.steps.all()
        ],
        "form_fields": [dict(f) for f in version.form_fields],
        "themes": sorted(t.code for t in item.themes.all()),
    }


def item_latest_version(item: Item) -> ItemVersion | None:
    """The draft being edited if there is one, else the version in force."""
    return item.versions.filter(status=VersionStatus.DRAFT).first() or item.current


def catalog_export_versions(*, user: User | None = None) -> list[ItemVersion]:
    """For every item, its latest version (draft or published), in code order;
    with ``user``, only the items of their scope (``item_list_for_staff``:
    another department's drafts are not theirs to read)."""
    items = Item.objects.order_by("code").prefetch_related("themes")
    latest = ItemVersion.objects.all()
    if user is not None:
        items = items.filter(pk__in=item_list_for_staff(user=user).values("pk"))
        latest = latest.filter(item__in=items.values("pk"))
    drafts = {v.item_id: v for v in _with_children(latest.filter(status=VersionStatus.DRAFT))}
    published = {v.item_id: v for v in _with_children(latest.filter(status=VersionStatus.PUBLISHED))}
    versions = []
    for item in items:
        version = drafts.get(item.pk) or published.get(item.pk)
        if version is not None:
            version.item = item  # carries the prefetched themes
            versions.append(version)
    return versions


def version_list_published() -> QuerySet[ItemVersion]:
    """Versions in force, for the portal."""
    return ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("item", "item__department")


def version_get_published(*, code: str, with_children: bool = True) -> ItemVersion | None:
    """The published version of the item ``code``: with its materials, steps
    and fees (a service guide), or without them (receiving a case)."""
    versions = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, item__code=code)
    versions = _with_children(versions) if with_children else versions.select_related("item", "item__department")
    # One published version per item: no ordering (the default one joins the item and its department).
    return versions.order_by().first()


def item_list_for_staff(*, user: User) -> QuerySet[Item]:
    """Items of the departments the user may see (managers: their centers')."""
    return (
        Item.objects.filter(scope_q(user, department_id="department_id", center_path="department__center__path"))
        .select_related("department", "current")
    )


def item_get_for_staff(*, user: User, item_id: int) -> Item | None:
    return item_list_for_staff(user=user).filter(pk=item_id).first()


def theme_list(*, kind: str | None = None) -> QuerySet[Theme]:
    qs = Theme.objects.all()
    return qs.filter(kind=kind) if kind else qs


def theme_published_versions(theme: Theme) -> list[ItemVersion]:
    items = theme.items.exclude(current=None).select_related("current", "department").order_by("themeitem__stage", "themeitem__order")
    return [item.current for item in items]


def version_history(item: Item) -> QuerySet[ItemVersion]:
    return item.versions.select_related("created_by", "published_by").order_by("-number")




# --- search -------------------------------------------------------------------

class _IndexCache:
    """A search index kept per process, rebuilt when its stamp changes
    (``build``: the index's class; the hotline's knowledge search has its own)."""

    def __init__(self, build=SearchIndex):
        self.lock = threading.Lock()
        self.build = build
        self.value: tuple[tuple, SearchIndex] | None = None

    def get(self, stamp: tuple, documents) -> SearchIndex:
        cached = self.value
        if cached is None or cached[0] != stamp:
            with self.lock:
                cached = self.value  # built meanwhile by another thread (the warm-up)?
                if cached is None or cached[0] != stamp:
                    cached = (stamp, self.build(documents()))
                    self.value = cached
        return cached[1]


_published_cache = _IndexCache()
_all_items_cache = _IndexCache()


def _stamp(qs: QuerySet[ItemVersion]) -> tuple:
    stamp = qs.aggregate(n=Count("id"), last=Max("updated_at"))
    return stamp["n"], stamp["last"]


def _document(version: ItemVersion, key: int) -> Document:
    return Document(key=key, name=version.name, department=version.item.department.short_name,
                    group=version.item.group, result=version.result_name)


def _published_index() -> SearchIndex:
    published = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
    return _published_cache.get(_stamp(published), lambda: (_document(v, v.pk) for v in version_list_published()))


def version_search_published(*, query: str, limit: int = 50) -> list[ItemVersion]:
    """Published versions matching a Chinese query, best first (portal)."""
    hits = _published_index().search(query, limit=limit)
    by_id = version_list_published().in_bulk([h.key for h in hits])
    return [by_id[h.key] for h in hits if h.key in by_id]


def _latest_versions():
    latest = {}
    for version in ItemVersion.objects.exclude(status=VersionStatus.SUPERSEDED).select_related("item", "item__department"):
        if version.item_id not in latest or version.number > latest[version.item_id].number:
            latest[version.item_id] = version
    return (_document(v, item_id) for item_id, v in latest.items())


def _all_items_index() -> SearchIndex:
    return _all_items_cache.get(_stamp(ItemVersion.objects.all()), _latest_versions)


def item_search_for_staff(*, user: User, query: str, limit: int = 50) -> list[Item]:
    """Items in the user's scope (drafts too) matching a Chinese query."""
    keys = [hit.key for hit in _all_items_index().search(query, limit=500)]
    by_id = item_list_for_staff(user=user).in_bulk(keys)
    return [by_id[k] for k in keys if k in by_id][:limit]


def search_warm_up() -> None:
    """Make this process ready to search: jieba's dictionary loaded, the
    portal's index and the workbench's built (what the first search would
    otherwise pay: about a second, docs/performance.md "Catalog search")."""
    _published_index()
    _all_items_index()


_warm_up_lock = threading.Lock()
_warm_up_thread: threading.Thread | None = None
logger = logging.getLogger(__name__)


def search_warm_up_after_first_request() -> None:
    """Warm the search of a web server's process (``govhall/wsgi.py``) in a
    thread of its own once the process has answered its first request: the
    server starts and answers as fast as before, and in each of gunicorn's
    workers (forked, each with its own index) the search is ready within a
    second or so of its first request — a load balancer's health check."""
    request_finished.connect(_warm_up_once, dispatch_uid="catalog_search_warm_up")


def _warm_up_once(**kwargs) -> None:
    global _warm_up_thread
    with _warm_up_lock:
        if _warm_up_thread is not None:
            return
        _warm_up_thread = threading.Thread(target=_warm_up_in_thread, name="search-warm-up", daemon=True)
        _warm_up_thread.start()
    request_finished.disconnect(dispatch_uid="catalog_search_warm_up")


def _warm_up_in_thread() -> None:
    try:
        search_warm_up()
    except Exception:  # the first search builds the index as it always could
        logger.warning("catalog search warm-up failed", exc_info=True)
    finally:
        connections.close_all()  # this thread's own connections


def delivery_labels(version: ItemVersion) -> list[str]:
    from govhall.catalog.models import DeliveryMethod

    return [str(DeliveryMethod(m).label) for m in version.delivery_methods]


def item_latest_versions(item_ids: list[int]) -> dict[int, ItemVersion]:
    """For each item, its draft if any, else the version in force (lists)."""
    latest: dict[int, ItemVersion] = {}
    for version in ItemVersion.objects.filter(item_id__in=item_ids).exclude(status=VersionStatus.SUPERSEDED):
        if version.item_id not in latest or version.number > latest[version.item_id].number:
            latest[version.item_id] = version
    return latest


def item_events(item: Item) -> list[tuple]:
    """The audit trail of an item, for people: (event, label, summary)."""
    from govhall.core.audit import audit_describe
    from govhall.core.models import AuditEvent

    events = AuditEvent.objects.filter(target_type="catalog.item", target_id=str(item.pk)).select_related("actor").order_by("-at", "-pk")
    return [(event, *audit_describe(event)) for event in events]

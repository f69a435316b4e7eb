"""Changes to the catalog: create an item, edit it (a new draft version),
publish it, import many at once, and group items into themes.

Every service checks the actor, runs in one transaction and writes audit
events. Editing never touches a published version: cases stay pinned to the
version they were accepted under (DESIGN 3.2).
"""

from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from govhall.catalog.models import FeeLine, Item, ItemVersion, Material, Step, Theme, ThemeItem, ThemeKind, VersionStatus
from govhall.catalog.selectors import version_missing_elements
from govhall.catalog.spec import SpecError, spec_clean, spec_missing_elements
from govhall.core import clock
from govhall.core.actors import Actor, is_system, person
from govhall.core.audit import audit_record, audit_record_many
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.core.uploads import FORMS, upload_check
from govhall.org.models import Department
from govhall.org.roles import Role

VERSION_FIELDS = [
    "name", "item_type", "level", "legal_basis", "conditions", "procedure_class", "statutory_days",
    "promised_days", "immediate", "no_fee", "result_type", "result_name", "delivery_methods", "visits",
    "online", "onsite_inspection", "consult_phone", "complaint_phone", "location", "office_hours", "form_fields",
]
EDITOR_ROLES = {Role.DEPARTMENT_HEAD, Role.CHIEF_REPRESENTATIVE}
PROGRESS_EVERY = 50


class SpecInvalid(DomainError):
    """A spec with errors; ``errors`` lists every one of them."""

    def __init__(self, errors: list[SpecError]):
        first = errors[0]
        super().__init__(f"{first.path}: {first.message}", field=first.path.split("[")[0].split(".")[0] or None)
        self.errors = errors


def catalog_may_edit(actor: Actor, department: Department) -> bool:
    """System administrators; center managers for departments of their
    center or below; the head and chief representative of the department."""
    if is_system(actor) or actor.is_superuser or actor.role == Role.SYSTEM_ADMIN:
        return True
    if actor.role == Role.CENTER_MANAGER and actor.center_id:
        return department.center.path.startswith(actor.center.path)
    return actor.role in EDITOR_ROLES and actor.department_id == department.pk


def _require_editor(actor: Actor, department: Department) -> None:
    if not catalog_may_edit(actor, department):
        raise NotPermitted(_("您无权编辑该部门的事项。"))


def _departments() -> dict[str, Department]:
    return {d.code: d for d in Department.objects.select_related("center")}


def _clean(spec: dict, departments: dict[str, Department]) -> dict:
    cleaned, errors = spec_clean(spec, department_codes=set(departments))
    if errors:
        raise SpecInvalid(errors)
    return cleaned


def _child_rows(version: ItemVersion, cleaned: dict, departments: dict[str, Department]) -> tuple[list, list, list]:
    """The material, step and fee rows of ``cleaned`` for ``version`` (unsaved)."""
    materials = [
        Material(version=version, order=i, **{k: m[k] for k in (
            "name", "required", "condition", "form", "copies", "source", "source_department", "notes")})
        for i, m in enumerate(cleaned["materials"], start=1)
    ]
    steps = [
        Step(version=version, order=i, name=s["name"], role=s["role"], days=s["days"],
             department=departments.get(s["department"]) if s["department"] else None)
        for i, s in enumerate(cleaned["steps"], start=1)
    ]
    fees = [
        FeeLine(version=version, order=i, name=f["name"], amount=Decimal(f["amount"]) if f["amount"] else None,
                rule=f["rule"], basis=f["basis"])
        for i, f in enumerate(cleaned["fees"], start=1)
    ]
    return materials, steps, fees


def _bulk_children(rows: list[tuple[list, list, list]]) -> None:
    Material.objects.bulk_create([m for materials, _s, _f in rows for m in materials])
    Step.objects.bulk_create([s for _m, steps, _f in rows for s in steps])
    FeeLine.objects.bulk_create([f for _m, _s, fees in rows for f in fees])


def _set_version_fields(version: ItemVersion, cleaned: dict) -> None:
    for field in VERSION_FIELDS:
        setattr(version, field, cleaned[field])


def _write_version(version: ItemVersion, cleaned: dict, departments: dict[str, Department]) -> None:
    _set_version_fields(version, cleaned)
    version.save()
    version.materials.all().delete()
    version.steps.all().delete()
    version.fees.all().delete()
    _bulk_children([_child_rows(version, cleaned, departments)])


def _set_themes(item: Item, codes: list[str]) -> None:
    themes = {t.code: t for t in Theme.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(themes))
    if unknown:
        raise SpecInvalid([SpecError("themes", _("主题编码“%(value)s”不存在。") % {"value": unknown[0]})])
    ThemeItem.objects.filter(item=item).exclude(theme__code__in=codes).delete()
    for code in codes:
        ThemeItem.objects.get_or_create(theme=themes[code], item=item)


@transaction.atomic
def item_create(*, actor: Actor, spec: dict, change_note: str = "") -> Item:
    """Create an item with its first version, as a draft (or published when
    the spec says so and the version is complete)."""
    departments = _departments()
    cleaned = _clean(spec, departments)
    department = departments[cleaned["department"]]
    _require_editor(actor, department)
    if Item.objects.filter(code=cleaned["code"]).exists():
        raise SpecInvalid([SpecError("code", _("实施编码“%(value)s”已存在。") % {"value": cleaned["code"]})])
    now = clock.now()
    item = Item.objects.create(code=cleaned["code"], base_code=cleaned["base_code"], department=department,
                               source=cleaned["source"], group=cleaned["group"], created_at=now)
    version = ItemVersion(item=item, number=1, created_by=person(actor), created_at=now, change_note=change_note or _("新建"))
    _write_version(version, cleaned, departments)
    _set_themes(item, cleaned["themes"])
    audit_record(actor=actor, action="item_create", target=item, data={"code": item.code, "version": 1})
    if cleaned["status"] == "published":
        item_publish(actor=actor, version=version)
    return item


@transaction.atomic
def item_draft_open(*, actor: Actor, item: Item) -> ItemVersion:
    """The draft to edit: the existing one, or a copy of the version in force
    (the published version itself never changes)."""
    _require_editor(actor, item.department)
    draft = item.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    if item.current is None:
        raise DomainError(_("该事项没有可复制的版本。"), field="item")
    from govhall.catalog.selectors import version_to_spec

    source = item.current
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    draft = ItemVersion(item=item, number=number, status=VersionStatus.DRAFT, created_by=person(actor), created_at=clock.now())
    departments = _departments()
    try:
        with transaction.atomic():
            _write_version(draft, _clean(version_to_spec(source), departments), departments)
    except IntegrityError:  # another editor opened the draft at the same moment
        raise Conflict(_("该事项刚被他人打开编辑，请刷新后重试。")) from None
    # The forms stay with their materials: stored files are never rewritten,
    # so the new version may point at the same ones.
    for old, new in zip(source.materials.all(), draft.materials.all()):
        if old.template or old.sample:
            new.template, new.sample = old.template.name, old.sample.name
            new.save(update_fields=["template", "sample"])
    audit_record(actor=actor, action="item_draft_open", target=item, data={"version": number, "from": source.number})
    return draft


@transaction.atomic
def version_update(*, actor: Actor, version: ItemVersion, spec: dict, change_note: str = "") -> ItemVersion:
    """Replace the content of a draft version with ``spec``."""
    item = version.item
    _require_editor(actor, item.department)
    if version.status != VersionStatus.DRAFT:
        raise DomainError(_("已发布的版本不能修改，请先打开新草稿。"), field="version")
    departments = _departments()
    cleaned = _clean({"base_code": item.base_code, "group": item.group, "source": item.source,
                      **spec, "code": item.code, "department": item.department.code}, departments)
    if (cleaned["base_code"], cleaned["group"], cleaned["source"]) != (item.base_code, item.group, item.source):
        item.base_code, item.group, item.source = cleaned["base_code"], cleaned["group"], cleaned["source"]
        item.save(update_fields=["base_code", "group", "source"])
    version.change_note = change_note
    _write_version(version, cleaned, departments)
    _set_themes(item, cleaned["themes"])
    audit_record(actor=actor, action="version_update", target=item, data={"version": version.number, "note": change_note})
    return version


@transaction.atomic
def item_edit(*, actor: Actor, item: Item, spec: dict, change_note: str = "") -> ItemVersion:
    """Save new content for an item: into its draft, or into a new draft
    opened from the version in force. All or nothing: a refused spec leaves
    no empty draft behind."""
    draft = item.versions.filter(status=VersionStatus.DRAFT).first() or item_draft_open(actor=actor, item=item)
    return version_update(actor=actor, version=draft, spec=spec, change_note=change_note)


@transaction.atomic
def item_publish(*, actor: Actor, version: ItemVersion) -> ItemVersion:
    """Publish a complete draft: it becomes the version in force; the former
    one is kept, marked superseded, with its dates."""
    item = version.item
    _require_editor(actor, item.department)
    if version.status != VersionStatus.DRAFT:
        raise DomainError(_("只有草稿可以发布。"), field="version")
    missing = version_missing_elements(version)
    if missing:
        raise DomainError(_("事项要素不全，不能发布。待完善：%(list)s。") % {"list": "、".join(missing)}, field="version")
    now = clock.now()
    # Guarded update: of two publishers of one draft, exactly one wins.
    if not ItemVersion.objects.filter(pk=version.pk, status=VersionStatus.DRAFT).update(
        status=VersionStatus.PUBLISHED, published_by=person(actor), published_at=now, updated_at=now
    ):
        raise Conflict(_("该版本刚被他人发布或修改，请刷新。"))
    if item.current_id:
        ItemVersion.objects.filter(pk=item.current_id).update(status=VersionStatus.SUPERSEDED, superseded_at=now, updated_at=now)
    item.current = version
    item.save(update_fields=["current"])
    version.refresh_from_db()
    audit_record(actor=actor, action="item_publish", target=item, data={"version": version.number})
    return version


def catalog_check_specs(
    *, actor: Actor, specs: list[tuple[str, dict]], new_theme_codes: set[str] = frozenset(),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[tuple[str, dict]], list[SpecError]]:
    """Check specs for an import without writing: every error of every spec,
    each path prefixed with its location label. Returns the cleaned specs.
    ``progress(done, total)`` is called every few specs (import jobs)."""
    departments = _departments()
    errors: list[SpecError] = []
    cleaned_all = []
    seen: dict[str, str] = {}
    theme_codes = set(Theme.objects.values_list("code", flat=True)) | set(new_theme_codes)
    department_codes = set(departments)
    for number, (where, spec) in enumerate(specs, start=1):
        if progress and (number % PROGRESS_EVERY == 0 or number == len(specs)):
            progress(number, len(specs))
        cleaned, spec_errors = spec_clean(spec, department_codes=department_codes)
        errors += [SpecError(f"{where} {e.path}".strip(), e.message) for e in spec_errors]
        code = cleaned.get("code")
        if code and code in seen:
            errors.append(SpecError(f"{where} code", _("实施编码与 %(other)s 重复。") % {"other": seen[code]}))
        seen.setdefault(code, where)
        for theme in cleaned.get("themes", []):
            if theme not in theme_codes:
                errors.append(SpecError(f"{where} themes", _("主题编码“%(value)s”不存在。") % {"value": theme}))
        if not spec_errors and not catalog_may_edit(actor, departments[cleaned["department"]]):
            errors.append(SpecError(f"{where} department", _("您无权编辑该部门的事项。")))
        if not spec_errors and cleaned["status"] == "published":
            missing = spec_missing_elements(cleaned)
            if missing:
                errors.append(SpecError(f"{where} status", _("要素不全，不能发布：%(list)s。") % {"list": "、".join(missing)}))
        cleaned_all.append((where, cleaned))
    return cleaned_all, errors


@transaction.atomic
def catalog_import_specs(*, actor: Actor, specs: list[tuple[str, dict]]) -> dict[str, int]:
    """Import many items at once, all or nothing.

    ``specs`` pairs a location label with each spec. Every error of every
    spec is collected first (``catalog_check_specs``); if there is any,
    nothing is written and ``SpecInvalid`` lists them. An existing item gets
    a new version with the imported content.
    """
    cleaned_all, errors = catalog_check_specs(actor=actor, specs=specs)
    if errors:
        raise SpecInvalid(errors)

    existing = {i.code: i for i in Item.objects.filter(code__in=[c["code"] for _w, c in cleaned_all]).select_related("department")}
    new = [c for _w, c in cleaned_all if c["code"] not in existing]
    _items_bulk_create(actor=actor, cleaned_specs=new)
    updated = unchanged = 0
    latest = _latest_specs([existing[c["code"]] for _w, c in cleaned_all if c["code"] in existing])
    for _where, cleaned in cleaned_all:
        item = existing.get(cleaned["code"])
        if item is None:
            continue
        if latest.get(item.pk) == cleaned:
            unchanged += 1  # importing the same content again makes no new version
            continue
        version = item_draft_open(actor=actor, item=item) if item.current else item.versions.get(status=VersionStatus.DRAFT)
        version_update(actor=actor, version=version, spec=cleaned, change_note=_("导入"))
        updated += 1
    to_publish = [c["code"] for _w, c in cleaned_all if c["status"] == "published"]
    drafts = ItemVersion.objects.filter(item__code__in=to_publish, status=VersionStatus.DRAFT)
    published = 0
    for version in drafts.select_related("item", "item__department__center"):
        item_publish(actor=actor, version=version)
        published += 1
    return {"created": len(new), "updated": updated, "unchanged": unchanged, "published": published}


def _latest_specs(items: list[Item]) -> dict[int, dict]:
    """The cleaned interchange form of each item's latest version, to tell
    which imported rows change nothing."""
    from govhall.catalog.selectors import item_latest_versions, version_to_spec

    if not items:
        return {}
    department_codes = set(Department.objects.values_list("code", flat=True))
    versions = item_latest_versions([i.pk for i in items])
    full = ItemVersion.objects.filter(pk__in=[v.pk for v in versions.values()]).select_related(
        "item", "item__department").prefetch_related("materials", "steps__department", "fees", "item__themes")
    return {v.item_id: spec_clean(version_to_spec(v), department_codes=department_codes)[0] for v in full}


def _items_bulk_create(*, actor: Actor, cleaned_specs: list[dict]) -> None:
    """Create many new items with their first versions in a few statements
    (an import of a whole district's catalog must take seconds, not minutes)."""
    if not cleaned_specs:
        return
    departments = _departments()
    now = clock.now()
    items = Item.objects.bulk_create([
        Item(code=c["code"], base_code=c["base_code"], department=departments[c["department"]],
             source=c["source"], group=c["group"], created_at=now)
        for c in cleaned_specs
    ])
    versions = []
    for item, cleaned in zip(items, cleaned_specs):
        version = ItemVersion(item=item, number=1, created_by=person(actor), created_at=now, change_note=_("导入"))
        _set_version_fields(version, cleaned)
        versions.append(version)
    versions = ItemVersion.objects.bulk_create(versions)
    _bulk_children([_child_rows(v, c, departments) for v, c in zip(versions, cleaned_specs)])
    themes = {t.code: t for t in Theme.objects.all()}
    ThemeItem.objects.bulk_create([
        ThemeItem(theme=themes[code], item=item) for item, c in zip(items, cleaned_specs) for code in c["themes"]
    ])
    audit_record_many(actor=actor, action="item_create", targets=[(item, {"code": item.code, "version": 1, "import": True}) for item in items])


@transaction.atomic
def theme_create(*, actor: Actor, code: str, name: str, kind: str, description: str = "", order: int = 0) -> Theme:
    """Create a theme (一件事) or life event grouping."""
    _require_theme_admin(actor)
    code = (code or "").strip()
    if not code:
        raise DomainError(_("请填写主题编码。"), field="code")
    if Theme.objects.filter(code=code).exists():
        raise DomainError(_("主题编码已存在。"), field="code")
    theme = Theme(code=code)
    _theme_fields(theme, {"name": name, "kind": kind, "description": description, "order": order})
    theme.save()
    audit_record(actor=actor, action="theme_create", target=theme, data={"code": code})
    return theme


THEME_EDITABLE = ("name", "kind", "description", "order")


@transaction.atomic
def theme_update(*, actor: Actor, theme: Theme, changes: dict) -> Theme:
    """Change a theme's name, kind, description or order (its items are
    assigned in the item editor), with one audit event naming the changes."""
    _require_theme_admin(actor)
    unknown = sorted(set(changes) - set(THEME_EDITABLE))
    if unknown:
        raise DomainError(_("该字段不能修改。"), field=unknown[0])
    before = {field: getattr(theme, field) for field in changes}
    _theme_fields(theme, changes)
    moved = {field: {"old": before[field], "new": getattr(theme, field)} for field in changes
             if before[field] != getattr(theme, field)}
    if moved:
        theme.save(update_fields=list(moved))
        audit_record(actor=actor, action="theme_update", target=theme, data={"code": theme.code, **moved})
    return theme


def _require_theme_admin(actor: Actor) -> None:
    if not is_system(actor) and not (actor.is_superuser or actor.role in {Role.SYSTEM_ADMIN, Role.CENTER_MANAGER}):
        raise NotPermitted(_("只有中心管理人员可以管理主题。"))


def _theme_fields(theme: Theme, values: dict) -> None:
    for field, value in values.items():
        if field in {"name", "description"}:
            value = (value or "").strip()
            if field == "name" and not value:
                raise DomainError(_("请填写主题名称。"), field="name")
        if field == "kind" and value not in ThemeKind.values:
            raise DomainError(_("未知的主题类型。"), field="kind")
        if field == "order" and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767):
            raise DomainError(_("排序应为 0 至 32767 的整数。"), field="order")
        setattr(theme, field, value)


# Blank forms and samples an applicant downloads: office documents and PDF
# only, checked by content (core/uploads.py).
FORM_MAX_BYTES = 5 * 1024 * 1024


@transaction.atomic
def material_attach_form(*, actor: Actor, material: Material, kind: str, filename: str, content: bytes) -> Material:
    """Attach a blank form (``template``) or a filled sample (``sample``) to a
    material of a draft version. The file is checked by size, suffix and
    content: opened as its format, free of active markup (core/uploads.py)."""
    version = material.version
    _require_editor(actor, version.item.department)
    if version.status != VersionStatus.DRAFT:
        raise DomainError(_("已发布的版本不能修改，请先打开新草稿。"), field="version")
    if kind not in {"template", "sample"}:
        raise DomainError(_("未知的表格类型。"), field="kind")
    suffix = upload_check(filename=filename, content=content, allowed=FORMS, max_bytes=FORM_MAX_BYTES).suffix
    stored = f"{version.item.base_code}-v{version.number}-{material.order}-{kind}{suffix}"
    getattr(material, kind).save(stored, ContentFile(content), save=False)
    material.save(update_fields=[kind])
    audit_record(actor=actor, action="material_attach_form", target=version.item,
                 data={"version": version.number, "material": material.order, "kind": kind, "size": len(content)})
    return material


@transaction.atomic
def item_form_attach(*, actor: Actor, item: Item, order: int, kind: str, filename: str, content: bytes) -> ItemVersion:
    """Attach a form to material ``order`` of the item's draft (opened from the
    version in force if needed); a refused file leaves no draft behind."""
    draft = item.versions.filter(status=VersionStatus.DRAFT).first() or item_draft_open(actor=actor, item=item)
    material = draft.materials.filter(order=order).first()
    if material is None:
        raise DomainError(_("没有该序号的材料。"), field="order")
    material_attach_form(actor=actor, material=material, kind=kind, filename=filename, content=content)
    return draft

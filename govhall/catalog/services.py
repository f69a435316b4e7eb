"""Changes to the catalog: create an item, edit it (a new draft version),
publish it, import many at once, and group items into themes.

Every service checks the actor, runs in one transaction and writes audit
events. Editing never touches a published version: cases stay pinned to the
version they were accepted under (DESIGN 3.2).
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from govhall.catalog.models import FeeLine, Item, ItemVersion, Material, Step, Theme, ThemeItem, VersionStatus
from govhall.catalog.selectors import version_missing_elements
from govhall.catalog.spec import SpecError, spec_clean, spec_missing_elements
from govhall.core import clock
from govhall.core.audit import audit_record
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.org.models import Department, User
from govhall.org.roles import Role

VERSION_FIELDS = [
    "name", "item_type", "level", "legal_basis", "conditions", "procedure_class", "statutory_days",
    "promised_days", "immediate", "no_fee", "result_type", "result_name", "delivery_methods", "visits",
    "online", "onsite_inspection", "consult_phone", "complaint_phone", "location", "office_hours",
]
EDITOR_ROLES = {Role.DEPARTMENT_HEAD, Role.CHIEF_REPRESENTATIVE}


class SpecInvalid(DomainError):
    """A spec with errors; ``errors`` lists every one of them."""

    def __init__(self, errors: list[SpecError]):
        first = errors[0]
        super().__init__(f"{first.path}: {first.message}", field=first.path.split("[")[0].split(".")[0] or None)
        self.errors = errors


def catalog_may_edit(actor: User | None, department: Department) -> bool:
    """System administrators; center managers for departments of their
    center or below; the head and chief representative of the department."""
    if actor is None or actor.is_superuser or actor.role == Role.SYSTEM_ADMIN:
        return True
    if actor.role == Role.CENTER_MANAGER and actor.center_id:
        return department.center.path.startswith(actor.center.path)
    return actor.role in EDITOR_ROLES and actor.department_id == department.pk


def _require_editor(actor: User | None, department: Department) -> None:
    if not catalog_may_edit(actor, department):
        raise NotPermitted(_("您无权编辑该部门的事项。"))


def _departments() -> dict[str, Department]:
    return {d.code: d for d in Department.objects.select_related("center")}


def _clean(spec: dict, departments: dict[str, Department]) -> dict:
    cleaned, errors = spec_clean(spec, department_codes=set(departments))
    if errors:
        raise SpecInvalid(errors)
    return cleaned


def _write_version(version: ItemVersion, cleaned: dict, departments: dict[str, Department]) -> None:
    for field in VERSION_FIELDS:
        setattr(version, field, cleaned[field])
    version.save()
    version.materials.all().delete()
    version.steps.all().delete()
    version.fees.all().delete()
    Material.objects.bulk_create([
        Material(version=version, order=i, **{k: m[k] for k in (
            "name", "required", "condition", "form", "copies", "source", "source_department", "notes")})
        for i, m in enumerate(cleaned["materials"], start=1)
    ])
    Step.objects.bulk_create([
        Step(version=version, order=i, name=s["name"], role=s["role"], days=s["days"],
             department=departments.get(s["department"]) if s["department"] else None)
        for i, s in enumerate(cleaned["steps"], start=1)
    ])
    FeeLine.objects.bulk_create([
        FeeLine(version=version, order=i, name=f["name"], amount=Decimal(f["amount"]) if f["amount"] else None,
                rule=f["rule"], basis=f["basis"])
        for i, f in enumerate(cleaned["fees"], start=1)
    ])


def _set_themes(item: Item, codes: list[str]) -> None:
    themes = {t.code: t for t in Theme.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(themes))
    if unknown:
        raise SpecInvalid([SpecError("themes", _("主题编码“%(value)s”不存在。") % {"value": unknown[0]})])
    ThemeItem.objects.filter(item=item).exclude(theme__code__in=codes).delete()
    for code in codes:
        ThemeItem.objects.get_or_create(theme=themes[code], item=item)


@transaction.atomic
def item_create(*, actor: User | None, spec: dict, change_note: str = "") -> Item:
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
                               source=cleaned["source"], created_at=now)
    version = ItemVersion(item=item, number=1, created_by=actor, created_at=now, change_note=change_note or _("新建"))
    _write_version(version, cleaned, departments)
    _set_themes(item, cleaned["themes"])
    audit_record(actor=actor, action="item_create", target=item, data={"code": item.code, "version": 1})
    if cleaned["status"] == "published":
        item_publish(actor=actor, version=version)
    return item


@transaction.atomic
def item_draft_open(*, actor: User | None, item: Item) -> ItemVersion:
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
    draft = ItemVersion(item=item, number=number, status=VersionStatus.DRAFT, created_by=actor, created_at=clock.now())
    departments = _departments()
    try:
        with transaction.atomic():
            _write_version(draft, _clean(version_to_spec(source), departments), departments)
    except IntegrityError:  # another editor opened the draft at the same moment
        raise Conflict(_("该事项刚被他人打开编辑，请刷新后重试。")) from None
    audit_record(actor=actor, action="item_draft_open", target=item, data={"version": number, "from": source.number})
    return draft


@transaction.atomic
def version_update(*, actor: User | None, version: ItemVersion, spec: dict, change_note: str = "") -> ItemVersion:
    """Replace the content of a draft version with ``spec``."""
    item = version.item
    _require_editor(actor, item.department)
    if version.status != VersionStatus.DRAFT:
        raise DomainError(_("已发布的版本不能修改，请先打开新草稿。"), field="version")
    departments = _departments()
    cleaned = _clean({**spec, "code": item.code, "department": item.department.code,
                      "base_code": spec.get("base_code") or item.base_code}, departments)
    if cleaned["base_code"] != item.base_code:
        item.base_code = cleaned["base_code"]
        item.save(update_fields=["base_code"])
    version.change_note = change_note
    _write_version(version, cleaned, departments)
    _set_themes(item, cleaned["themes"])
    audit_record(actor=actor, action="version_update", target=item, data={"version": version.number, "note": change_note})
    return version


@transaction.atomic
def item_publish(*, actor: User | None, version: ItemVersion) -> ItemVersion:
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
        status=VersionStatus.PUBLISHED, published_by=actor, published_at=now
    ):
        raise Conflict(_("该版本刚被他人发布或修改，请刷新。"))
    if item.current_id:
        ItemVersion.objects.filter(pk=item.current_id).update(status=VersionStatus.SUPERSEDED, superseded_at=now)
    item.current = version
    item.save(update_fields=["current"])
    version.refresh_from_db()
    audit_record(actor=actor, action="item_publish", target=item, data={"version": version.number})
    return version


def catalog_check_specs(
    *, actor: User | None, specs: list[tuple[str, dict]], new_theme_codes: set[str] = frozenset()
) -> tuple[list[tuple[str, dict]], list[SpecError]]:
    """Check specs for an import without writing: every error of every spec,
    each path prefixed with its location label. Returns the cleaned specs."""
    departments = _departments()
    errors: list[SpecError] = []
    cleaned_all = []
    seen: dict[str, str] = {}
    theme_codes = set(Theme.objects.values_list("code", flat=True)) | set(new_theme_codes)
    for where, spec in specs:
        cleaned, spec_errors = spec_clean(spec, department_codes=set(departments))
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
def catalog_import_specs(*, actor: User | None, specs: list[tuple[str, dict]]) -> dict[str, int]:
    """Import many items at once, all or nothing.

    ``specs`` pairs a location label with each spec. Every error of every
    spec is collected first (``catalog_check_specs``); if there is any,
    nothing is written and ``SpecInvalid`` lists them. An existing item gets
    a new version with the imported content.
    """
    cleaned_all, errors = catalog_check_specs(actor=actor, specs=specs)
    if errors:
        raise SpecInvalid(errors)

    created = updated = published = 0
    existing = {i.code: i for i in Item.objects.filter(code__in=[c["code"] for _, c in cleaned_all]).select_related("department")}
    for _where, cleaned in cleaned_all:
        item = existing.get(cleaned["code"])
        publish = cleaned["status"] == "published"
        if item is None:
            item = item_create(actor=actor, spec={**cleaned, "status": "draft"}, change_note=_("导入"))
            version = item.versions.get()
            created += 1
        else:
            version = item_draft_open(actor=actor, item=item) if item.current else item.versions.get(status=VersionStatus.DRAFT)
            version_update(actor=actor, version=version, spec=cleaned, change_note=_("导入"))
            updated += 1
        if publish:
            item_publish(actor=actor, version=version)
            published += 1
    return {"created": created, "updated": updated, "published": published}


@transaction.atomic
def theme_create(*, actor: User | None, code: str, name: str, kind: str, description: str = "", order: int = 0) -> Theme:
    """Create a theme (一件事) or life event grouping."""
    if actor is not None and not (actor.is_superuser or actor.role in {Role.SYSTEM_ADMIN, Role.CENTER_MANAGER}):
        raise NotPermitted(_("只有中心管理人员可以管理主题。"))
    if Theme.objects.filter(code=code).exists():
        raise DomainError(_("主题编码已存在。"), field="code")
    theme = Theme.objects.create(code=code, name=name, kind=kind, description=description, order=order)
    audit_record(actor=actor, action="theme_create", target=theme, data={"code": code})
    return theme

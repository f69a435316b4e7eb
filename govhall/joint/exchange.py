"""Joint-approval themes (并联审批主题) in the catalog's interchange files
(docs/catalog-format.md, "Joint-approval themes"): exported with the
catalog — in the workbook one row per stage, in JSON a ``joint_themes``
list — and imported after the items of the same file, so that a stage may
name an item that file brings.

Import checks the file first (every bad cell named: missing names, unknown
centers, departments, item codes and dependency stages, cycles), then
writes through the joint services only — ``theme_create``,
``theme_revise``, ``theme_update``, ``theme_configure``, ``theme_publish`` —
inside the catalog import's one transaction; a refusal of a service is
located in the file the same way and undoes the whole import.
"""

from django.utils.translation import gettext as _

from govhall.catalog.exchange import (
    LIST_SEPARATOR,
    Column,
    ImportRefused,
    Locator,
    _JsonLocator,
    _label,
    _read_sheet,
    _sheet,
)
from govhall.catalog.models import Item
from govhall.core.actors import Actor
from govhall.core.errors import DomainError, NotPermitted
from govhall.joint import services as joint
from govhall.joint.models import WHOLE_DAYS_DEFAULT, Theme, ThemeStatus
from govhall.joint.selectors import theme_list_administered
from govhall.org.models import Center, Department, User

KEY = "joint_themes"
SHEET = "并联审批主题"
# The theme's own cells: written on each of its rows; on a later row of the
# same theme they may be left empty, and must agree when filled.
THEME_COLUMNS = [
    Column("code", "主题编码"), Column("name", "主题名称"), Column("center", "中心编码"),
    Column("whole_days", "整体时限（工作日）", "int"), Column("status", "状态", "choice", None), Column("description", "说明"),
]
STAGE_COLUMNS = [
    Column("order", "阶段序号", "int"), Column("stage_name", "阶段名称"), Column("lead_department", "牵头部门编码"),
    Column("stage_days", "阶段时限（工作日）", "int"), Column("depends_on", "前置阶段"), Column("items", "事项编码"),
]
# Spec key of each stage column (the row's keys must differ from the theme's).
STAGE_KEYS = {"stage_name": "name", "lead_department": "lead_department", "stage_days": "stage_days",
              "depends_on": "depends_on", "items": "items"}
DETAILS = ("name", "whole_days", "description")


# --- export ---------------------------------------------------------------------

def theme_spec(theme: Theme) -> dict:
    """A theme version in the interchange form; its stages as
    ``configured_stages`` gives them (the shape ``theme_configure`` takes)."""
    return {"code": theme.code, "name": theme.name, "center": theme.center.code, "whole_days": theme.whole_days,
            "status": ThemeStatus.PUBLISHED if theme.status == ThemeStatus.PUBLISHED else ThemeStatus.DRAFT,
            "description": theme.description, "stages": joint.configured_stages(theme)}


def _latest(themes) -> dict[str, Theme]:
    """The latest version of each theme (its draft, else its published one)."""
    latest: dict[str, Theme] = {}
    for theme in themes.exclude(status=ThemeStatus.SUPERSEDED).select_related("center").order_by("code", "-version"):
        latest.setdefault(theme.code, theme)
    return latest


def themes_export(*, user: User | None = None) -> list[dict]:
    """Every theme's latest version; with ``user``, those he configures
    (``theme_list_administered``: his center and below, or all for system
    administrators; none for anyone else)."""
    themes = Theme.objects.all() if user is None else theme_list_administered(user=user)
    return [theme_spec(theme) for theme in _latest(themes).values()]


def themes_sheet(workbook, specs: list[dict]) -> None:
    """The workbook's sheet: one row per stage, the theme's cells on each."""
    def cells(order: int, stage: dict) -> list:
        values = {"order": order, **{column: stage.get(key) for column, key in STAGE_KEYS.items()}}
        values.update(depends_on=LIST_SEPARATOR.join(stage["depends_on"]), items=LIST_SEPARATOR.join(stage["items"]))
        return [values[c.key] if values[c.key] != "" else None for c in STAGE_COLUMNS]

    rows = []
    for spec in specs:
        head = [_label(c, spec[c.key]) for c in THEME_COLUMNS]
        rows += [head + cells(order, stage) for order, stage in enumerate(spec["stages"], start=1)] \
            or [head + [None] * len(STAGE_COLUMNS)]
    _sheet(workbook, SHEET, THEME_COLUMNS + STAGE_COLUMNS, rows)


# --- reading a file -------------------------------------------------------------------

def _strings(value, where: str, errors: list) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append((where, _("应为文字的列表。")))
        return []
    return [v.strip() for v in value]


def themes_from_json(value, errors: list) -> list[tuple[Locator, dict]]:
    """The ``joint_themes`` list of a JSON file, its shapes checked."""
    if not isinstance(value, list):
        errors.append((KEY, _("应为列表。")))
        return []
    entries = []
    for index, raw in enumerate(value):
        locator = _JsonLocator(index, key=KEY)
        if not isinstance(raw, dict):
            errors.append((locator.default, _("主题应写明编码、名称、中心和阶段。")))
            continue
        spec = {}
        for key in ("code", "name", "center", "description"):
            text = raw.get(key)
            if text is not None and not isinstance(text, str):
                errors.append((locator.at(key), _("应为文字。")))
            spec[key] = text.strip() if isinstance(text, str) else ""
        spec["whole_days"] = WHOLE_DAYS_DEFAULT if raw.get("whole_days") is None else raw["whole_days"]
        spec["status"] = raw.get("status") or ThemeStatus.DRAFT
        if spec["status"] not in (ThemeStatus.DRAFT, ThemeStatus.PUBLISHED):
            errors.append((locator.at("status"), _("应为 draft 或 published。")))
        stages = raw.get("stages", [])
        if not isinstance(stages, list):
            errors.append((locator.at("stages"), _("应为列表。")))
            stages = []
        spec["stages"] = []
        for position, stage in enumerate(stages):
            where = locator.at(f"stages[{position}]")
            if not isinstance(stage, dict):
                errors.append((where, _("阶段应写明名称、牵头部门和事项。")))
                continue
            name, lead = stage.get("name"), stage.get("lead_department")
            spec["stages"].append({
                "name": name.strip() if isinstance(name, str) else "",
                "lead_department": lead.strip() if isinstance(lead, str) else "",
                "stage_days": stage.get("stage_days"),  # checked by theme_configure
                "items": _strings(stage.get("items", []), f"{where}.items", errors),
                "depends_on": _strings(stage.get("depends_on", []), f"{where}.depends_on", errors),
            })
        entries.append((locator, spec))
    return entries


def _split(text: str, *, commas: bool) -> list[str]:
    """A cell's list: joined with 、 (item codes also by commas or spaces;
    a stage name may hold a comma)."""
    if commas:
        text = " ".join(text.replace(",", " ").replace("，", " ").split()).replace(" ", LIST_SEPARATOR)
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def themes_from_workbook(workbook, errors: list) -> list[tuple[Locator, dict]]:
    """The sheet's rows grouped by theme code, the stages in the order of
    their 阶段序号. A workbook without the sheet has no themes."""
    if SHEET not in workbook.sheetnames:
        return []
    themes: dict[str, tuple[Locator, dict, list]] = {}
    for number, values, places in _read_sheet(workbook, SHEET, THEME_COLUMNS + STAGE_COLUMNS, errors,
                                              required=False):
        code = values["code"]
        if not code:
            errors.append((places["code"], _("请填写主题编码。")))
            continue
        if code not in themes:
            locator = Locator(f"{SHEET}!{number}")
            locator.places.update({c.key: places[c.key] for c in THEME_COLUMNS}, stages=locator.default)
            themes[code] = (locator, {c.key: values[c.key] for c in THEME_COLUMNS}, [])
        locator, spec, _rows = themes[code]
        for column in THEME_COLUMNS[1:]:  # taken from the row that fills it
            value = values[column.key]
            if value in ("", None):
                continue
            if spec[column.key] in ("", None):
                spec[column.key] = value
                locator.places[column.key] = places[column.key]
            elif value != spec[column.key]:
                errors.append((places[column.key], _("与本主题第 %(row)s 行不一致。")
                               % {"row": locator.places[column.key].split("!")[1].split(" ")[0]}))
        if all(values[c.key] in ("", None) for c in STAGE_COLUMNS):
            continue  # a theme without stages yet
        if values["order"] is None:
            errors.append((places["order"], _("请填写阶段序号。")))
            continue
        themes[code][2].append((values["order"], number, values, places))
    entries = []
    for locator, spec, rows in themes.values():
        spec["whole_days"] = WHOLE_DAYS_DEFAULT if spec["whole_days"] is None else spec["whole_days"]
        spec["status"] = spec["status"] or ThemeStatus.DRAFT
        spec["stages"] = []
        seen: dict[int, int] = {}
        for order, number, values, places in sorted(rows, key=lambda row: row[:2]):
            if order in seen:  # reported, the stage still read (no follow-on errors)
                errors.append((places["order"], _("阶段序号与第 %(row)s 行重复。") % {"row": seen[order]}))
            seen.setdefault(order, number)
            index = len(spec["stages"])
            spec["stages"].append({
                "name": values["stage_name"], "lead_department": values["lead_department"],
                "stage_days": values["stage_days"],
                "items": _split(values["items"], commas=True), "depends_on": _split(values["depends_on"], commas=False),
            })
            locator.places[f"stages[{index}]"] = f"{SHEET}!{number}"
            locator.places.update({f"stages[{index}].{key}": places[column] for column, key in STAGE_KEYS.items()})
        entries.append((locator, spec))
    return entries


# --- checking and writing ---------------------------------------------------------------

def themes_check(entries: list[tuple[Locator, dict]], *, item_codes: set[str]) -> list[tuple[str, str]]:
    """Every error the file can be checked for before anything is written:
    names, centers, lead departments, item codes (of the catalog or of
    this file), dependencies and their cycles. The services check again."""
    errors: list[tuple[str, str]] = []
    codes = [spec["code"] for _locator, spec in entries if spec["code"]]
    centers = {c.code: c for c in Center.objects.filter(code__in=[spec["center"] for _l, spec in entries])}
    existing = _latest(Theme.objects.filter(code__in=codes))
    departments = list(Department.objects.select_related("center"))
    known_items = item_codes | set(Item.objects.filter(
        code__in=[code for _l, spec in entries for stage in spec["stages"] for code in stage["items"]],
    ).values_list("code", flat=True))
    seen: set[str] = set()
    for locator, spec in entries:
        found: list[tuple[str, str]] = []
        if not spec["code"]:
            found.append(("code", _("请填写主题编码。")))
        elif spec["code"] in seen:
            found.append(("code", _("主题编码“%(code)s”重复。") % {"code": spec["code"]}))
        seen.add(spec["code"])
        if not spec["name"]:
            found.append(("name", _("请填写主题名称。")))
        center = centers.get(spec["center"])
        if center is None:
            found.append(("center", _("没有编码为“%(code)s”的中心。") % {"code": str(spec["center"])[:40]}))
        elif spec["code"] in existing and existing[spec["code"]].center_id != center.pk:
            found.append(("center", _("主题“%(code)s”属于%(center)s，不能改到其他中心。")
                          % {"code": spec["code"], "center": existing[spec["code"]].center}))
        found += _stages_check(spec["stages"], center, departments, known_items)
        errors += [(locator.at(path), message) for path, message in found]
    return errors


def _stages_check(stages: list[dict], center: Center | None, departments: list[Department],
                  known_items: set[str]) -> list[tuple[str, str]]:
    errors = []
    names = {stage["name"] for stage in stages if stage["name"]}
    leads = {d.code for d in departments if center is not None and d.center.path.startswith(center.path)}
    all_departments = {d.code for d in departments}
    named: set[str] = set()
    for index, stage in enumerate(stages):
        where = f"stages[{index}]"
        if not stage["name"]:
            errors.append((f"{where}.name", _("请填写阶段名称。")))
        elif stage["name"] in named:
            errors.append((f"{where}.name", _("阶段名称“%(name)s”重复。") % {"name": stage["name"]}))
        named.add(stage["name"])
        lead = stage["lead_department"]
        if not lead:
            errors.append((f"{where}.lead_department", _("请填写牵头部门编码。")))
        elif lead not in all_departments:
            errors.append((f"{where}.lead_department", _("没有编码为“%(code)s”的部门。") % {"code": lead[:40]}))
        elif center is not None and lead not in leads:
            errors.append((f"{where}.lead_department", _("部门“%(code)s”不属于本主题的中心或其下级中心。") % {"code": lead}))
        if not stage["items"]:
            errors.append((f"{where}.items", _("请至少填写一个事项编码。")))
        for position, code in enumerate(stage["items"]):
            if code not in known_items:
                errors.append((f"{where}.items[{position}]",
                               _("没有编码为“%(code)s”的事项（本文件和事项目录中均无）。") % {"code": code[:80]}))
        for position, other in enumerate(stage["depends_on"]):
            if other not in names or other == stage["name"]:
                errors.append((f"{where}.depends_on[{position}]",
                               _("前置阶段“%(name)s”不是本主题的另一阶段。") % {"name": other[:50]}))
    if not errors:
        order = {stage["name"]: index for index, stage in enumerate(stages)}
        cycle = joint._cycle([{"depends_on": [order[o] for o in stage["depends_on"]]} for stage in stages])
        if cycle is not None:
            errors.append((f"stages[{cycle[0]}].depends_on", _("前置阶段形成循环：%(path)s。")
                           % {"path": " → ".join(stages[i]["name"] for i in cycle)}))
    return errors


def _stages(spec: dict) -> list[dict]:
    """The stages as compared (dependencies as sets: their order in a cell
    means nothing; no time limit of its own as None)."""
    return [{**stage, "stage_days": stage.get("stage_days"), "depends_on": sorted(stage["depends_on"])}
            for stage in spec["stages"]]


def _content(spec: dict) -> dict:
    """What an import compares: the details, the status and the stages."""
    return {**{key: spec[key] for key in (*DETAILS, "status")}, "stages": _stages(spec)}


def themes_import(*, actor: Actor, entries: list[tuple[Locator, dict]]) -> dict[str, int]:
    """Write the checked themes through the joint services, inside the
    caller's transaction: a new code is created as a draft and configured;
    an existing theme whose latest version differs gets a new draft
    (``theme_revise``, or its open draft) with the file's details and
    stages; one equal to its latest version is left alone. A theme the file
    says is published (已发布) is published, as the catalog's items are.
    Raises ``ImportRefused`` with every refusal located in the file."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "published": 0}
    errors: list[tuple[str, str]] = []
    latest = _latest(Theme.objects.filter(code__in=[spec["code"] for _l, spec in entries]))
    centers = {c.code: c for c in Center.objects.filter(code__in=[spec["center"] for _l, spec in entries])}
    for locator, spec in entries:
        try:
            outcome = _theme_write(actor, spec, latest.get(spec["code"]), centers[spec["center"]])
        except NotPermitted as error:
            errors.append((locator.at("center"), error.message))
        except DomainError as error:
            errors.append((locator.at(error.field or ""), error.message))
        else:
            counts[outcome] += 1
            counts["published"] += spec["status"] == ThemeStatus.PUBLISHED and outcome != "unchanged"
    if errors:
        raise ImportRefused(errors)
    return counts


def _theme_write(actor: Actor, spec: dict, theme: Theme | None, center: Center) -> str:
    details = {key: spec[key] for key in DETAILS}
    if theme is None:
        theme = joint.theme_create(actor=actor, center=center, code=spec["code"], **details)
        outcome = "created"
    else:
        current = theme_spec(theme)
        if _content(current) == _content(spec):
            return "unchanged"
        if theme.status == ThemeStatus.PUBLISHED:
            try:
                theme = joint.theme_revise(actor=actor, theme=theme)
            except NotPermitted:
                raise
            except DomainError as error:  # about the version in force, not a cell of the file
                raise DomainError(error.message, field="code") from None
        if any(current[key] != spec[key] for key in DETAILS):
            joint.theme_update(actor=actor, theme=theme, **details)
        outcome = "updated"
    # A new theme may come without stages (configured later); an existing
    # one given none is refused by theme_configure (at least one stage).
    if (spec["stages"] or outcome == "updated") and _stages(spec) != _stages(theme_spec(theme)):
        joint.theme_configure(actor=actor, theme=theme, stages=spec["stages"])
    if spec["status"] == ThemeStatus.PUBLISHED:
        joint.theme_publish(actor=actor, theme=theme)
    return outcome

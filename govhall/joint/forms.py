"""The combined application form (一表制) of a theme: the union of its
items' own fields (``ItemVersion.form_fields``) and materials, each asked
once — a field by its key, a material by its name — with the items that
share it."""

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.utils.translation import gettext as _

from govhall.catalog.application_form import delivery_offered
from govhall.core.errors import DomainError

# What must agree when two items ask under the same key: the answer is one.
_SHAPE = ("type", "options", "min", "max", "max_length")


@dataclass(frozen=True)
class CombinedForm:
    """``fields``: each key once (required when any item requires it), with
    ``items``, the names of the items asking; ``materials``: each name once
    (required when an item requires it from the applicant), with ``items``;
    ``delivery_methods``: the ones every item offers (one delivery for all)."""

    fields: list[dict]
    materials: list[dict]
    delivery_methods: list[str] = dataclass_field(default_factory=list)


def theme_form(versions: list, *, check: bool = False) -> CombinedForm:
    """The combined form of the item ``versions`` (in stage order). With
    ``check``, a key two items define differently (type, options or bounds)
    is refused: the combined form could not ask it once."""
    fields: dict[str, dict] = {}
    materials: dict[str, dict] = {}
    for version in versions:
        for field in version.form_fields or []:
            known = fields.get(field["key"])
            if known is None:
                fields[field["key"]] = {**field, "items": [version.name]}
                continue
            if check and any(known.get(part) != field.get(part) for part in _SHAPE):
                raise DomainError(_("事项“%(a)s”与“%(b)s”的申请表字段“%(key)s”定义不一致，一表制无法合并。")
                                  % {"a": known["items"][0], "b": version.name, "key": field["key"]}, field="stages")
            known["required"] = known.get("required") or field.get("required")
            known["items"].append(version.name)
        # A version kept by the cases' selectors carries its materials.
        kept = getattr(version, "_ordered_materials", None)
        for material in kept if kept is not None else version.materials.all():
            known = materials.get(material.name)
            if known is None:
                known = materials[material.name] = {"name": material.name, "required": False, "exempt": True,
                                                    "items": []}
            known["required"] = known["required"] or material.handed_in_required
            known["exempt"] = known["exempt"] and material.exempt
            known["items"].append(version.name)
    return CombinedForm(fields=list(fields.values()), materials=list(materials.values()),
                        delivery_methods=delivery_offered(*versions))

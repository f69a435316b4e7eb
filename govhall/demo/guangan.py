"""Reader of the real item list of 广安市广安区 (shared/data/real-catalog-guangan).

The file is a JavaScript assignment of one JSON array: department →
groupings (``main_item``) → items with a portal link whose query string
carries the implementation code, the item type and the department code.
This module reads the departments now; the catalog importer reads the items.
"""

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

SOURCE_NOTE = "四川政务服务网 广安区办事指南清单（shared/data/real-catalog-guangan）"


# A copy of shared/data/real-catalog-guangan ships with the package (Apache-2.0,
# see LICENSE and SOURCE.md beside it), so a fresh clone runs the demo alone.
DATA_PATH = Path(__file__).resolve().parent / "data" / "real-catalog-guangan" / "bszl-data.js"


def data_path() -> Path:
    return DATA_PATH


def read_raw(path: Path | None = None) -> list[dict]:
    text = (path or data_path()).read_text(encoding="utf-8")
    # "const bszlData = [ … ];" — the array is the JSON between the outer brackets.
    return json.loads(text[text.index("[") : text.rindex("]") + 1])


@dataclass(frozen=True)
class SourceDepartment:
    short_name: str
    portal_code: str       # deptCode of the portal links (most frequent)
    credit_code: str       # unified social credit code from the implementation codes
    item_count: int


def _credit_code(item_code: str) -> str:
    # <base code>-<area code>-000-<credit code>-<n>-00; base codes may contain dashes.
    parts = item_code.split("-")
    return parts[-3] if len(parts) >= 4 else ""


def read_departments(path: Path | None = None) -> list[SourceDepartment]:
    """The 34 departments in file order, with their codes."""
    departments = []
    for entry in read_raw(path):
        portal_codes: Counter[str] = Counter()
        credit_codes: Counter[str] = Counter()
        count = 0
        for group in entry["items"]:
            for item in group["sub_items"]:
                query = parse_qs(urlparse(item["link"]).query)
                portal_codes[query.get("deptCode", [""])[0].split("_")[0]] += 1
                credit_codes[_credit_code(query.get("itemCode", [""])[0])] += 1
                count += 1
        departments.append(
            SourceDepartment(
                short_name=entry["department"],
                portal_code=portal_codes.most_common(1)[0][0],
                credit_code=credit_codes.most_common(1)[0][0][:18],
                item_count=count,
            )
        )
    return departments

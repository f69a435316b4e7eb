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


# taskType of the portal links → our item types (SOURCE.md; checked against
# the names: every taskType 1 item is a 许可/审批/核发/登记 kind of name).
TASK_TYPES = {
    "1": "licensing", "5": "payment", "7": "confirmation", "8": "reward",
    "9": "adjudication", "10": "other_power", "20": "public_service",
}
AREA_CODE = "511602000000"


def base_code_of(item_code: str) -> str:
    """The base code (基本编码) at the head of an implementation code.

    Usually the part before the area code (511A0118400009-511602000000-…);
    codes of the lettered national series keep three segments (G-000007-001).
    """
    head = item_code.split(f"-{AREA_CODE}-")[0]
    if head != item_code:
        return head
    parts = item_code.split("-")
    return "-".join(parts[:3]) if len(parts[0]) == 1 else parts[0]


def read_items(path: Path | None = None) -> list[dict]:
    """Every item of the list as a draft catalog spec (names, codes, types,
    departments, groupings); the missing elements stay empty (待完善)."""
    specs = []
    for number, entry in enumerate(read_raw(path), start=1):
        for group in entry["items"]:
            group_name = "" if group["main_item"] == "未分类" else group["main_item"]
            for item in group["sub_items"]:
                query = parse_qs(urlparse(item["link"]).query)
                code = query["itemCode"][0]
                specs.append({
                    "code": code,
                    "base_code": base_code_of(code),
                    "name": item["name"].strip(),
                    "item_type": TASK_TYPES[query["taskType"][0]],
                    "department": f"511602-{number:02d}",
                    "group": group_name,
                    "source": SOURCE_NOTE,
                })
    return specs

"""What the load run's simulated people need to know about the loaded hall,
read once from its database after ``govhall demo`` and written as JSON for
the locustfile: the published items and where they are received, the
staff who have work, case numbers with their query codes.

Run by load/run.py with the load environment's settings:
``python load/fixture.py OUT.json``. Reads only.
"""

import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")

import django

django.setup()

from govhall.cases.models import Case
from govhall.cases.policy import may_have_duties, may_receive
from govhall.catalog import selectors as catalog_selectors
from govhall.core import clock
from govhall.org.models import Action as Grant
from govhall.org.models import Role, User
from govhall.org.selectors import staff_authorizations

# Words people type into the portal's search box (partial names, colloquial).
SEARCH_WORDS = ["营业执照", "个体工商户", "户口", "社保", "医保", "不动产", "食品经营", "施工许可", "公章",
                "发票", "残疾人", "退役军人", "养老", "出生", "道路运输", "林木采伐", "卫生许可", "税务登记",
                "身份证", "低保"]
PROGRESS_SAMPLE = 400


def _answerable(version) -> bool:
    """An item whose own form asks nothing required: the simulated people
    answer only the standard fields (applicant, delivery)."""
    return not any(f.get("required") for f in version.form_fields or [])


def _item(version) -> dict:
    return {"code": version.item.code, "immediate": version.immediate,
            "materials": [m.order for m in version.materials.all() if m.handed_in_required]}


def fixture() -> dict:
    today = clock.today()
    versions = [v for v in catalog_selectors.version_list_published().prefetch_related("materials")
                if _answerable(v)]
    receivers = {}
    for user in User.objects.filter(is_active=True, role__in=[Role.CLERK, Role.CHIEF_REPRESENTATIVE]).order_by("username"):
        if not may_receive(user, today=today):
            continue
        grants = staff_authorizations(user, on=today)
        items = [_item(v) for v in versions
                 if any((v.item.department_id, Grant.ACCEPT, code) in grants for code in ("", v.item.base_code))]
        if items:
            receivers[user.username] = items
    staff = [u.username for u in User.objects.filter(is_active=True).exclude(role=Role.APPLICANT).order_by("username")
             if u.role != Role.CLERK and may_have_duties(u, today=today)]
    cases = list(Case.objects.exclude(query_code="").exclude(state="draft").values_list("number", "query_code"))
    random.Random(13).shuffle(cases)
    applicants = [u.username for u in User.objects.filter(role=Role.APPLICANT, is_active=True).exclude(id_number="")
                  .order_by("username")]
    return {
        "items": [v.item.code for v in versions],
        "departments": sorted({v.item.department.code for v in versions}),
        "search_words": SEARCH_WORDS,
        "online_items": [_item(v) for v in versions if v.online],
        "applicants": applicants,
        "receivers": receivers,
        "staff": staff,
        "managers": [u.username for u in User.objects.filter(role=Role.CENTER_MANAGER, is_active=True)
                     .order_by("username")],
        "progress": [list(pair) for pair in cases[:PROGRESS_SAMPLE]],
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python load/fixture.py OUT.json")
    data = fixture()
    Path(sys.argv[1]).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"fixture: {len(data['items'])} items, {len(data['online_items'])} online, "
          f"{len(data['receivers'])} window staff, {len(data['staff'])} staff with duties, "
          f"{len(data['progress'])} cases for progress queries")

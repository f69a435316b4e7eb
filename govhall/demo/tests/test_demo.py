"""`govhall demo`: the sample hall a newcomer logs into. Loading it takes
seconds, so one test loads it once and checks everything a newcomer meets."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govhall.core.models import AuditEvent, Installation
from govhall.demo.guangan import DATA_PATH, read_departments
from govhall.demo.loader import DEMO_PASSWORD, FULL_NAMES
from govhall.org.models import Center, CenterLevel, Department, User, Window, WindowKind
from govhall.org.roles import Role

pytestmark = pytest.mark.django_db


def demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_the_real_department_list_has_34_departments_with_full_names():
    departments = read_departments()
    assert len(departments) == 34
    assert sum(d.item_count for d in departments) == 1135
    assert {d.short_name for d in departments} == set(FULL_NAMES)


def test_the_shipped_copy_of_the_district_list_is_the_shared_one():
    shared = Path(__file__).resolve().parents[4] / "shared" / "data" / "real-catalog-guangan" / "bszl-data.js"
    if not shared.exists():
        pytest.skip("no ../shared beside this checkout")
    assert DATA_PATH.read_bytes() == shared.read_bytes()


def test_demo_refuses_a_database_with_real_data():
    User.objects.create_user(username="real-person", password="x")
    with pytest.raises(CommandError, match="非示例数据"):
        demo()
    assert not Center.objects.exists()


def test_the_sample_hall():
    output = demo()
    check_organization(output)
    check_catalog()
    check_cases()
    check_notices_say_sample_data()
    # Twice: nothing changes.
    counts = (User.objects.count(), AuditEvent.objects.count())
    assert "示例数据已存在" in demo()
    assert (User.objects.count(), AuditEvent.objects.count()) == counts


def check_organization(output: str) -> None:
    assert Installation.current().demo
    assert Department.objects.count() == 34
    assert set(Center.objects.values_list("level", flat=True)) == set(CenterLevel.values)
    assert Window.objects.filter(kind=WindowKind.COMPREHENSIVE).exists()
    assert Window.objects.filter(kind=WindowKind.DEDICATED).exists()
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert f"password {DEMO_PASSWORD}" in output
    assert AuditEvent.objects.filter(action="user_create").count() == User.objects.count()
    for user in User.objects.all():  # every printed login works
        assert f"  {user.username} " in output
        assert user.check_password(DEMO_PASSWORD)


def check_catalog() -> None:
    from govhall.catalog.models import Item, Material, VersionStatus
    from govhall.catalog.selectors import version_missing_elements, version_quality_issues

    assert Item.objects.filter(source__contains="real-catalog-guangan").count() == 1135
    published = Item.objects.exclude(current=None).select_related("current")
    assert published.count() >= 80
    assert published.values("department").distinct().count() >= 20
    for item in published:
        assert version_missing_elements(item.current) == [], item.code
        assert version_quality_issues(item.current) == [], item.code
        assert item.current.promised_days <= item.current.statutory_days
    draft = Item.objects.filter(current=None).first()
    assert "法定时限" in version_missing_elements(draft.versions.get(status=VersionStatus.DRAFT))
    with_forms = Material.objects.filter(version__status="published").exclude(template="")
    assert with_forms.count() >= 80
    assert with_forms.first().template.open("rb").read(2) == b"PK"


def check_cases() -> None:
    from govhall.cases.events import chain_verify
    from govhall.cases.models import Case, CaseEvent

    cases = Case.objects.all()
    assert cases.count() >= 80
    states = set(cases.values_list("state", flat=True))
    assert {"closed", "accepted", "in_review", "rejected", "denied", "withdrawn"} <= states
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    assert {"request_correction", "suspend", "extend", "deny", "certify", "deliver"} <= actions
    first = cases.order_by("created_at").first().created_at
    last = cases.order_by("-created_at").first().created_at
    assert (last - first).days >= 80  # three months
    assert all(chain_verify(case) is None for case in cases)


def check_notices_say_sample_data() -> None:
    from govhall.cases.models import Notice

    assert all("示例数据" in n.content["footer"] for n in Notice.objects.all()[:50])

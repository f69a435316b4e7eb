"""`govhall demo`: the sample hall a newcomer logs into."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govhall.core.models import AuditEvent, Installation
from govhall.demo.guangan import read_departments
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


def test_demo_builds_a_hall_of_every_level_with_every_role():
    output = demo()
    assert Installation.current().demo
    assert Department.objects.count() == 34
    assert set(Center.objects.values_list("level", flat=True)) == set(CenterLevel.values)
    assert Window.objects.filter(kind=WindowKind.COMPREHENSIVE).exists()
    assert Window.objects.filter(kind=WindowKind.DEDICATED).exists()
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert f"password {DEMO_PASSWORD}" in output
    assert AuditEvent.objects.filter(action="user_create").count() == User.objects.count()


def test_every_printed_login_works():
    output = demo()
    for user in User.objects.all():
        assert f"  {user.username} " in output
        assert user.check_password(DEMO_PASSWORD)


def test_demo_twice_changes_nothing():
    demo()
    counts = (User.objects.count(), AuditEvent.objects.count())
    assert "示例数据已存在" in demo()
    assert (User.objects.count(), AuditEvent.objects.count()) == counts


def test_demo_refuses_a_database_with_real_data():
    User.objects.create_user(username="real-person", password="x")
    with pytest.raises(CommandError, match="非示例数据"):
        demo()
    assert not Center.objects.exists()


def test_the_shipped_copy_of_the_district_list_is_the_shared_one():
    from pathlib import Path

    from govhall.demo.guangan import DATA_PATH

    shared = Path(__file__).resolve().parents[4] / "shared" / "data" / "real-catalog-guangan" / "bszl-data.js"
    if not shared.exists():
        pytest.skip("no ../shared beside this checkout")
    assert DATA_PATH.read_bytes() == shared.read_bytes()


def test_demo_catalog_has_the_real_list_and_complete_published_items():
    from govhall.catalog.models import Item, VersionStatus
    from govhall.catalog.selectors import version_missing_elements, version_quality_issues

    demo()
    assert Item.objects.filter(source__contains="real-catalog-guangan").count() == 1135
    published = Item.objects.exclude(current=None).select_related("current")
    assert published.count() >= 80
    assert published.values("department").distinct().count() >= 20
    for item in published:
        assert version_missing_elements(item.current) == [], item.code
        assert version_quality_issues(item.current) == [], item.code
        assert item.current.promised_days <= item.current.statutory_days
    # Drafts from the real list say what they lack.
    draft = Item.objects.filter(current=None).first()
    assert "法定时限" in version_missing_elements(draft.versions.get(status=VersionStatus.DRAFT))


def test_demo_items_have_downloadable_forms():
    from govhall.catalog.models import Material

    demo()
    with_forms = Material.objects.filter(version__status="published").exclude(template="")
    assert with_forms.count() >= 80
    material = with_forms.first()
    assert material.template.open("rb").read(2) == b"PK" and material.sample

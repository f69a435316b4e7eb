"""`govhall demo`: the sample hall a newcomer logs into. Loading it takes
seconds, so one test loads it once (a smaller history than `make run`'s)
and checks everything a newcomer meets; the default size is checked by the
plan it would follow."""

from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from govhall.core import clock
from govhall.core.models import AuditEvent, Installation
from govhall.demo.guangan import DATA_PATH, read_departments
from govhall.demo.loader import DEMO_PASSWORD, FULL_NAMES
from govhall.org.models import Center, CenterLevel, Department, User, Window, WindowKind
from govhall.org.roles import Role

pytestmark = pytest.mark.django_db

# Small enough for the suite, large enough for every outcome to happen.
TEST_CASES = 240


def demo(cases: int = TEST_CASES) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo", cases=cases, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


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
    output, warnings = demo()
    assert warnings == ""  # no sample case stopped early: every act was one the services allow
    check_organization(output)
    check_catalog()
    check_cases()
    check_notices_say_sample_data()
    from govhall.demo.tests.checks import (
        check_every_login_has_work,
        check_every_step_is_staffed,
        check_hotline_history,
        check_joint_approval,
        check_the_default_plan,
        check_the_heads_wait,
        check_the_town_works,
    )

    check_hotline_history()
    check_every_step_is_staffed()
    check_every_login_has_work(output)
    check_the_heads_wait()
    check_the_town_works()
    check_joint_approval()
    check_the_default_plan()
    # Twice: nothing changes.
    counts = (User.objects.count(), AuditEvent.objects.count())
    assert "示例数据已存在" in demo()[0]
    assert (User.objects.count(), AuditEvent.objects.count()) == counts


def check_organization(output: str) -> None:
    assert Installation.current().demo
    assert Department.objects.count() == 34
    assert set(Center.objects.values_list("level", flat=True)) == set(CenterLevel.values)
    assert Window.objects.filter(kind=WindowKind.COMPREHENSIVE).exists()
    assert Window.objects.filter(kind=WindowKind.DEDICATED).exists()
    # Every role has its login.
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert f"password {DEMO_PASSWORD}" in output
    assert AuditEvent.objects.filter(action="user_create").count() == User.objects.count()
    for user in User.objects.all():  # every login works, the featured ones are printed
        assert user.check_password(DEMO_PASSWORD)


def check_catalog() -> None:
    from govhall.catalog.models import Item, Material, VersionStatus
    from govhall.catalog.selectors import (
        version_missing_elements,
        version_quality_issues,
    )

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
    from govhall.demo.showcases import workdays_before
    from govhall.evaluation.models import Rating
    from govhall.supervision.models import Alert

    cases = Case.objects.all()
    assert cases.count() >= TEST_CASES
    states = Counter(cases.values_list("state", flat=True))
    assert {"closed", "accepted", "in_review", "approved", "delivered", "correction", "submitted", "rejected",
            "withdrawn", "terminated", "draft"} <= set(states)
    assert states["closed"] > cases.count() // 2  # most are granted, delivered and closed
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    assert {"check_materials", "request_correction", "resubmit", "request_suspension", "suspend", "resume",
            "request_extension", "extend", "refuse_request", "send_back", "deny", "reject", "withdraw", "terminate",
            "record_payment", "certify", "deliver", "close", "attach_material"} <= actions
    first = cases.order_by("created_at").first().created_at
    last = cases.order_by("-created_at").first().created_at
    assert (last - first).days >= 170  # six months
    assert timezone.localtime(last).date() >= workdays_before(clock.today(), 1)[0]  # up to today
    assert all(chain_verify(case) is None for case in cases)
    out = StringIO()
    call_command("verify_audit", stdout=out)  # the command an auditor runs
    assert Rating.objects.count() > cases.filter(state="closed").count() // 2
    # Some were decided late: supervision raised its red alert at the decision.
    assert Alert.objects.filter(rule="case.deadline", severity="red").exists()


def check_notices_say_sample_data() -> None:
    from govhall.cases.models import Notice

    assert all("示例数据" in n.content["footer"] for n in Notice.objects.all()[:50])

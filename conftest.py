import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # The production hasher costs ~0.3 s per login; tests need many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded files of a test go to its own folder, not var/media.
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tasks run inline, so a test sees their effect when enqueue returns.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def hall(db):
    from govhall.test import build_hall

    return build_hall()


@pytest.fixture(autouse=True)
def _chinese_first():
    # A test that switches to English must not leave its thread in English.
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Each test's database starts over (and revision numbers with it): the
    # calendar and the installation row a previous test read must not be reused.
    from govhall.calendars import selectors
    from govhall.core.models import installation_forget

    selectors._cached = None
    selectors.calendar_forget()
    installation_forget()
    yield


def pytest_configure(config):
    # GOVHALL_TEST_TODAY=YYYY-MM-DD runs the whole suite as if that were
    # today (the clock still ticks): the suite must not depend on the real
    # date. CI runs it once this way (.ci/run).
    import os

    today = os.environ.get("GOVHALL_TEST_TODAY", "").strip()
    if today:
        import datetime as dt
        import zoneinfo

        import time_machine

        moment = dt.datetime.combine(dt.date.fromisoformat(today), dt.time(10, 0), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
        config._govhall_today = time_machine.travel(moment, tick=True)
        config._govhall_today.start()


def pytest_report_header(config):
    import os

    today = os.environ.get("GOVHALL_TEST_TODAY", "").strip()
    return f"govhall: today is {today} (GOVHALL_TEST_TODAY)" if today else None

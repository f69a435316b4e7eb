"""`govhall calendar`: the administrators' check of the working-day calendar."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govhall.calendars.selectors import work_calendar


def run(*args) -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue().strip().splitlines()


pytestmark = pytest.mark.django_db


def test_add_workdays_prints_the_date_last():
    # 2025-09-30 (Tue) + 1: National Day 2025 runs Oct 1–8, so Oct 9.
    assert run("add-workdays", "2025-09-30", "1")[-1] == "2025-10-09"


def test_add_workdays_counts_an_adjusted_working_saturday():
    # 2025-10-10 (Fri) + 1: Saturday 2025-10-11 is an adjusted working day.
    assert run("add-workdays", "2025-10-10", "1")[-1] == "2025-10-11"


def test_deadline_with_pause_and_extension():
    # Accepted 2026-03-02 (Mon), 10 days; paused 2026-03-04 → resumed 2026-03-10:
    # 2 days used (03-03, 03-04), 8 + 5 extension = 13 from 03-10 → 2026-03-27.
    last = run("deadline", "--start", "2026-03-02", "--days", "10",
               "--pause", "2026-03-04:2026-03-10", "--extend", "5")[-1]
    assert last == "2026-03-27"


def test_deadline_crossing_into_a_provisional_year_says_so():
    assert run("deadline", "--start", "2026-12-24", "--days", "10")[-1].endswith(" provisional")
    assert not run("deadline", "--start", "2026-11-02", "--days", "10")[-1].endswith("provisional")


@pytest.mark.parametrize(
    "args, message",
    [
        (["add-workdays", "2026-13-01", "3"], "not a date"),
        (["add-workdays", "2026-01-05", "-3"], "must not be negative"),
        (["add-workdays", "2026-01-05", "three"], "not a whole number"),
        (["deadline", "--start", "2026-01-05", "--days", "5", "--pause", "2026-01-06"], "START:END"),
        (["add-workdays", "2003-06-01", "3"], "2003-06-01"),
        (["add-workdays", "2035-06-01", "3"], "2035-06-01"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_years_lists_official_and_provisional():
    lines = run("years")
    assert "2026 official" in lines
    assert lines[-1] == "2027 provisional"


def test_template_then_import_makes_a_year_official(tmp_path):
    draft = json.loads("\n".join(run("template", "2027")))
    assert draft["holidays"]["2027-01-01"]
    draft["source"] = "国务院办公厅关于2027年部分节假日安排的通知（测试）"
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    run("import", str(path))
    assert "2027 official" in run("years")
    assert run("years")[-1] == "2028 provisional"
    assert not work_calendar().is_provisional(__import__("datetime").date(2027, 6, 1))


def test_import_of_a_bad_file_names_the_field_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"year": 2027, "source": "x", "holidays": {"2027-02-30": "春节"}}), encoding="utf-8")
    with pytest.raises(CommandError, match="holidays"):
        run("import", str(path))
    assert run("years")[-1] == "2027 provisional"


def test_local_holiday_moves_a_deadline():
    assert run("add-workdays", "2026-06-04", "2")[-1] == "2026-06-08"
    run("local-day", "2026-06-05", "--holiday", "--name", "本地节日", "--reason", "区政府通知")
    assert run("add-workdays", "2026-06-04", "2")[-1] == "2026-06-09"

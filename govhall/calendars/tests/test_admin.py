"""The admin page where an administrator enters next year's official schedule."""

import json
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhall.calendars.models import CalendarYear
from govhall.calendars.selectors import work_calendar

URL = "admin:calendars_calendaryear_import"


def upload(client, payload: bytes):
    return client.post(reverse(URL), {"file": SimpleUploadedFile("2027.json", payload, "application/json")})


def test_admin_imports_an_official_year(client, hall):
    client.force_login(hall.admin)
    assert client.get(reverse(URL)).status_code == 200
    payload = {"year": 2027, "source": "国办发明电（示例）", "holidays": {"2027-01-01": "元旦"}, "workdays": {}}
    answer = upload(client, json.dumps(payload, ensure_ascii=False).encode())
    assert answer.status_code == 302
    assert CalendarYear.objects.get().year == 2027
    assert not work_calendar().is_provisional(date(2027, 5, 1))


def test_a_bad_upload_shows_the_field_and_writes_nothing(client, hall):
    client.force_login(hall.admin)
    answer = upload(client, json.dumps({"year": 2027, "source": "", "holidays": {}}).encode())
    assert answer.status_code == 200
    assert "source" in answer.content.decode()
    answer = upload(client, b"\xff\xfe not json")
    assert "JSON" in answer.content.decode()
    assert not CalendarYear.objects.exists()


def test_only_administrators_reach_the_import(client, hall):
    client.force_login(hall.manager)
    assert client.get(reverse(URL)).status_code == 302  # to the admin login

"""The rating endpoint's input: every bad value is a 400 naming ``level`` or ``comment``."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.evaluation.models import Rating
from govhall.evaluation.tests.conftest import delivered


@pytest.mark.parametrize("body, field", [
    ({"level": True}, "level"),  # a boolean is not a level
    ({"level": 4.5}, "level"),
    ({"level": [5]}, "level"),
    ({"level": None}, "level"),
    ({"level": 5, "comment": "好\x00"}, "comment"),
    ({"level": 5, "comment": 5}, None),  # a number as text is accepted, as DRF does
])
def test_bad_levels_and_comments_are_400(desk, body, field):
    case = delivered(desk)
    api = APIClient()
    api.force_authenticate(desk.applicant)
    answer = api.post(reverse("api_case_rating", args=[case.number]), body, format="json")
    if field is None:
        assert answer.status_code == 201 and answer.json()["comment"] == "5"
    else:
        assert answer.status_code == 400 and answer.json()["field"] == field
        assert not Rating.objects.exists()


def test_case_numbers_no_case_can_have_are_not_found(desk):
    api = APIClient()
    api.force_authenticate(desk.applicant)
    for url in ("/api/cases/D1%00/rating/", "/api/cases/D1%00/", "/api/cases/" + "9" * 41 + "/"):
        answer = api.get(url)
        assert answer.status_code == 404 and answer.json()["field"] is None, url
    number = delivered(desk).number
    answer = api.get(f"/api/cases/{number}/notices/{2**64}.pdf")
    assert answer.status_code == 404 and answer.json()["detail"] == "文书不存在。"

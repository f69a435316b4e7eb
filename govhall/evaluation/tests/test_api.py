"""POST/GET /api/cases/<number>/rating/: 201, 400 with the field, 403, 404, 409."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.core.actors import SYSTEM
from govhall.evaluation.models import FollowUp, Rating, RatingChannel
from govhall.evaluation.tests.conftest import approved, delivered
from govhall.org import services as org
from govhall.org.roles import Role


@pytest.fixture
def api():
    return APIClient()


def rate(api, case, body):
    return api.post(reverse("api_case_rating", args=[case.number]), body, format="json")


def test_the_applicant_rates_through_the_api(api, desk):
    case = delivered(desk)
    api.force_authenticate(desk.applicant)
    assert api.get(reverse("api_case_rating", args=[case.number])).status_code == 404
    answer = rate(api, case, {"level": 2, "comment": "等候太久"})
    assert answer.status_code == 201
    body = answer.json()
    assert (body["case"], body["level"], body["level_label"], body["channel"]) == (case.number, 2, "不满意", "api")
    assert body["followup"]["state"] == "open" and body["followup"]["due_date"]
    rating = Rating.objects.get()
    assert (rating.channel, rating.rated_by) == (RatingChannel.API, desk.applicant) and FollowUp.objects.count() == 1
    assert api.get(reverse("api_case_rating", args=[case.number])).json() == body
    again = rate(api, case, {"level": 5})
    assert again.status_code == 409 and "只能评价一次" in again.json()["detail"]
    # Staff who see the case read the rating too.
    api.force_authenticate(desk.head)
    assert api.get(reverse("api_case_rating", args=[case.number])).json()["level"] == 2


def test_a_good_rating_has_no_follow_up(api, desk):
    case = delivered(desk)
    api.force_authenticate(desk.applicant)
    body = rate(api, case, {"level": "5"}).json()
    assert body["level"] == 5 and body["followup"] is None and body["comment"] == ""


@pytest.mark.parametrize("body, field", [
    ({}, "level"),
    ({"level": 0}, "level"),
    ({"level": 6}, "level"),
    ({"level": "很好"}, "level"),
    ({"level": 5, "comment": "长" * 501}, "comment"),
])
def test_field_errors_are_400(api, desk, body, field):
    case = delivered(desk)
    api.force_authenticate(desk.applicant)
    answer = rate(api, case, body)
    assert answer.status_code == 400 and answer.json()["field"] == field
    assert answer.json()["errors"][0]["field"] == field and not Rating.objects.exists()


def test_not_before_delivery_is_400(api, desk):
    case = approved(desk)
    api.force_authenticate(desk.applicant)
    answer = rate(api, case, {"level": 5})
    assert answer.status_code == 400 and answer.json()["field"] == "state"


def test_only_the_applicant(api, desk):
    case = delivered(desk)
    # Staff who see the case may read, not rate.
    api.force_authenticate(desk.clerk)
    answer = rate(api, case, {"level": 5})
    assert answer.status_code == 403 and "申请人本人" in answer.json()["detail"]
    # Another applicant does not even learn that the case exists (as for every case endpoint).
    stranger = org.user_create(actor=SYSTEM, username="stranger", password="x", role=Role.APPLICANT)
    api.force_authenticate(stranger)
    assert rate(api, case, {"level": 5}).status_code == 404
    assert api.get(reverse("api_case_rating", args=[case.number])).status_code == 404
    api.force_authenticate(None)
    assert rate(api, case, {"level": 5}).status_code in {401, 403}
    assert not Rating.objects.exists()


def test_the_endpoint_is_in_the_schema(client, db):
    schema = client.get(reverse("api_schema")).content.decode()
    assert "/api/cases/{number}/rating/" in schema and "evaluation" in schema

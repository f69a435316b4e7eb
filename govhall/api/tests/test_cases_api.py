"""The case API: idempotent receipt, actions with field errors and 409, scope."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.cases.models import Case
from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)

BODY = {"item": None, "center": "D1", "applicant_name": "张三", "applicant_id_number": "110101199003070011",
        "applicant_phone": "13912345678"}


@pytest.fixture
def api():
    return APIClient()


def receive(api, desk, key="k-1", **changes):
    return api.post(reverse("api_cases"), {**BODY, "item": desk.item.code, **changes}, format="json",
                    HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_submission_does_not_make_two_cases(api, desk):
    api.force_authenticate(desk.clerk)
    first = receive(api, desk)
    again = receive(api, desk)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"] and Case.objects.count() == 1
    assert first.json()["applicant_id_number"] == "1101**********0011"
    assert receive(api, desk, key="k-2").status_code == 201 and Case.objects.count() == 2
    missing = api.post(reverse("api_cases"), {**BODY, "item": desk.item.code}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "Idempotency-Key"


def test_actions_through_the_api(api, desk):
    api.force_authenticate(desk.clerk)
    number = receive(api, desk).json()["number"]
    accepted = api.post(reverse("api_case_act", args=[number, "accept"]), {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["notices"][0]["kind"] == "acceptance"
    api.force_authenticate(desk.reviewer)
    refused = api.post(reverse("api_case_act", args=[number, "complete_step"]), {"opinion": ""}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "opinion"
    stale = api.post(reverse("api_case_act", args=[number, "complete_step"]), {"opinion": "符合", "version": 0}, format="json")
    assert stale.status_code == 409
    done = api.post(reverse("api_case_act", args=[number, "complete_step"]), {"opinion": "符合"}, format="json")
    assert done.json()["state"] == "in_review" and [e["action"] for e in done.json()["events"]] == ["submit", "accept", "complete_step"]
    api.force_authenticate(desk.clerk_b)
    assert api.get(reverse("api_case", args=[number])).status_code == 404
    api.force_authenticate(desk.approver)
    assert api.post(reverse("api_case_act", args=[number, "fly"]), {}, format="json").status_code == 404
    pdf = api.get(reverse("api_case_notice", args=[number, accepted.json()["notices"][0]["id"]]))
    assert pdf.content.startswith(b"%PDF")


def test_wrong_state_is_a_400_not_a_500(api, desk):
    api.force_authenticate(desk.clerk)
    number = receive(api, desk).json()["number"]
    answer = api.post(reverse("api_case_act", args=[number, "close"]), {}, format="json")
    assert answer.status_code in {400, 403}


def test_applicants_read_only_their_own_cases(api, desk):
    api.force_authenticate(desk.clerk)
    number = receive(api, desk).json()["number"]
    api.force_authenticate(desk.applicant)
    assert api.get(reverse("api_case", args=[number])).status_code == 404
    assert api.get(reverse("api_cases")).json() == []

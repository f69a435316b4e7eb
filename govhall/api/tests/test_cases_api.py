"""The case API: idempotent receipt, actions with field errors and 409, scope."""

import pytest
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from govhall.cases.tests.conftest import accept_checked
from govhall.api.cases import CasePagination
from govhall.cases import services as case_services
from govhall.cases.models import Case, IdempotencyKey
from govhall.cases.tests.conftest import at, desk  # noqa: F401  (fixture)

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
    early = api.post(reverse("api_case_act", args=[number, "accept"]), {}, format="json")
    assert early.status_code == 400 and early.json()["field"] == "materials"
    checked = api.post(reverse("api_case_act", args=[number, "check_materials"]),
                       {"checks": [{"material_order": 1, "verdict": "ok"}]}, format="json")
    assert checked.status_code == 200 and checked.json()["state"] == "submitted"
    accepted = api.post(reverse("api_case_act", args=[number, "accept"]), {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    notice = accepted.json()["notice"]
    assert notice["kind"] == "acceptance" and notice["number"].startswith("审批局受〔2026〕")
    api.force_authenticate(desk.reviewer)
    refused = api.post(reverse("api_case_act", args=[number, "complete_step"]), {"opinion": ""}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "opinion"
    stale = api.post(reverse("api_case_act", args=[number, "complete_step"]), {"opinion": "符合", "version": 0}, format="json")
    assert stale.status_code == 409
    done = api.post(reverse("api_case_act", args=[number, "complete_step"]), {"opinion": "符合"}, format="json")
    assert done.json()["state"] == "in_review" and done.json()["notice"] is None
    events = api.get(done.json()["links"]["events"]).json()
    assert [e["action"] for e in events] == ["submit", "check_materials", "accept", "complete_step"]
    api.force_authenticate(desk.clerk_b)
    assert api.get(reverse("api_case", args=[number])).status_code == 404
    assert api.get(reverse("api_case_events", args=[number])).status_code == 404
    api.force_authenticate(desk.approver)
    assert api.post(reverse("api_case_act", args=[number, "fly"]), {}, format="json").status_code == 404
    pdf = api.get(notice["pdf"])
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
    assert api.get(reverse("api_cases")).json()["results"] == []


# --- the list: pages, order, the state filter ------------------------------------

def _window(desk, when: str):
    return case_services.case_submit(actor=desk.clerk, item_version=desk.version, center=desk.district,
                                     channel="window", applicant_name="张三", applicant_id_number="110101199003070011",
                                     applicant_phone="13912345678", at=at(when))


def _accept(desk, case, when: str):
    return accept_checked(actor=desk.clerk, case=case, at=at(when))


@pytest.fixture
def listed(desk):
    """Cases in an order that creation order does not give: a finished case
    first, then open ones whose deadlines run the other way round."""
    withdrawn = case_services.case_withdraw(actor=desk.clerk, case=_window(desk, "2026-03-02 09:00"),
                                            reason="申请人撤回", at=at("2026-03-02 09:10"))
    submitted = _window(desk, "2026-03-02 09:20")  # open, no deadline yet
    later = _accept(desk, _window(desk, "2026-03-02 09:30"), "2026-03-04 10:00")
    sooner = _accept(desk, _window(desk, "2026-03-02 09:40"), "2026-03-02 10:00")
    also_sooner = _accept(desk, _window(desk, "2026-03-02 09:50"), "2026-03-02 10:05")
    assert submitted.due_date is None and sooner.due_date == also_sooner.due_date < later.due_date
    return [sooner, also_sooner, later, submitted, withdrawn]


def test_the_list_is_paged_open_cases_first_by_deadline(api, desk, listed):
    api.force_authenticate(desk.clerk)
    page = api.get(reverse("api_cases")).json()
    assert set(page) == {"count", "next", "previous", "results"} and page["count"] == 5
    # The nearest deadline first, none last, finished cases after every open one; ties by creation.
    assert [c["number"] for c in page["results"]] == [c.number for c in listed]
    first = api.get(reverse("api_cases"), {"limit": 2}).json()
    second = api.get(reverse("api_cases"), {"limit": 2, "offset": 2}).json()
    assert [c["number"] for c in first["results"] + second["results"]] == [c.number for c in listed[:4]]
    assert first["previous"] is None and "offset=2" in first["next"]
    # A page never exceeds 200 rows, whatever the client asks.
    greedy = Request(APIRequestFactory().get(reverse("api_cases"), {"limit": 10_000}))
    assert CasePagination().get_limit(greedy) == 200


def test_the_full_case_is_answered_as_its_serializer_documents_it(api, desk, listed):
    """The receipt and ``GET /api/cases/<number>/`` build the full case
    directly: the very data the schema's serializer gives, for a case just
    received, one accepted with its notice, one withdrawn, one delivered with
    three notices, seen by its clerk and by its applicant."""
    from govhall.api.cases import CaseDetailSerializer, case_detail_data
    from govhall.cases.models import Case
    from govhall.cases.selectors import case_load_for_act

    delivered = _accept(desk, _window(desk, "2026-03-02 10:10"), "2026-03-02 10:20")
    delivered = case_services.case_complete_step(actor=desk.reviewer, case=delivered, opinion="符合", at=at("2026-03-03 10:00"))
    delivered = case_services.case_approve(actor=desk.approver, case=delivered, opinion="同意", at=at("2026-03-03 11:00"))
    delivered = case_services.case_certify(actor=desk.clerk, case=delivered, certificate_number="JY1", at=at("2026-03-03 11:10"))
    delivered = case_services.case_deliver(actor=desk.clerk, case=delivered, method="window", received_by="张三",
                                           at=at("2026-03-03 11:20"))
    assert delivered.notices.count() == 3
    for case in [*listed, delivered]:
        for person in (desk.clerk, desk.reviewer):
            for loaded in (case, Case.objects.get(pk=case.pk), case_load_for_act(number=case.number)):
                expected = CaseDetailSerializer(loaded, context={"user": person}).data
                assert case_detail_data(loaded, user=person) == expected
    api.force_authenticate(desk.clerk)
    received = receive(api, desk, key="k-detail", form_data={}).json()
    case = Case.objects.get(number=received["number"])
    assert received == CaseDetailSerializer(case, context={"user": desk.clerk}).data
    assert api.get(reverse("api_case", args=[case.number])).json() == received


def test_the_state_filter_is_checked(api, desk, listed):
    api.force_authenticate(desk.clerk)
    withdrawn = api.get(reverse("api_cases"), {"state": "withdrawn"}).json()
    assert [c["number"] for c in withdrawn["results"]] == [listed[-1].number]
    unknown = api.get(reverse("api_cases"), {"state": "lost"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "state"


def test_dates_not_yet_known_are_null_in_the_answer_and_the_schema(api, desk, listed, client):
    api.force_authenticate(desk.clerk)
    submitted = api.get(reverse("api_case", args=[listed[3].number])).json()
    assert submitted["accepted_on"] is None and submitted["due_date"] is None
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()["components"]["schemas"]["Case"]["properties"]
    assert all(schema[name]["nullable"] for name in ("received_on", "accepted_on", "due_date"))


# --- idempotency: the key stands for one body -------------------------------------

def test_a_key_reused_with_another_body_is_refused(api, desk):
    api.force_authenticate(desk.clerk)
    first = receive(api, desk, key="k-1")
    other = receive(api, desk, key="k-1", applicant_name="李四")
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    assert Case.objects.count() == 1
    # The same application again, its default spelled out and its text spaced: the first case.
    same = receive(api, desk, key="k-1", channel="api", applicant_name=" 张三 ")
    assert same.status_code == 200 and same.json()["number"] == first.json()["number"]
    # Keys are per person: another clerk's k-1 is another application.
    api.force_authenticate(desk.clerk_b)
    assert receive(api, desk, key="k-1", applicant_name="李四").status_code in {201, 400, 403}
    assert Case.objects.filter(applicant_name="李四", department=desk.dept_a).count() == 0


def test_keys_stored_before_the_hash_accept_any_body(api, desk):
    api.force_authenticate(desk.clerk)
    first = receive(api, desk, key="k-old")
    IdempotencyKey.objects.update(request_hash="")  # as migration 0007 leaves existing keys
    again = receive(api, desk, key="k-old", applicant_name="李四")
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]


def test_a_key_with_a_nul_is_a_field_error(api, desk):
    api.force_authenticate(desk.clerk)
    answer = receive(api, desk, key="k\x00")
    assert answer.status_code == 400 and answer.json()["field"] == "Idempotency-Key"


def test_submission_fields_are_bounded_by_their_columns(api, desk):
    api.force_authenticate(desk.clerk)
    for field, value in [("applicant_name", "张" * 101), ("applicant_phone", "1" * 21), ("item", "x" * 81),
                         ("channel", "fax"), ("applicant_name", True),
                         ("applicant_id_number", "110101199003070012"), ("applicant_phone", "0826")]:
        answer = receive(api, desk, key=f"k-{field}", **{field: value})
        assert answer.status_code == 400 and answer.json()["field"] == field, (field, answer.json())
    assert Case.objects.count() == 0


# --- an applicant's own application: draft, materials, submission ------------------

def _own(desk, **changes):
    me = desk.applicant
    return {**BODY, "item": desk.item.code, "applicant_name": me.full_name, "applicant_id_number": me.id_number,
            "applicant_phone": me.phone, "channel": "online", **changes}


def test_an_applicant_applies_through_a_draft_and_its_materials(api, desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from govhall.test import sample_pdf

    api.force_authenticate(desk.applicant)
    # Submitted at once without the materials: refused, nothing received.
    direct = api.post(reverse("api_cases"), _own(desk), format="json", HTTP_IDEMPOTENCY_KEY="a-1")
    assert direct.status_code == 400 and direct.json()["field"] == "materials"
    assert Case.objects.count() == 0
    draft = api.post(reverse("api_cases"), _own(desk, draft=True), format="json", HTTP_IDEMPOTENCY_KEY="a-2")
    assert draft.status_code == 201, draft.json()
    body = draft.json()
    assert body["state"] == "draft" and body["received_on"] is None
    assert "attach_material" in body["actions"] and "submit" in body["actions"]
    number = body["number"]
    early = api.post(reverse("api_case_act", args=[number, "submit"]), {}, format="json")
    assert early.status_code == 400 and early.json()["field"] == "materials"
    required = [m for m in desk.version.materials.all() if m.handed_in_required]
    assert required
    for material in required:
        upload = SimpleUploadedFile("scan.pdf", sample_pdf(material.name), content_type="application/pdf")
        attached = api.post(reverse("api_case_act", args=[number, "attach_material"]),
                            {"material_order": material.order, "file": upload}, format="multipart")
        assert attached.status_code == 200, attached.json()
    submitted = api.post(reverse("api_case_act", args=[number, "submit"]), {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    case = api.get(submitted.json()["links"]["case"]).json()
    assert case["received_on"] is not None and "submit" not in case["actions"] and "withdraw" in case["actions"]
    assert [e["action"] for e in case["events"]][-1] == "submit"


def test_a_draft_is_the_applicant_s_own_and_online(api, desk):
    api.force_authenticate(desk.applicant)
    other = api.post(reverse("api_cases"), _own(desk, draft=True, applicant_id_number="11010119900307002X"),
                     format="json", HTTP_IDEMPOTENCY_KEY="a-3")
    assert other.status_code == 403
    window = api.post(reverse("api_cases"), _own(desk, draft=True, channel="window"), format="json",
                      HTTP_IDEMPOTENCY_KEY="a-4")
    assert window.status_code == 400 and window.json()["field"] == "channel"
    # Staff receive at the window: no drafts of theirs.
    api.force_authenticate(desk.clerk)
    staff = api.post(reverse("api_cases"), {**BODY, "item": desk.item.code, "draft": True}, format="json",
                     HTTP_IDEMPOTENCY_KEY="a-5")
    assert staff.status_code == 403
    assert Case.objects.count() == 0


def test_a_browser_asking_for_the_case_list_gets_the_browsable_page(client, hall):
    client.force_login(hall.clerk)
    answer = client.get(reverse("api_cases"), HTTP_ACCEPT="text/html")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/html")

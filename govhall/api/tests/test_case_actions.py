"""The action answer (thin: where the case stands, the notice issued, links
to the full case and its events), the events endpoint, and the case load
the actions use: the same case as the ORM reads, the same visibility as the
case queries, the kept item version current after a publication."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.cases import services as cases
from govhall.cases.models import Case, CaseEvent
from govhall.cases.selectors import case_get_by_number, case_get_for_act, case_visible
from govhall.cases.tests.conftest import accept_checked, at, desk  # noqa: F401  (fixture)
from govhall.catalog.models import VersionStatus
from govhall.catalog.services import item_create, item_edit, item_publish
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import Action as Grant
from govhall.org.roles import Role

ANSWER_KEYS = {"number", "state", "step", "due_date", "deadline_provisional", "step_due_date", "light", "version",
               "notice", "links"}


@pytest.fixture
def api():
    return APIClient()


def _window(desk, when="2026-03-02 10:00", version=None, applicant=None):
    return cases.case_submit(actor=desk.clerk, item_version=version or desk.version, center=desk.district,
                             channel="window", applicant_name="张三", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678", applicant=applicant, at=at(when))


def _act(api, person, number, action, body=None):
    api.force_authenticate(person)
    return api.post(reverse("api_case_act", args=[number, action]), body or {}, format="json")


def test_an_action_answers_where_the_case_stands_and_links_the_rest(api, desk):
    case = _window(desk)
    checks = [{"material_order": 1, "verdict": "ok"}]
    assert _act(api, desk.clerk, case.number, "check_materials", {"checks": checks}).status_code == 200
    accepted = _act(api, desk.clerk, case.number, "accept")
    assert accepted.status_code == 200
    body = accepted.json()
    assert set(body) == ANSWER_KEYS
    row = Case.objects.get(pk=case.pk)
    assert (body["number"], body["state"], body["step"], body["version"]) == (row.number, "accepted", 1, row.version)
    assert body["due_date"] == row.due_date.isoformat() and body["step_due_date"] == row.step_due_date.isoformat()
    assert (body["light"], body["deadline_provisional"]) == (row.light, row.deadline_provisional) == ("green", False)
    # The notice it issued, linked: the same as the case's own list, its PDF served.
    notice = row.notices.get()
    assert body["notice"]["id"] == notice.pk and body["notice"]["kind"] == "acceptance"
    assert body["notice"]["number"] == notice.number
    assert body["notice"]["pdf"] == "http://testserver" + reverse("api_case_notice", args=[case.number, notice.pk])
    assert api.get(body["notice"]["pdf"]).content.startswith(b"%PDF")
    # The links lead to the full case and to its chain.
    full = api.get(body["links"]["case"])
    assert full.status_code == 200 and full.json()["version"] == body["version"]
    assert [n["id"] for n in full.json()["notices"]] == [notice.pk]
    events = api.get(body["links"]["events"])
    assert events.status_code == 200
    assert events.json() == full.json()["events"]
    assert [e["seq"] for e in events.json()] == list(CaseEvent.objects.filter(case=case).values_list("seq", flat=True)
                                                      .order_by("seq")) == [1, 2, 3]
    # An action that issues nothing says so; the version it answers is the next action's guard.
    done = _act(api, desk.reviewer, case.number, "complete_step", {"opinion": "符合", "version": body["version"]})
    assert done.status_code == 200 and done.json()["notice"] is None and done.json()["version"] == body["version"] + 1
    stale = _act(api, desk.approver, case.number, "approve", {"opinion": "同意", "version": body["version"]})
    assert stale.status_code == 409


def test_the_answer_is_the_one_the_schema_documents(client):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    answer = schema["paths"]["/api/cases/{number}/actions/accept/"]["post"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/CaseActionResult")
    documented = schema["components"]["schemas"]["CaseActionResult"]
    assert set(documented["properties"]) == ANSWER_KEYS and set(documented["required"]) == ANSWER_KEYS
    events = schema["paths"]["/api/cases/{number}/events/"]["get"]["responses"]
    assert events["200"]["content"]["application/json"]["schema"]["type"] == "array" and "404" in events


def test_events_are_read_within_the_reader_s_scope(api, desk):
    case = _window(desk, applicant=desk.applicant)
    for person, status in ((desk.clerk, 200), (desk.applicant, 200), (desk.supervisor, 200), (desk.clerk_b, 404),
                           (desk.town_manager, 404)):
        api.force_authenticate(person)
        assert api.get(reverse("api_case_events", args=[case.number])).status_code == status, person
    api.force_authenticate(None)
    assert api.get(reverse("api_case_events", args=[case.number])).status_code in {401, 403}
    api.force_authenticate(desk.clerk)
    assert api.get(reverse("api_case_events", args=["D1-20990101-99999"])).status_code == 404


def test_action_bodies_go_through_the_api_s_bounded_parser(api, desk):
    """Regression: the action endpoints had DRF's plain JSON parser, so a body
    nested too deep was a 500 and a NUL reached the database."""
    case = _window(desk)
    api.force_authenticate(desk.clerk)
    url = reverse("api_case_act", args=[case.number, "request_correction"])
    deep = "[" * 5000 + "]" * 5000
    answer = api.post(url, deep, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["field"] == "body"
    answer = api.post(url, {"items": [{"material": "申请书\x00", "problem": "缺签字"}]}, format="json")
    assert answer.status_code == 400 and answer.json()["field"] == "items[0].material"
    assert Case.objects.get(pk=case.pk).version == case.version


# --- the case load of the actions ------------------------------------------------

def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_the_act_s_case_is_the_case_the_orm_reads(desk):
    """Every column of the case, its item, department and center converted as
    the ORM converts them (dates, decimals, JSON, booleans) on each database."""
    case = _window(desk, applicant=desk.applicant)
    case = accept_checked(actor=desk.clerk, case=case, at=at("2026-03-02 10:05"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合", at=at("2026-03-02 11:00"))
    loaded = case_get_for_act(user=desk.clerk, number=case.number)
    expected = case_get_by_number(user=desk.clerk, number=case.number)
    assert _fields(loaded) == _fields(expected)
    for relation in ("department", "center"):
        assert _fields(getattr(loaded, relation)) == _fields(getattr(expected, relation))
    assert _fields(loaded.item_version) == _fields(expected.item_version)
    assert _fields(loaded.item_version.item) == _fields(expected.item_version.item)
    assert case_get_for_act(user=desk.clerk, number="D1-20990101-99999") is None


def test_a_kept_item_version_follows_its_publication(desk, django_assert_num_queries):
    case = _window(desk)
    first = case_get_for_act(user=desk.clerk, number=case.number)
    assert first.item_version.status == VersionStatus.PUBLISHED
    with django_assert_num_queries(2):  # the case, and the clerk's departments: the version is kept
        again = case_get_for_act(user=desk.clerk, number=case.number)
    assert [s.name for s in again.item_version._ordered_steps] == ["受理", "审查", "决定"]
    assert again.item_version is not first.item_version  # each request its own copy
    # … with its own state: the item one request sets is not another's.
    assert again.item_version._state is not first.item_version._state
    assert again.item_version._state.fields_cache is not first.item_version._state.fields_cache
    assert again.item_version.pk == first.item_version.pk and again.item_version.item is not first.item_version.item
    # A new version published: the case's version is superseded, and every reader sees it at once.
    draft = item_edit(actor=SYSTEM, item=desk.item, spec=complete_spec("A", name="食品经营许可（新）"))
    item_publish(actor=SYSTEM, version=draft)
    after = case_get_for_act(user=desk.clerk, number=case.number)
    assert after.item_version.status == VersionStatus.SUPERSEDED and after.item_version.superseded_at is not None
    # The item row is read with the case: a changed base code is seen without waiting.
    item_edit(actor=SYSTEM, item=desk.item, spec=complete_spec("A", base_code="511A0000000009"))
    assert case_get_for_act(user=desk.clerk, number=case.number).item_version.item.base_code == "511A0000000009"


@pytest.fixture
def wide_hall(desk):
    """The desk with cases of both departments, one of an item whose review
    and decision are department B's, one in the town center and one of the
    applicant's own; department B's reviewer, an inactive clerk, a superuser."""
    h = desk
    org.authorization_grant(actor=SYSTEM, staff=h.clerk_b, department=h.dept_b, action=Grant.ACCEPT)
    own_b = item_create(actor=SYSTEM, spec=complete_spec("B", code="511B0000000001-D1-000-B-1-00",
                                                         status="published")).current
    reviewed_by_b = item_create(actor=SYSTEM, spec=complete_spec(
        "A", code="511A0000000002-D1-000-A-1-00", status="published",
        steps=[{"name": "受理", "role": "clerk", "days": 1, "department": ""},
               {"name": "审查", "role": "reviewer", "days": 6, "department": "B"},
               {"name": "决定", "role": "approver", "days": 3, "department": "A"}])).current
    h.reviewer_b = org.user_create(actor=SYSTEM, username="reviewer_b", password="x", role=Role.REVIEWER,
                                   department=h.dept_b, full_name="reviewer_b")
    h.inactive = org.user_create(actor=SYSTEM, username="inactive", password="x", role=Role.CLERK,
                                 department=h.dept_a, full_name="inactive")
    type(h.inactive).objects.filter(pk=h.inactive.pk).update(is_active=False)
    h.inactive.refresh_from_db()
    h.root = org.user_create(actor=SYSTEM, username="root", password="x", role=Role.CLERK, center=h.town,
                             full_name="root")
    type(h.root).objects.filter(pk=h.root.pk).update(is_superuser=True)
    h.root.refresh_from_db()
    b_case = cases.case_submit(actor=h.clerk_b, item_version=own_b, center=h.district, channel="window",
                               applicant_name="李四", applicant_id_number="11010119900307002X",
                               applicant_phone="13912345679", at=at("2026-03-02 10:10"))
    town = cases.case_submit(actor=SYSTEM, item_version=h.version, center=h.town, channel="window",
                             applicant_name="王五", applicant_id_number="110101199003070011",
                             applicant_phone="13912345670", at=at("2026-03-02 10:20"))
    h.cases = [_window(h), _window(h, applicant=h.applicant), _window(h, version=reviewed_by_b), b_case, town]
    return h


def test_the_act_s_visibility_is_the_case_queries_scope(wide_hall):
    """``case_visible`` (one loaded case) and ``case_get_by_number`` (the
    filtered query) give the same answer for every persona and every case."""
    h = wide_hall
    people = [h.applicant, h.clerk, h.reviewer, h.approver, h.head, h.clerk_b, h.reviewer_b, h.manager,
              h.town_manager, h.supervisor, h.admin, h.hotline, h.inactive, h.root]
    seen = set()
    for person in people:
        for case in h.cases:
            queried = case_get_by_number(user=person, number=case.number) is not None
            loaded = Case.objects.select_related("item_version", "department", "center").get(pk=case.pk)
            assert case_visible(person, loaded) == queried, (person.username, case.number)
            assert (case_get_for_act(user=person, number=case.number) is not None) == queried
            seen.add(queried)
    assert seen == {True, False}
    # Both sides of each rule are exercised: B's reviewer sees A's case his department reviews, not A's own.
    assert case_visible(h.reviewer_b, h.cases[2]) and not case_visible(h.reviewer_b, h.cases[0])
    assert case_visible(h.town_manager, h.cases[4]) and not case_visible(h.town_manager, h.cases[0])
    # Regression: a superuser of a department role saw only the cases his
    # department reviews (the step clause or-ed into "every case" narrowed it).
    assert all(case_get_by_number(user=h.root, number=case.number) for case in h.cases)


def test_a_material_checked_again_replaces_its_check(api, desk):
    """The checks are written in one upsert: a second check of a material
    replaces the first (one row per material), the note of a 需补正 gone
    once it is 合格, the checker and time the latest ones."""
    from govhall.cases.models import MaterialCheck

    case = _window(desk)
    first = _act(api, desk.clerk, case.number, "check_materials",
                 {"checks": [{"material_order": 1, "verdict": "fix", "note": "缺少申请人签字"}]})
    assert first.status_code == 200
    row = MaterialCheck.objects.get(case=case)
    assert (row.verdict, row.note, row.name) == ("fix", "缺少申请人签字", "食品经营许可申请书")
    assert _act(api, desk.clerk, case.number, "accept").json()["field"] == "materials"
    again = _act(api, desk.clerk, case.number, "check_materials",
                 {"checks": [{"material_order": 1, "verdict": "ok"}, {"material_order": 3, "verdict": "ok"}]})
    assert again.status_code == 200
    rows = {c.material_order: c for c in MaterialCheck.objects.filter(case=case)}
    assert set(rows) == {1, 3} and (rows[1].verdict, rows[1].note) == ("ok", "")
    assert rows[1].checked_at > row.checked_at and rows[1].checked_by_id == desk.clerk.pk
    assert _act(api, desk.clerk, case.number, "accept").status_code == 200


def test_a_receipt_answers_the_full_case_as_read_back(api, desk):
    """A receipt answers the full case from what the service wrote (no
    notice yet, its one event): the same as the case read back."""
    api.force_authenticate(desk.clerk)
    body = {"item": desk.item.code, "center": "D1", "applicant_name": "张三",
            "applicant_id_number": "110101199003070011", "applicant_phone": "13912345678"}
    created = api.post(reverse("api_cases"), body, format="json", HTTP_IDEMPOTENCY_KEY="full-1")
    assert created.status_code == 201
    read = api.get(reverse("api_case", args=[created.json()["number"]]))
    assert created.json() == read.json()
    assert [e["action"] for e in created.json()["events"]] == ["submit"] and created.json()["notices"] == []
    # A retry is answered with the case as stored.
    again = api.post(reverse("api_cases"), body, format="json", HTTP_IDEMPOTENCY_KEY="full-1")
    assert again.status_code == 200 and again.json() == read.json()


def test_someone_who_may_not_see_the_case_learns_nothing_from_an_action(api, wide_hall):
    """Whether a clerk of another department may see the case is asked only
    when his act fails (an act done needs a grant that puts the case in his
    scope): every failure is a 404 for him — a bad body, a stale version,
    a missing grant — and nothing changes."""
    from govhall.cases.policy import INTERFACE_ACTIONS

    h = wide_hall
    case = h.cases[1]
    before = Case.objects.filter(pk=case.pk).values_list("version", "event_seq").get()
    for person in (h.clerk_b, h.reviewer_b, h.town_manager):
        for action in INTERFACE_ACTIONS:
            for body in ({}, {"version": 0}, {"opinion": "符合", "reason": "理由"}, {"version": "x"}):
                if action == "attach_material":
                    continue  # multipart; below
                answer = _act(api, person, case.number, action, body)
                assert answer.status_code == 404, (person.username, action, body, answer.json())
        api.force_authenticate(person)
        deep = api.post(reverse("api_case_act", args=[case.number, "accept"]), "[" * 5000 + "]" * 5000,
                        content_type="application/json")
        assert deep.status_code == 404
        attach = api.post(reverse("api_case_act", args=[case.number, "attach_material"]), {"material_order": 1},
                          format="multipart")
        assert attach.status_code == 404
    assert Case.objects.filter(pk=case.pk).values_list("version", "event_seq").get() == before
    # B's reviewer sees the case his department reviews: he is told what is wrong (403: no grant here).
    assert _act(api, h.reviewer_b, h.cases[2].number, "complete_step", {"opinion": "符合"}).status_code in {400, 403}
    # The comprehensive window's clerk (no department of his own) acts, the visibility never asked.
    checked = _act(api, h.clerk, case.number, "check_materials", {"checks": [{"material_order": 1, "verdict": "ok"}]})
    assert checked.status_code == 200


def test_the_checks_a_guard_read_are_dropped_when_new_ones_are_written(desk):
    """The acceptance's guard and its notice share one read of the material
    checks, kept on the case object: a check written on that object since
    is what the next acceptance sees (and what its notice lists)."""
    from govhall.cases.models import NoticeKind
    from govhall.core.errors import DomainError

    case = _window(desk)
    case = cases.case_check_materials(actor=desk.clerk, case=case, at=at("2026-03-02 10:01"),
                                      checks=[{"material_order": 1, "verdict": "fix", "note": "缺少签字"}])
    with pytest.raises(DomainError) as refused:
        cases.case_accept(actor=desk.clerk, case=case, at=at("2026-03-02 10:02"))
    assert refused.value.field == "materials"
    case = cases.case_check_materials(actor=desk.clerk, case=case, at=at("2026-03-02 10:03"),
                                      checks=[{"material_order": 1, "verdict": "ok"}])
    case = cases.case_accept(actor=desk.clerk, case=case, at=at("2026-03-02 10:04"))
    assert case.state == "accepted"
    notice = case.notices.get(kind=NoticeKind.ACCEPTANCE)
    assert "核验合格" in str(notice.content) and "缺少签字" not in str(notice.content)

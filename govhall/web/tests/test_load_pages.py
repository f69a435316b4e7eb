"""The load run reads and fills govhall's pages as a browser does
(load/pages.py): these walk its people's paths through the real pages,
with CSRF enforced, so a page that changes under the load test fails here
and not in the middle of `make load`."""

import importlib.util
import random
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from govhall.cases.models import Case
from govhall.cases.states import State
from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.test import PASSWORD

_spec = importlib.util.spec_from_file_location("load_pages", Path(__file__).resolve().parents[3] / "load" / "pages.py")
pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pages)


def browser(user) -> Client:
    """A client that logs in through the login form, as the load's people do."""
    client = Client(enforce_csrf_checks=True)
    form = pages.form_with(client.get("/login/").content.decode(), field="username")
    answer = client.post("/login/", dict(pages.replaced(form["fields"], username=user.username, password=PASSWORD)))
    assert answer.status_code == 302, "the login form refused the persona"
    return client


def post(client: Client, url: str, fields: list[tuple]):
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(url, data)


def required_orders(version) -> list[str]:
    return [str(m.order) for m in version.materials.all() if m.handed_in_required]


def receive(desk, rng) -> Case:
    """The load's window clerk: the acceptance screen, a typed-in person, 受理."""
    client = browser(desk.clerk)
    url = reverse("case_receive", args=[desk.item.code])
    form = pages.form_with(client.get(url).content.decode(), field="applicant_name")
    fields = pages.replaced(form["fields"], **pages.person(rng), decision="accept", checked=required_orders(desk.version))
    answer = post(client, url, fields)
    assert answer.status_code == 302, answer.content.decode()[:500]
    return Case.objects.get()


def test_a_window_receipt_of_the_load_is_accepted(desk):
    case = receive(desk, random.Random(1))
    assert case.state == State.ACCEPTED and case.channel == "window"


@pytest.mark.parametrize("seed", range(20))
def test_the_load_types_identity_numbers_and_phones_the_window_accepts(seed):
    from govhall.core.identity import phone, resident_id

    person = pages.person(random.Random(seed))
    assert resident_id(person["applicant_id_number"], field="id") == person["applicant_id_number"]
    assert phone(person["applicant_phone"], field="phone") == person["applicant_phone"]


def test_the_load_staff_take_a_case_to_its_end_from_their_pages(desk):
    case = receive(desk, random.Random(2))
    people = [browser(person) for person in (desk.reviewer, desk.approver, desk.clerk)]
    rng, taken = random.Random(3), []
    for _turn in range(10):
        for client in people:
            detail = client.get(reverse("case_detail", args=[case.pk])).content.decode()
            chosen = pages.staff_action(detail, str(case.pk), rng)
            if chosen is not None:
                break
        else:
            break
        action, fields = chosen
        answer = post(client, reverse("case_act", args=[case.pk, action]), fields)
        assert answer.status_code == 302, f"{action}: {answer.content.decode()[:500]}"
        taken.append(action)
    case.refresh_from_db()
    assert case.state == State.CLOSED, taken
    assert "complete_step" in taken and "approve" in taken and "deliver" in taken


def test_an_online_application_of_the_load_is_submitted_and_accepted(desk):
    client = browser(desk.applicant)
    url = reverse("portal_apply", args=[desk.item.code])
    form = pages.form_with(client.get(url).content.decode(), field="applicant_name")
    answer = post(client, url, form["fields"])  # the account's own name and number, as the form offers them
    assert answer.status_code == 302
    case = Case.objects.get()
    for order in required_orders(desk.version):
        page = client.get(answer["Location"]).content.decode()
        upload = pages.form_with(page, action_end=f"/my/cases/{case.number}/upload/")
        body, content_type = pages.multipart(pages.replaced(upload["fields"], order=order),
                                             [("file", "scan.png", "image/png", pages.scan_png())])
        assert client.post(upload["action"], body, content_type=content_type).status_code == 302
    assert case.materials.count() == len(required_orders(desk.version)) > 0
    page = client.get(answer["Location"]).content.decode()
    submit = pages.form_with(page, action_end=f"/my/cases/{case.number}/submit/")
    assert post(client, submit["action"], submit["fields"]).status_code == 302
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    # The window's work list then checks the materials and accepts.
    clerk = browser(desk.clerk)
    for _turn in range(2):
        detail = clerk.get(reverse("case_detail", args=[case.pk])).content.decode()
        action, fields = pages.staff_action(detail, str(case.pk), random.Random(4))
        assert post(clerk, reverse("case_act", args=[case.pk, action]), fields).status_code == 302
    case.refresh_from_db()
    assert case.state == State.ACCEPTED


def test_a_progress_query_of_the_load_finds_the_case(desk):
    case = receive(desk, random.Random(5))
    client = Client(enforce_csrf_checks=True)
    form = pages.form_with(client.get(reverse("portal_progress")).content.decode(), field="query_code")
    answer = post(client, reverse("portal_progress"),
                  pages.replaced(form["fields"], number=case.number, query_code=case.query_code))
    assert answer.status_code == 200 and case.number in answer.content.decode()


def test_the_work_list_links_are_the_ones_the_load_follows(desk):
    case = receive(desk, random.Random(6))
    page = browser(desk.reviewer).get(reverse("case_worklist") + "?view=todo").content.decode()
    assert str(case.pk) in pages.CASE_LINK.findall(page)

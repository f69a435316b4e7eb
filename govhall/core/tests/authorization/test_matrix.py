"""The authorization matrix (docs/security.md, "Authorization matrix"):
every URL pattern of the site × every persona × own/other department,
center, case — read from the URL configuration, so that a page without a
row in ``table.ENTRIES`` fails here, named.

The hall is built once for the module inside a transaction rolled back at
the end; every request runs in its own savepoint, rolled back after it, so
an allowed act (which must change the tables it names) leaves nothing for
the next request, and a refused one must change nothing at all.
"""

import functools
import io
import json
from http.cookies import SimpleCookie

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from govhall.core.tests.authorization import table
from govhall.core.tests.authorization.world import BUILT, REQUESTS_AT, build_world

pytestmark = pytest.mark.django_db


def url_patterns() -> dict[str, str | None]:
    """Every pattern of the site as its full route → its URL name (None: unnamed)."""
    found: dict[str, str | None] = {}

    def walk(resolver, prefix: str, namespace: str):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                found.setdefault(route, f"{namespace}{pattern.name}" if pattern.name else None)

    walk(get_resolver(), "", "")
    return found


PATTERNS = url_patterns()


# --- the world, once per module ------------------------------------------------------------

@pytest.fixture(autouse=True)
def _module_media(settings, world):
    # The files of the module's hall stay where it stored them (the suite's
    # conftest gives each test a folder of its own).
    settings.MEDIA_ROOT = world.media_root


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=media,
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}), transaction.atomic():
        with time_machine.travel(BUILT, tick=False):
            world = build_world()
            world.media_root = media
        with time_machine.travel(REQUESTS_AT, tick=True):
            for name, user in world.people.items():
                client = Client()
                client.force_login(user)
                world.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield world
        transaction.set_rollback(True)


_CLIENTS: dict[tuple, Client] = {}


def client_for(world, persona: str, **kwargs) -> Client:
    """The persona's client with nothing in its cookie jar but the login
    (a language chosen or a message left by the last request is gone).
    One client per persona: a new client loads the whole middleware chain
    again (WhiteNoise scanning the static files), which would cost more
    than the request."""
    key = (id(world), persona, tuple(sorted(kwargs.items())))
    client = _CLIENTS.get(key)
    if client is None:
        client = _CLIENTS[key] = Client(**kwargs)
    client.cookies = SimpleCookie()
    if persona != table.ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def _watched():
    """(name, model, fields) of what ``snapshot`` compares."""
    from govhall.cases.models import (
        Case,
        CaseEvent,
        CaseMaterial,
        MaterialCheck,
        Notice,
        Pause,
    )
    from govhall.catalog.models import ImportJob, Item, ItemVersion, Material
    from govhall.core.models import AuditEvent
    from govhall.evaluation.models import FollowUp, Rating
    from govhall.hotline.models import WorkOrder, WorkOrderEvent
    from govhall.org.models import Attendance, Authorization, User
    from govhall.supervision.models import Alert

    return [
        ("cases", Case, ("state", "version", "step", "request_action", "due_date", "extension_days",
                         "certificate_number", "fee_paid_at")),
        ("events", CaseEvent, ()), ("notices", Notice, ()), ("materials", CaseMaterial, ()),
        ("checks", MaterialCheck, ("verdict", "note")), ("pauses", Pause, ("ended_on",)),
        ("alerts", Alert, ("state", "sent_back", "answer")), ("ratings", Rating, ()),
        ("followups", FollowUp, ("state",)), ("audit", AuditEvent, ()),
        ("items", Item, ("current",)), ("items", ItemVersion, ("status",)), ("items", Material, ("template", "sample")),
        ("attendance", Attendance, ("status", "check_in", "check_out")), ("jobs", ImportJob, ("status",)),
        ("users", User, ("role", "is_active", "is_staff")), ("grants", Authorization, ()),
        ("orders", WorkOrder, ("state", "version")), ("order_events", WorkOrderEvent, ()),
    ]


@functools.cache
def _snapshot_sql() -> str:
    """One statement for every watched row (a request costs about as much:
    the snapshot must not cost fifteen more)."""
    quote = connection.ops.quote_name
    watched = _watched()
    width = max(len(fields) for _name, _model, fields in watched)
    selects = []
    for name, model, fields in watched:
        columns = [f"CAST({quote(model._meta.get_field(f).column)} AS TEXT)" for f in fields]
        columns += ["NULL"] * (width - len(fields))
        selects.append(f"SELECT '{name}', {quote(model._meta.pk.column)}, {', '.join(columns)}"
                       f" FROM {quote(model._meta.db_table)}")
    return " UNION ALL ".join(selects)


def snapshot() -> dict[str, list]:
    """What a request must not change unless it is allowed to: the cases
    (state, version, step, pending request, clocks), their events, notices,
    files and checks, pauses, alerts, ratings and follow-ups, audit events,
    the catalog's items, versions and forms, attendance, import jobs,
    logins and grants — row by row."""
    tables: dict[str, list] = {name: [] for name, _model, _fields in _watched()}
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        for name, *row in cursor.fetchall():
            tables[name].append(tuple(row))
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


def request(world, persona: str, probe: table.Probe, url: str, **client_kwargs):
    client = client_for(world, persona, **client_kwargs)
    body = probe.data(world, persona) if probe.data else {}
    send = getattr(client, probe.method.lower())
    if probe.method == "GET":
        return send(url, headers=probe.headers, **probe.environ)
    if probe.json:
        return send(url, data=json.dumps(body, ensure_ascii=False), content_type="application/json",
                    headers=probe.headers, **probe.environ)
    return send(url, data=body, headers=probe.headers, **probe.environ)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def response_text(response) -> str:
    """What a reader finds in the answer: the page, the JSON, the cells of a workbook."""
    if getattr(response, "streaming", False):
        return ""
    if response.get("Content-Type", "").startswith(XLSX):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                         for value in row if value is not None)
    return response.content.decode(errors="replace")


def judge(world, persona: str, probe: table.Probe, expected: table.Outcome, response, before, after) -> list[str]:
    """What is wrong with ``response`` (nothing: an empty list)."""
    problems = []
    status = response.status_code
    if status != expected.status:
        detail = response.get("Location", "") or response.content[:160].decode(errors="replace")
        problems.append(f"expected {expected}, got {status} {detail!r}")
        return problems
    if expected.kind == "login" and not response["Location"].startswith(reverse("login")):
        problems.append(f"redirected to {response['Location']}, not to the login page")
    if expected.kind == "ok":
        changed = {name for name in before if before[name] != after[name]}
        missing = set(expected.effect) - changed
        if missing:
            problems.append(f"allowed, but {sorted(missing)} did not change (changed: {sorted(changed)})")
        words = probe.words_seen_by(world)
        checked = probe.absent or words or probe.lists_cases or probe.hides_cases
        text = response_text(response) if checked else ""
        for word in probe.absent:
            if word in text:
                problems.append(f"shows {word!r}")
        for word, seen_by in words:
            if persona not in seen_by and word in text:
                problems.append(f"shows {word!r} outside its scope")
        for label in probe.lists_cases + probe.hides_cases:
            may = (table.case_owner(label) == persona if persona in table.APPLICANTS
                   else persona != table.ANONYMOUS and table.sees_case(persona, label))
            shown = world.cases[label].number in text
            if shown and not may:
                problems.append(f"lists case {label} ({world.cases[label].number}) outside its scope")
            elif may and not shown and label in probe.lists_cases:
                problems.append(f"does not list case {label} ({world.cases[label].number}) of its scope")
    elif before != after:
        changed = sorted(name for name in before if before[name] != after[name])
        problems.append(f"refused ({status}) but changed {changed}")
    return problems


CASES = [pytest.param(pattern, probe, id=f"{pattern} {probe.method} {probe.id}")
         for pattern, probes in table.ENTRIES.items() for probe in probes]


@pytest.mark.parametrize(("pattern", "probe"), CASES)
def test_every_persona_gets_what_the_table_says(world, pattern, probe):
    assert pattern in PATTERNS, f"the table names {pattern!r}, which is no URL pattern of the site"
    url = table.url_of(probe, PATTERNS[pattern], world)
    failures = []
    before = snapshot()  # the same before every request: each one is rolled back
    for persona in probe.personas:
        expected = probe.expect(persona)
        with transaction.atomic():
            response = request(world, persona, probe, url)
            after = snapshot()
            transaction.set_rollback(True)
        failures += [f"{persona}: {problem}" for problem in judge(world, persona, probe, expected, response,
                                                                   before, after)]
    assert not failures, f"{probe.method} {url}\n" + "\n".join(failures)


def test_every_url_pattern_has_a_row_in_the_table():
    missing = sorted(p for p in PATTERNS if p not in table.ENTRIES and not p.startswith(table.ADMIN_PREFIX))
    assert not missing, ("URL patterns without a row in the authorization matrix "
                         "(govhall/core/tests/authorization/table.py): " + ", ".join(missing))
    stale = sorted(set(table.ENTRIES) - set(PATTERNS))
    assert not stale, "rows of the matrix naming no URL pattern: " + ", ".join(stale)


def test_every_action_of_the_policy_has_its_rows():
    from govhall.cases.policy import INTERFACE_ACTIONS

    assert sorted(act.action for act in table.ACTS) == sorted(INTERFACE_ACTIONS)


# --- the Django admin, as one group ----------------------------------------------------------

def admin_urls() -> list[str]:
    """The admin's index and every registered model's list."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


def test_only_system_administrators_reach_the_admin(world):
    """Every admin page sends everyone but a system administrator to the
    admin's login page (the pages themselves are walked for the
    administrator by org/tests/test_admin_site.py)."""
    assert any(p.startswith(table.ADMIN_PREFIX) for p in PATTERNS)
    assert client_for(world, "sysadmin").get(reverse("admin:index")).status_code == 200
    failures = []
    for persona in [p for p in table.PERSONAS if p != "sysadmin"]:
        client = client_for(world, persona)
        for url in admin_urls():
            response = client.get(url)
            if response.status_code != 302 or not response["Location"].startswith(reverse("admin:login")):
                failures.append(f"{persona} {url}: {response.status_code} {response.get('Location', '')}")
    assert not failures, "\n".join(failures)


def test_an_admin_write_by_anyone_else_changes_nothing(world):
    """A login changed through the admin's form by staff who are not system
    administrators (a center manager, a supervisor): sent away, nothing written."""
    target = world.people["clerk"]
    url = reverse("admin:org_user_change", args=[target.pk])
    for persona in [p for p in table.PERSONAS if p != "sysadmin"]:
        with transaction.atomic():
            before = snapshot()
            response = client_for(world, persona).post(url, {"username": "clerk", "role": "sysadmin",
                                                             "is_active": "on"})
            after = snapshot()
            transaction.set_rollback(True)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), persona
        assert before == after, persona


# --- CSRF --------------------------------------------------------------------------------------

def test_a_logged_in_form_post_without_its_csrf_token_is_refused(world):
    """The test client skips CSRF checks; a browser's client does not: a
    form posted without the token (another site's form) is a 403 and
    changes nothing, with the token it works."""
    case = world.cases["review_a"]
    url = reverse("case_act", args=[case.pk, "complete_step"])
    client = client_for(world, "reviewer", enforce_csrf_checks=True)
    with transaction.atomic():
        before = snapshot()
        response = client.post(url, {"complete_step-opinion": "符合条件"})
        after = snapshot()
        transaction.set_rollback(True)
    assert response.status_code == 403 and before == after
    with transaction.atomic():
        page = client.get(reverse("case_detail", args=[case.pk]))
        token = page.context["csrf_token"]
        response = client.post(url, {"complete_step-opinion": "符合条件", "csrfmiddlewaretoken": str(token)})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.step == 2
        transaction.set_rollback(True)


def test_the_api_refuses_a_session_post_without_its_csrf_token(world):
    """Through the API a logged-in browser session is held to CSRF as well
    (a token is not: other systems send no cookie)."""
    case = world.cases["review_a"]
    client = client_for(world, "reviewer", enforce_csrf_checks=True)
    with transaction.atomic():
        before = snapshot()
        response = client.post(reverse("api_case_act_complete_step", args=[case.number]),
                               data=json.dumps({"opinion": "符合条件"}), content_type="application/json")
        after = snapshot()
        transaction.set_rollback(True)
    assert response.status_code == 403 and before == after

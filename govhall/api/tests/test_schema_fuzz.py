"""The API against its own OpenAPI schema, fuzzed with schemathesis.

Every operation of the schema drf-spectacular serves is called with data
generated from the schema — valid (positive) and invalid (negative) — as each
kind of caller: anonymous, an applicant, a window clerk, a reviewer, an
approver, a department head and a supervisor, each with a DRF token, on a
small hall with a published item and cases in several states. Each answer
must be no 5xx, and conform to the schema: a documented status code, the
documented content type, a body of the documented shape.

The calls go to the WSGI application in this thread, on the test's own
database connection: every call runs in a savepoint that is rolled back, so
each one sees the hall as built (and a failed statement on PostgreSQL cannot
spoil the rest). Generation is seeded (by caller, operation and mode) and
the number of examples bounded, so a run is reproducible and short. FUZZ_EXAMPLES raises the number
for a deeper search by hand (e.g. FUZZ_EXAMPLES=100).
"""

import functools
import os
import sys
import traceback
import zlib

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from govhall.cases.tests.conftest import accept_checked
from govhall.cases import services as cases
from govhall.cases.tests.conftest import at, desk  # noqa: F401  (fixture)
from govhall.evaluation import services as evaluation

# Examples per operation, per generation mode, per caller.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["anonymous", "applicant", "clerk", "reviewer", "approver", "head", "supervisor"]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES, database=None, deadline=None,
    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


def is_case_action(operation) -> bool:
    return "/actions/" in operation.path


@pytest.fixture
def fuzz_hall(desk):
    """The desk's hall with a case in each of several states — submitted,
    accepted, approved, delivered and rated (badly, so with a follow-up),
    withdrawn — all of the applicant, received at the comprehensive window."""
    h = desk

    def window(when="2026-03-02 10:00"):
        return cases.case_submit(actor=h.clerk, item_version=h.version, center=h.district, channel="window",
                                 applicant_name="张三", applicant_id_number="110101199003070011",
                                 applicant_phone="13912345678", applicant=h.applicant, at=at(when))

    def decided(when_accepted="2026-03-02 10:05"):
        case = accept_checked(actor=h.clerk, case=window(), at=at(when_accepted))
        case = cases.case_complete_step(actor=h.reviewer, case=case, opinion="材料齐全，符合条件",
                                        at=at("2026-03-02 11:00"))
        return cases.case_approve(actor=h.approver, case=case, opinion="同意", at=at("2026-03-02 11:30"))

    submitted = window()
    accepted = accept_checked(actor=h.clerk, case=window(), at=at("2026-03-02 10:05"))
    approved = decided()
    delivered = cases.case_certify(actor=h.clerk, case=decided(), certificate_number="JY1511602000001",
                                   at=at("2026-03-02 12:00"))
    delivered = cases.case_deliver(actor=h.clerk, case=delivered, method="window", received_by="张三",
                                   at=at("2026-03-02 14:00"))
    evaluation.rating_submit(actor=h.applicant, case=delivered, level=2, comment="等候太久", at=at("2026-03-02 15:00"))
    withdrawn = cases.case_withdraw(actor=h.applicant, case=window(), reason="不再办理", at=at("2026-03-02 10:30"))
    h.numbers = [c.number for c in (submitted, accepted, approved, delivered, withdrawn)]
    return h


@pytest.fixture
def app():
    """The project's WSGI application, called in this thread. Django must not
    close the test's connection at the end of each request (the test client
    does the same); the traceback of an exception in a view is kept for the
    failure message."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    tracebacks = []

    def record(sender, **kwargs):
        tracebacks.append("".join(traceback.format_exception(*sys.exc_info())))

    signals.got_request_exception.connect(record)
    application = get_wsgi_application()
    application.tracebacks = tracebacks
    yield application
    signals.got_request_exception.disconnect(record)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@functools.cache
def api_schema():
    """The schema as the API serves it at /api/schema/, loaded once per test
    process (generating it is the slowest part of a run)."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def negatable(operation) -> bool:
    """Whether negative data exists for the operation: a body, a query or
    header parameter (not the token header schemathesis derives from the
    security scheme), or a path parameter that is not plain text (any text
    is a valid string, so hypothesis would search in vain)."""
    headers = [p for p in operation.headers if "x-original-security-type" not in p.definition]
    typed_path = any(p.definition.get("schema", {}).get("type") not in (None, "string")
                     for p in operation.path_parameters)
    return bool(len(operation.body) or len(operation.query) or headers or typed_path)


def strategy_for(operation, mode, numbers):
    """Cases for ``operation``; an operation on a case names one of the
    hall's cases (or, one time in six, whatever the schema allows)."""
    if "{number}" not in operation.path:
        return operation.as_strategy(mode)
    return st.sampled_from([*numbers, None]).flatmap(
        lambda number: operation.as_strategy(mode, path_parameters={"number": number} if number else None))


def fuzz(app, hall, role: str, *, actions: bool) -> list[str]:
    """Run every operation (the case actions, or all the others) as ``role``;
    return one report per operation that failed."""
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Token {Token.objects.create(user=getattr(hall, role)).key}"
    failures = []
    for result in api_schema().get_all_operations():
        operation = result.ok()
        if is_case_action(operation) != actions:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and not negatable(operation):
                continue

            # Seeded by caller, operation and mode: reproducible, and each caller gets its own data.
            @hypothesis.seed(zlib.crc32(f"{role} {mode.value} {operation.label}".encode()))
            @SETTINGS
            @hypothesis.given(case=strategy_for(operation, mode, hall.numbers))
            def call(case):
                del app.tracebacks[:]
                with transaction.atomic():
                    try:
                        response = case.call(app=app, headers=headers)
                        try:
                            case.validate_response(response, checks=CHECKS)
                        except (Exception, BaseExceptionGroup) as failure:
                            raise AssertionError(f"{failure}\n{''.join(app.tracebacks)}") from None
                    finally:
                        transaction.set_rollback(True)

            try:
                call()
            except Unsatisfiable:
                pass  # negative data could not be made for this operation's parameters
            except AssertionError as failure:
                failures.append(f"=== {role} {mode.value} {operation.method.upper()} {operation.path}\n{failure}")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_to_its_schema(app, fuzz_hall, role):
    failures = fuzz(app, fuzz_hall, role, actions=False)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_the_case_actions_keep_to_the_schema(app, fuzz_hall, role):
    failures = fuzz(app, fuzz_hall, role, actions=True)
    assert not failures, "\n".join(failures)

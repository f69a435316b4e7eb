"""Run by test_replica.py in a process of its own, with a replica configured
(GOVHALL_REPLICA_DATABASE_URL): which database each page reads from.

Not collected on its own (its name is not test_*.py): the settings of the
normal run have no replica."""
# ruff: noqa: F811 (the desk fixture, imported, is the tests' argument)

import re

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from govhall.cases import services as cases
from govhall.cases.tests.conftest import desk  # noqa: F401 (fixture)
from govhall.core import replica

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

DOMAIN_TABLE = re.compile(r'"(calendars|catalog|cases|evaluation|org|stats|supervision)_')


def tables(captured) -> set[str]:
    return {match for query in captured.captured_queries for match in DOMAIN_TABLE.findall(query["sql"])}


def read(client, user, url, method="get"):
    if user is not None:
        client.force_login(user)
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as second:
        answer = getattr(client, method)(url)
    assert answer.status_code in (200, 302), (url, answer.status_code)
    return tables(primary), tables(second)


def test_the_replica_is_configured_as_a_mirror_of_the_primary():
    assert "replica" in settings.DATABASES
    assert settings.DATABASE_ROUTERS == ["govhall.core.replica.ReplicaRouter"]
    assert "govhall.core.replica.ReplicaReadsMiddleware" in settings.MIDDLEWARE


def test_statistics_read_the_domain_from_the_replica(client, desk):
    primary, second = read(client, desk.manager, reverse("stats_dashboard"))
    assert {"stats", "org"} <= second  # the rollups (the lights too: no case row is read)
    assert not primary, f"domain tables read from the primary: {primary}"


def test_the_catalog_pages_read_from_the_replica(client, desk):
    primary, second = read(client, None, reverse("portal_item", args=[desk.item.code]))
    assert "catalog" in second and not primary
    primary, second = read(client, None, reverse("api_items"))
    assert "catalog" in second and not primary


def test_case_pages_and_writes_stay_on_the_primary(client, desk):
    case = cases.case_submit(actor=desk.clerk, item_version=desk.version, center=desk.district, channel="window",
                             applicant_name="张三", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678")
    primary, second = read(client, desk.clerk, reverse("case_detail", args=[case.pk]))
    assert "cases" in primary and not second
    # A listed view asked to change something reads the primary too.
    primary, second = read(client, None, reverse("portal_search"), method="post")
    assert not second


def test_the_choice_ends_with_the_response(client, desk):
    read(client, desk.manager, reverse("stats_dashboard"))
    assert replica.ReplicaRouter().db_for_read(type(desk.item)) is None

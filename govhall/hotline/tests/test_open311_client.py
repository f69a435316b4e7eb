"""The read calls of Open311 driven by a GeoReport v2 client from PyPI
(``georeport``) against the served application (pytest-django's
live_server), in JSON and XML; every JSON answer is validated against the
specification's JSON forms. The client has no discovery call: discovery is
read with ``requests``, the HTTP library the client itself uses."""

import pytest
import requests
from georeport import GeoReport

from govhall.hotline.models import OrderType
from govhall.hotline.tests.test_open311 import (  # noqa: F401 (fixtures)
    WINDOW,
    gateway,
    orders,
    post_form,
    validate,
)


def client_for(live_server, fmt="json", jurisdiction="D1", key=None) -> GeoReport:
    # The client appends "/services.json" and the like to the root address.
    return GeoReport(f"{live_server.url}/open311/v2", jurisdiction=jurisdiction, api_key=key, output_format=fmt)


@pytest.mark.django_db(transaction=True)
def test_the_georeport_client_reads_services_and_requests(live_server, line, orders):  # noqa: F811
    discovery = requests.get(f"{live_server.url}/open311/v2/discovery.json", timeout=30)
    assert discovery.status_code == 200
    validate(discovery.json(), "discovery")

    client = client_for(live_server)
    services = validate(client.get_service_list(), "services")
    assert [(s["service_code"], s["group"]) for s in services] == [("01", "城乡建设"), ("0101", "城乡建设")]
    definition = validate(client.get_service_definition("0101"), "service_definition")
    assert definition["attributes"][0]["code"] == "type"

    listed = validate(client.get_service_requests(**WINDOW), "service_requests")
    assert {r["service_request_id"] for r in listed} == {orders[k].number for k in ("complaint", "consult", "report",
                                                                                     "town")}
    closed = validate(client.get_service_requests(status="closed", **WINDOW), "service_requests")
    assert [r["service_request_id"] for r in closed] == [orders["consult"].number]
    one = client.get_service_request(orders["consult"].number)
    validate([one], "service_requests")
    assert one["status"] == "closed" and one["status_notes"].startswith("王**您好")

    # A town's client sees the town's orders only.
    town = validate(client_for(live_server, jurisdiction="T1").get_service_requests(**WINDOW), "service_requests")
    assert [r["service_request_id"] for r in town] == [orders["town"].number]

    # An unknown request: the client raises on the 404.
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_request("D1-H20260302-99999")
    assert raised.value.response.status_code == 404
    validate(raised.value.response.json(), "errors")


@pytest.mark.django_db(transaction=True)
def test_the_georeport_client_reads_xml(live_server, line, orders, gateway):  # noqa: F811
    client = client_for(live_server, "xml")
    services = client.get_service_list()  # the top-level category and its child
    assert [(s["service_code"], s["metadata"]) for s in services] == [("01", "true"), ("0101", "true")]
    definition = client.get_service_definition("0101")
    assert [a["code"] for a in definition["attributes"]["attribute"]] == [
        "type", "urgency", "anonymous", "related_case_number"]
    listed = client.get_service_requests(**WINDOW)
    assert {r["service_request_id"] for r in listed} == {orders[k].number for k in ("complaint", "consult", "report",
                                                                                     "town")}
    report = client.get_service_request(orders["report"].number)
    assert (report["status"], report["description"], report["lat"]) == ("open", None, None)

    # A request posted over HTTP (the client does not post) is read back by the client.
    form = post_form(gateway, **{"attribute[type]": OrderType.SUGGEST})
    created = requests.post(f"{live_server.url}/open311/v2/requests.json", data=form, timeout=30)
    number = validate(created.json(), "post_response")[0]["service_request_id"]
    mine = client_for(live_server).get_service_request(number)
    validate([mine], "service_requests")
    assert (mine["status"], mine["description"], mine["service_code"]) == ("open", "小区路灯不亮已经一周。", "0101")

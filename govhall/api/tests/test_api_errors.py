"""Bad requests are 4xx in one JSON shape under /api/, never a 500 nor an HTML page."""

import io
import json

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import get_commands, load_command_class
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.urls import reverse
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient
from werkzeug.test import Client as WSGIClient

from govhall.api import parsers
from govhall.api.errors import server_error
from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.catalog.tests.factories import complete_spec
from govhall.evaluation.tests.conftest import delivered


@pytest.fixture
def api():
    # As a client sees it: an exception in a view is the 500 answer, not a test error.
    return APIClient(raise_request_exception=False)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def parse(text: str):
    return parsers.JSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


def test_the_parser_bounds_nesting_size_and_refuses_nul(settings):
    assert parse(nested(parsers.MAX_DEPTH)) is not None
    with pytest.raises(ParseError):
        parse(nested(parsers.MAX_DEPTH + 1))
    with pytest.raises(ParseError):
        parse(nested(100_000))  # the standard decoder's RecursionError
    with pytest.raises(parsers.BodyInvalid) as nul:
        parse(json.dumps({"materials": [{"name": "a\x00"}]}))
    assert nul.value.field == "materials[0].name"
    assert parse('{"name": "营业执照"}') == {"name": "营业执照"}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 24
    assert parse('{"name": "营业执照"}') == {"name": "营业执照"}  # 24 bytes in UTF-8
    with pytest.raises(parsers.BodyInvalid):
        parse('{"name": "营业执照 "}')


@pytest.mark.parametrize("url", ["/api/cases/", "/api/catalog/manage/items/", "/api/cases/{number}/rating/"])
def test_a_body_nested_100000_deep_is_a_400(api, desk, url):
    number = delivered(desk).number
    api.force_authenticate(desk.applicant)
    answer = api.post(url.format(number=number), nested(100_000), content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="k")
    assert answer.status_code == 400 and answer.json()["field"] == "body"


def test_a_nul_in_a_body_is_a_400_naming_the_field(api, desk):
    api.force_authenticate(desk.head)
    answer = api.post("/api/catalog/manage/items/", complete_spec("A", name="食品\x00经营"), format="json")
    assert answer.status_code == 400 and answer.json()["field"] == "name"


def test_a_json_body_larger_than_the_upload_limit_is_a_400(api, desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api.force_authenticate(desk.head)
    answer = api.post("/api/catalog/manage/items/", complete_spec("A", conditions="条件" * 1000), format="json")
    assert answer.status_code == 400 and answer.json()["field"] == "body"


@pytest.mark.parametrize("body", ["[]", '"text"', "1", "null", "true"])
@pytest.mark.parametrize("url", ["/api/cases/", "/api/catalog/manage/items/"])
def test_a_body_that_is_not_an_object_is_a_400(api, desk, url, body):
    api.force_authenticate(desk.head)
    answer = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert answer.status_code == 400 and answer.json()["field"] == "body"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url", ["/api/nothing/", "/api/cases/D1-1/notices/-1.pdf", "/api/catalog/items/x/more/"])
def test_unknown_api_addresses_answer_json(db, settings, debug, url):
    settings.DEBUG = debug
    answer = Client().get(url)
    assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
    assert set(answer.json()) == {"detail", "field"}


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_slash_redirects_a_read_and_refuses_a_write(db, settings, debug):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    read = client.get("/api/catalog/items", {"q": "开饭店"})
    assert read.status_code == 301 and read["Location"] == "/api/catalog/items/?q=%E5%BC%80%E9%A5%AD%E5%BA%97"
    # APPEND_SLASH cannot redirect a POST: under DEBUG it raised (500); now a 404 that names the address.
    write = client.post("/api/cases", {}, content_type="application/json")
    assert write.status_code == 404 and "/api/cases/" in write.json()["detail"]


def test_a_method_not_allowed_has_the_same_shape(api, desk):
    api.force_authenticate(desk.clerk)
    answer = api.delete(reverse("api_cases"))
    assert answer.status_code == 405 and "POST" in answer["Allow"]
    assert answer.json()["field"] is None and answer.json()["detail"]
    # Publishing is only a POST (it no longer inherits the item's GET and PUT).
    assert api.get(reverse("api_manage_publish", args=["X"])).status_code == 405


def test_not_logged_in_has_the_same_shape(api, db):
    answer = api.get(reverse("api_cases"))
    assert answer.status_code == 403 and answer.json() == {"detail": answer.json()["detail"], "field": None}


def test_a_server_error_under_api_is_json(api, db, monkeypatch):
    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr("govhall.api.catalog.selectors.theme_list", broken)
    answer = api.get(reverse("api_themes"))
    assert answer.status_code == 500 and answer["Content-Type"] == "application/json"
    assert answer.json()["field"] is None


def test_the_500_handler_keeps_the_site_page_outside_api(rf):
    assert server_error(rf.get("/api/cases/"))["Content-Type"] == "application/json"
    assert server_error(rf.get("/portal/"))["Content-Type"].startswith("text/html")


def test_a_static_path_out_of_the_static_folders_is_a_404(db, settings):
    """The development server (make run) leaves static files to WhiteNoise:
    Django's static handler let SuspiciousFileOperation escape as a 500."""
    settings.DEBUG = True
    settings.WHITENOISE_USE_FINDERS = True
    command = load_command_class(get_commands()["runserver"], "runserver")
    options = vars(command.create_parser("manage.py", "runserver").parse_args([]))
    assert not isinstance(command.get_handler(**options), StaticFilesHandler)
    client = WSGIClient(get_wsgi_application())
    assert client.get("/static/..%2F..%2Fvar%2Fmedia%2Fcases%2Fx.pdf").status_code == 404
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_every_operation_documents_its_error_answers(client, db):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if {} not in operation.get("security", [{}]):
                assert "403" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
    assert {"400", "409", "415", "422"} <= set(schema["paths"]["/api/cases/"]["post"]["responses"])
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "field"]

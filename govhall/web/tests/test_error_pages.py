"""Pages for people when something goes wrong (DEBUG off, as in the demo and
in production): Chinese first, inside the site's layout, with a way back.
Under /api/ the same handlers answer JSON (govhall/api/tests/test_api_errors.py)."""

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import path, reverse

from govhall import urls as site_urls
from govhall.api.errors import server_error


def broken(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


# The site's routes, its error handlers, and two views that fail on purpose.
urlpatterns = [path("test/broken/", broken), path("test/forbidden/", forbidden), *site_urls.urlpatterns]
handler400, handler403 = site_urls.handler400, site_urls.handler403
handler404, handler500 = site_urls.handler404, site_urls.handler500

pytestmark = pytest.mark.urls(__name__)


def in_the_layout(html: str) -> bool:
    return '<header class="top">' in html and "govhall/site.css" in html and 'rel="icon"' in html


@override_settings(DEBUG=False)
def test_a_missing_page_is_a_chinese_404_in_the_layout_with_a_way_home(client, db):
    answer = client.get("/no-such-page/")
    html = answer.content.decode()
    assert answer.status_code == 404 and answer["Content-Type"].startswith("text/html")
    assert in_the_layout(html) and "<h1>页面不存在</h1>" in html
    assert f'<a href="{reverse("portal_home")}">返回首页</a>' in html
    assert "<code>/no-such-page/</code>" in html  # the address, for a typo
    assert "URLconf" not in html  # never Django's debug page


@override_settings(DEBUG=False)
def test_the_way_back_is_the_page_one_came_from_when_it_is_ours(client, db):
    ours = client.get("/no-such-page/", HTTP_REFERER="http://testserver/workbench/").content.decode()
    assert '<a href="http://testserver/workbench/">返回上一页</a>' in ours
    elsewhere = client.get("/no-such-page/", HTTP_REFERER="https://elsewhere.example/").content.decode()
    # Otherwise the browser's history, by site.js (no javascript: link: the CSP refuses it).
    assert "elsewhere.example" not in elsewhere and '<a href="#" data-back>返回上一页</a>' in elsewhere


@override_settings(DEBUG=False)
def test_english_through_the_language_switch(client, db):
    client.cookies["django_language"] = "en"
    html = client.get("/no-such-page/").content.decode()
    assert "Page not found" in html and "页面不存在" not in html


@override_settings(DEBUG=False)
def test_a_forbidden_page_says_why_and_offers_a_login_to_visitors(client, hall):
    visitor = client.get("/test/forbidden/")
    html = visitor.content.decode()
    assert visitor.status_code == 403 and in_the_layout(html) and "<h1>请先登录</h1>" in html
    assert f'<a href="{reverse("login")}?next=/test/forbidden/">登录</a>' in html

    client.force_login(hall.clerk)  # a clerk at the supervisors' wall
    staff = client.get(reverse("supervision_wall"))
    html = staff.content.decode()
    assert staff.status_code == 403 and "<h1>无权访问</h1>" in html and "?next=" not in html
    assert f'<a href="{reverse("home")}">工作台</a>' in html


@override_settings(DEBUG=False)
def test_the_reason_a_view_gives_is_shown(client, hall):
    client.force_login(hall.clerk)  # staff do not apply on the portal
    page = client.get(reverse("portal_apply", args=["X"]))
    html = page.content.decode()
    assert page.status_code == 403 and "工作人员请在工作台办理。" in html


@override_settings(DEBUG=False)
def test_a_server_error_is_the_chinese_500_page(db):
    client = Client(raise_request_exception=False)
    answer = client.get("/test/broken/")
    html = answer.content.decode()
    assert answer.status_code == 500 and "<h1>系统暂时出错</h1>" in html
    assert "govhall/site.css" in html and f'<a href="{reverse("portal_home")}">返回首页</a>' in html
    assert "RuntimeError" not in html and "Traceback" not in html


def test_the_500_page_needs_neither_database_nor_user(rf):
    """No django_db mark: touching the database here would fail the test."""
    html = server_error(rf.get("/workbench/")).content.decode()
    assert "系统暂时出错" in html and "工作台" not in html


@override_settings(DEBUG=False)
def test_an_expired_form_is_a_chinese_page_that_asks_to_reload(db):
    client = Client(enforce_csrf_checks=True)
    answer = client.post(reverse("login"), {"username": "clerk", "password": "x"})
    html = answer.content.decode()
    assert answer.status_code == 403 and in_the_layout(html) and "<h1>页面已过期</h1>" in html
    assert "刷新页面后重新填写并提交" in html and "CSRF verification failed" not in html
    # Under /api/ the same failure answers the API's JSON shape.
    api = client.post("/api/nothing/", {})
    assert api.status_code == 403 and set(api.json()) == {"detail", "field"}


@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"])
def test_a_bad_request_is_a_chinese_400(db):
    answer = Client(HTTP_HOST="evil.example").get("/")
    assert answer.status_code == 400 and "<h1>请求无效</h1>" in answer.content.decode()


@override_settings(DEBUG=False)
def test_the_favicon_is_linked_and_answers_at_the_old_address_too(client, db):
    assert finders.find("govhall/favicon.svg")
    html = client.get(reverse("portal_home")).content.decode()
    assert 'rel="icon" href="/static/govhall/favicon.svg"' in html
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302 and answer["Location"] == "/static/govhall/favicon.svg"


@pytest.mark.parametrize("message, heading", [
    ("connection to server at 127.0.0.1 failed", "系统暂时无法服务"),
    ("database is locked", "系统繁忙"),
])
def test_a_database_away_or_busy_is_a_page_that_says_to_retry(rf, message, heading):
    from django.db import OperationalError

    from govhall.api.errors import database_unavailable

    answer = database_unavailable(rf.get("/portal/"), OperationalError(message))
    page = answer.content.decode()
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert f"<title>{heading} · govhall</title>" in page and "请稍等片刻后刷新本页" in page
    assert "/static/govhall/site.css" in page  # the site's own look, without the database

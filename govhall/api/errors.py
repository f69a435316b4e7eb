"""Errors as HTTP answers: 400 with the field, 401/403, 404, 405, 409, 422 —
never a 500 for bad input, and always one JSON shape under /api/:
``{"detail": <message>, "field": <name or null>}``, plus ``errors`` (every
bad field) when a body had several.

Three layers give that shape:
- ``exception_handler`` (DRF's EXCEPTION_HANDLER): domain errors, the
  catalog's spec errors and DRF's own exceptions raised in API views;
- ``not_found`` … ``server_error`` (the project's handler404/400/403/500,
  and ``csrf_failure``, its CSRF_FAILURE_VIEW) and ``unknown_address`` (the
  last route under /api/, so that an unknown address answers JSON even under
  DEBUG, where Django shows its own page instead of calling handler404);
  outside /api/ the same handlers answer the site's Chinese pages
  (templates/400.html … 500.html);
- ``schema_error_responses``, a drf-spectacular hook that documents those
  answers on every operation, so that the schema says what a client can get.

A database that cannot be reached (restarted, failed over) or, on SQLite,
stays locked by another process past the busy timeout is a 503 with
Retry-After, never a 500: ``DatabaseUnavailableMiddleware`` answers it for
the views, ``server_error`` for what fails outside them (docs/operations.md, "Faults and recovery").
"""

import logging
import sys

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.utils.http import escape_leading_slashes, url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from govhall.catalog.services import SpecInvalid
from govhall.core.errors import DomainError

API_PREFIX = "/api/"
logger = logging.getLogger(__name__)


def error_body(detail: str, field: str | None = None, errors: list[dict] | None = None) -> dict:
    body = {"detail": str(detail), "field": field}
    if errors:
        body["errors"] = errors
    return body


def _flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested validation detail as [{"field": "items[0].material", "message": …}]."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = path or "body"
            elif isinstance(key, int):
                name = f"{path}[{key}]"
            else:
                name = f"{path}.{key}" if path else str(key)
            out.extend(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": path or "body", "message": str(item)} for item in detail[:1]]
        out = []
        for i, item in enumerate(detail):
            if item:  # a list of lines: only the bad ones have errors
                out.extend(_flatten(item, f"{path}[{i}]"))
        return out
    return [{"field": path or "body", "message": str(detail)}]


def validation_response(detail) -> Response:
    """A 400 from a serializer's errors, naming the first bad field."""
    errors = _flatten(detail) or [{"field": "body", "message": "输入有误。"}]
    return Response(error_body("输入有误。", errors[0]["field"], errors), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, SpecInvalid):
        errors = [{"field": e.path, "message": e.message} for e in exc.errors]
        return Response(error_body(exc.message, exc.field, errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.message, exc.field), status=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        set_rollback()  # as DRF does for its own errors
        return validation_response(exc.detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a programming error: the 500 handler answers
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    response.data = error_body(detail, getattr(exc, "field", None))
    return response


# --- Django's error handlers (govhall/urls.py), JSON under /api/ -----------------

def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _back_url(request) -> str:
    """The page the visitor came from, when it is one of ours: the error
    pages' "返回上一页" (the template falls back to the browser's history)."""
    referer = request.headers.get("Referer", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # a 400 for a bad Host: no address to compare with
        return ""
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure()):
        return referer if referer != request.build_absolute_uri() else ""
    return ""


def _page(request, template: str, status: int, **context):
    """An error page inside the site's layout (the request's context: the
    signed-in user, the demo banner)."""
    return render(request, template, {"back_url": _back_url(request), **context}, status=status)


@requires_csrf_token  # the layout's language and logout forms carry the token
def not_found(request, exception):
    """handler404: JSON under /api/, the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse(error_body("接口地址不存在。"), status=404)
    if request.path_info == "/favicon.ico":
        # Browsers ask for it whatever the page links (PDFs, JSON, old bookmarks).
        return HttpResponseRedirect(static("govhall/favicon.svg"))
    return _page(request, "404.html", 404, request_path=request.path)


@requires_csrf_token
def bad_request(request, exception):
    """handler400 (a suspicious request: a body larger than Django reads, a bad host…)."""
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(error_body("请求体过大。", "body"), status=400)
        return JsonResponse(error_body("请求无效。"), status=400)
    return _page(request, "400.html", 400, too_big=isinstance(exception, RequestDataTooBig))


@requires_csrf_token
def permission_denied(request, exception):
    """handler403 for views outside DRF (DRF answers its own 403s). The
    reason a view gives (PermissionDenied("…"), written for people) is shown."""
    if _is_api(request):
        return JsonResponse(error_body("无权访问。"), status=403)
    reason = exception.args[0] if exception is not None and exception.args else ""
    return _page(request, "403.html", 403, detail=reason if isinstance(reason, str) else "")


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a form's token no longer matches (the page stayed
    open past the session, or the visitor signed in or out elsewhere).
    Rendering the layout issues a fresh token, so reloading the form works."""
    if _is_api(request):
        return JsonResponse(error_body("CSRF 校验失败，请刷新页面后重试。"), status=403)
    return _page(request, "403.html", 403, csrf_failed=True)


def server_error(request):
    """handler500 (production; under DEBUG Django shows the traceback).
    500.html stands alone: it is rendered without the request's context (no
    database, no user), since whatever failed may fail again. An unreachable
    or locked database is a 503 (``database_unavailable``) wherever it failed:
    a middleware's write of the session, say."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return database_unavailable(request, exception)
    if _is_api(request):
        return JsonResponse(error_body("服务器内部错误，请稍后重试。"), status=500)
    return defaults.server_error(request)


# --- the database unreachable or busy: 503, and the next request works -------------

# What a database that went away (a restart, a failover, a broken connection)
# or a SQLite file locked past the busy timeout raises. Django closes a
# connection that failed at the end of the request (and, with
# CONN_HEALTH_CHECKS, checks a reused one before the request uses it), so the
# process recovers by itself once the database is back.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def _locked(exception) -> bool:
    return "database is locked" in str(exception) or "database table is locked" in str(exception)


def database_unavailable(request, exception):
    """503 with Retry-After: JSON under /api/, the site's stand-alone page
    elsewhere (503.html, rendered without the request's context: no session,
    no user — nothing that needs the database)."""
    busy = _locked(exception)
    logger.warning("database %s: %s %s: %s", "busy" if busy else "unavailable", request.method, request.path,
                   str(exception).strip().splitlines()[0] if str(exception).strip() else type(exception).__name__)
    if _is_api(request):
        detail = "系统繁忙（数据库正忙），请稍后重试。" if busy else "系统暂时无法服务（数据库无法连接），请稍后重试。"
        response = JsonResponse(error_body(detail), status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render({"busy": busy}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view (or the template it renders) that fails because the database
    is unreachable or busy answers 503 (``database_unavailable``), under
    DEBUG too; what fails outside a view reaches ``server_error``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable(request, exception)
        return None


def unknown_address(request, rest: str = ""):
    """The last route under /api/: no API view has this address. A GET of an
    address that exists with a trailing slash is redirected there, as
    Django's APPEND_SLASH would (which a catch-all route turns off); any
    other request gets a JSON 404 that says where the address is."""
    if not request.path_info.endswith("/"):
        slashed = request.path_info + "/"
        try:
            match = resolve(slashed, getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_address:
            if request.method in {"GET", "HEAD"}:
                target = request.get_full_path(force_append_slash=True)
                return HttpResponsePermanentRedirect(escape_leading_slashes(target))
            return JsonResponse(error_body(f"接口地址应以 / 结尾：{request.path}/"), status=404)
    return JsonResponse(error_body("接口地址不存在。"), status=404)


# --- the schema ------------------------------------------------------------------

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _unauthenticated_status() -> str:
    """DRF answers 401 when the first authentication class names a scheme
    for WWW-Authenticate, 403 otherwise (session authentication names none)."""
    classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    return "401" if classes and classes[0]().authenticate_header(None) else "403"


def _document(responses: dict, code: str, description: str) -> None:
    responses.setdefault(code, {"content": {"application/json": {"schema": ERROR_REF}}, "description": description})


def schema_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the
    error answers the API's common machinery gives, unless it documents them
    itself — 401/403 (not logged in) where a login is needed, 404 where the
    address names an object, 400 where there is input to get wrong, 415
    where there is a body (of a type the endpoint does not read). The
    Error component is ``api.serializers.ErrorSerializer``, which the views
    name for their own error answers."""
    unauthenticated = _unauthenticated_status()
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if {} not in operation.get("security", [{}]):
                _document(responses, unauthenticated, "未登录或凭据无效 · not logged in")
            if "{" in path:
                _document(responses, "404", "不存在或不在您的权限范围内 · not found")
            parameters = operation.get("parameters", [])
            if "requestBody" in operation or any(p.get("in") in {"query", "header"} for p in parameters):
                _document(responses, "400", "输入有误（detail 与 field 指明）· bad input")
            if "requestBody" in operation:
                _document(responses, "415", "不支持的请求体类型（Content-Type）· unsupported media type")
    return result

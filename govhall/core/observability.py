"""Logs an operator can search, and the request figures /metrics exports.

- Every request gets an id: the ``X-Request-ID`` header when it is sane
  (what a proxy or a calling system sent: 1–64 letters, digits, ``.``,
  ``_``, ``:`` or ``-``), otherwise a new one; the answer carries it back.
- One log line per request on the ``govhall.request`` logger (static files
  served fine: at DEBUG level): method, path
  (never the query string), route name, status, duration, user id, and the
  case number when the address names a case. Every other line written while
  the request runs carries the same request id (a context variable, read by
  ``RequestContextFilter``).
- Personal data never reaches a log line: both formatters mask identity
  numbers and phone numbers in the finished line (``mask_personal_data``,
  with ``govhall.core.masking``), whatever logger wrote it and whatever the
  message, arguments or traceback held.
- ``GOVHALL_LOG_FORMAT=json``: one JSON object per line (production);
  ``text``: a readable line (development, ``make run``).

docs/observability.md lists the fields.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.utils.functional import empty
from prometheus_client import Counter, Histogram

from govhall.core.masking import mask_id_number, mask_phone

request_logger = logging.getLogger("govhall.request")

# What a request id from outside may look like: no spaces, quotes or line
# breaks (nothing that could forge or split a log line), at most 64 characters.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
HEADER = "X-Request-ID"

# The id of the request being served in this thread.
_context: contextvars.ContextVar[str | None] = contextvars.ContextVar("govhall_request_id", default=None)

# --- personal data --------------------------------------------------------------

# One pass, three kinds, each only between characters that are not ASCII
# letters or digits (a number inside a longer code — a case number, a hex
# request id — is not a person's):
# 1. a resident identity number (GB 11643; 18 characters) or the old 15 digits;
# 2. a mainland mobile, with or without +86 and separators (138 1234 5678);
# 3. a landline with its area code (0826-2338001, 010-12345678).
_PERSONAL = re.compile(r"(?<![0-9A-Za-z])(?:(\d{17}[\dXx]|\d{15})|((?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2})"
                       r"|(0\d{2,3}-\d{7,8}))(?![0-9A-Za-z])")
# Where one of them could be: a run of 11+ digits, spaces and dashes. Most
# lines have none, and looking for runs is several times faster than the above.
_CANDIDATE = re.compile(r"[+\d][\d -]{9,}[\dXx]")


def _masked(match: re.Match, landlines: bool = True) -> str:
    id_number, mobile, landline = match.groups()
    if id_number:
        return mask_id_number(id_number)
    if mobile:
        return mask_phone(re.sub(r"\D", "", mobile)[-11:])  # +86 138-1234-5678 → 138****5678
    return mask_phone(landline) if landlines else landline


def _masked_keeping_landlines(match: re.Match) -> str:
    return _masked(match, landlines=False)


def mask_personal_data(text: str, *, landlines: bool = True) -> str:
    """``text`` with every identity number and phone number masked as lists
    show them (1101**********0011, 138****5678). ``landlines=False`` keeps
    landlines with their area code: a public answer quotes an office's or a
    utility's number (0826-2222110) for everyone to call; short service
    numbers (95598, 12333, 96xxx) are never a person's and never masked."""
    masked = _masked if landlines else _masked_keeping_landlines
    slices: list[list[int]] = []  # the runs, with one character of context each side
    for run in _CANDIDATE.finditer(text):
        start, end = max(run.start() - 1, 0), min(run.end() + 1, len(text))
        if slices and start <= slices[-1][1]:
            slices[-1][1] = end  # touching: one slice, so no number is cut in two
        else:
            slices.append([start, end])
    if not slices:
        return text
    parts, done = [], 0
    for start, end in slices:
        parts += [text[done:start], _PERSONAL.sub(masked, text[start:end])]
        done = end
    return "".join(parts) + text[done:]


# --- formatters -----------------------------------------------------------------

class RequestContextFilter(logging.Filter):
    """Gives every record the id of the request being served (None outside
    a request), so that each line can be traced to its request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _context.get()
        return True


# django_tasks' logger (Django's own name for it once Tasks are in Django).
TASK_LOGGERS = frozenset({"django_tasks", "django.tasks"})


class TaskChatterFilter(logging.Filter):
    """The task worker announces every task it starts and finishes at INFO
    (django_tasks' signal receivers; ``db_worker`` forces that logger to
    INFO): those lines count as DEBUG here, so the worker's log shows what
    went wrong, not every scan. A failed task (ERROR) still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in TASK_LOGGERS and record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


class TextFormatter(logging.Formatter):
    """A readable line: time, level, logger, request id, message."""

    def __init__(self, *args, **kwargs):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id:
            line += f" [request {request_id}]"
        return mask_personal_data(line)


# Attributes every LogRecord has; anything else was passed in ``extra``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger,
    message, the request's fields, whatever the caller passed in ``extra``,
    and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return mask_personal_data(json.dumps(entry, ensure_ascii=False, default=str))


# --- the request ----------------------------------------------------------------

# Latency by route name (never by raw path: no case number in a label).
# Per process: docs/observability.md says how several gunicorn workers add up.
REQUEST_SECONDS = Histogram("govhall_http_request_duration_seconds",
                            "Time from the request reaching Django to the answer, by route name.",
                            ["route", "method"])
RESPONSES = Counter("govhall_http_responses", "Answers by route name and status code.",
                    ["route", "method", "status"])
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_id_for(request) -> str:
    """The id a caller sent in X-Request-ID when it is sane, else a new one."""
    sent = request.headers.get(HEADER, "")
    return sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def route_of(request) -> str:
    """The name of the URL pattern that served ``request`` (its pattern when
    it has no name): a bounded set of labels, no ids or numbers in them."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


def _user_id(request) -> int | None:
    # Only a user the request already loaded: reading it here would cost a
    # session query on requests that never needed one (/healthz, static files).
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


def _case_number(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if "number" in match.kwargs and match.view_name and "case" in match.view_name:
        return str(match.kwargs["number"])[:64]
    if "case_id" in match.kwargs:
        # The workbench names a case by its key: one indexed lookup, after
        # the answer is made. A failure here must not fail the request.
        from govhall.cases.models import Case

        try:
            return Case.objects.filter(pk=match.kwargs["case_id"]).values_list("number", flat=True).first()
        except Exception:  # noqa: BLE001 - the database may be what failed
            return None
    return None


class RequestLogMiddleware:
    """First in MIDDLEWARE: sees every request, redirects and static files
    included, and times the whole of Django's work on it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = request_id_for(request)
        request.request_id = request_id
        token = _context.set(request_id)
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[HEADER] = request_id
            self._record(request, response, seconds)
            return response
        finally:
            _context.reset(token)

    def _record(self, request, response, seconds: float) -> None:
        route = route_of(request)
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(route=route, method=method).observe(seconds)
        RESPONSES.labels(route=route, method=method, status=str(response.status_code)).inc()
        fields = {
            "request_id": request.request_id,
            "route": route,
            "method": request.method,
            "path": request.path[:500],
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": _user_id(request),
            "case": _case_number(request),
        }
        message = f"{request.method} {fields['path']} {response.status_code} {fields['duration_ms']:.0f}ms"
        message += "".join(f" {name}={fields[name]}" for name in ("route", "user_id", "case") if fields[name])
        if response.status_code >= 500:
            level = logging.ERROR
        elif route == "static" and response.status_code < 400:
            level = logging.DEBUG  # a page's stylesheet and scripts: not worth a line each
        else:
            level = logging.INFO
        request_logger.log(level, message, extra=fields)

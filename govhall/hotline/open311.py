"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) on the 12345
hotline, at /open311/v2/ (docs/hotline.md, "Open311").

- services = the active categories of the category tree, at every level
  (code, name, group = the top-level category's name: an order may carry a
  category with children, so GET services, POST and GET requests agree on
  every code); one service definition for all
  of them: the work-order fields the hotline needs as attributes (type,
  urgency, anonymous, related case number);
- POST requests = ``services.workorder_create`` with channel Open311, acting
  as the login whose API token is the ``api_key`` (the hotline's policy
  decides whether that login may register orders at the jurisdiction);
- GET requests = the public part of the orders of a jurisdiction (a
  center, and every center below it): status open/closed, the public part
  of the reply as status notes, never the caller; no content of
  complaints and reports, no place of reports;
- jurisdiction_id = a center's code;
- JSON and XML (``xml.etree``), errors as the specification's ``errors``
  body with the HTTP status it names (400, 403, 404), never a 500 for bad
  input.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from govhall.core import clock
from govhall.core.client import client_address, rate_limited
from govhall.core.errors import DomainError
from govhall.core.masking import mask_phone
from govhall.core.observability import mask_personal_data
from govhall.hotline import services
from govhall.hotline.limits import limit_for
from govhall.hotline.models import (
    OPEN_STATES,
    AssignmentRole,
    Category,
    DueKind,
    OrderChannel,
    OrderState,
    OrderType,
    Urgency,
    WorkOrder,
    WorkOrderAssignment,
)
from govhall.org.models import Center

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The day this endpoint's behaviour last changed (discovery's changeset).
CHANGESET = "2026-12-06T00:00:00+08:00"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# GET requests: the specification's default window and largest answer.
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_IDS = 100
# Types whose content and reply are never public (the reporter is
# protected); reports keep their place private too.
PRIVATE_CONTENT = frozenset({OrderType.COMPLAINT, OrderType.REPORT})
PRIVATE_PLACE = frozenset({OrderType.REPORT})
# Order fields named in a DomainError → the Open311 argument the client sent.
FIELD_NAMES = {"content": "description", "caller_phone": "phone", "caller_name": "last_name",
               "latitude": "lat", "longitude": "long", "address": "address_string", "type": "attribute[type]",
               "urgency": "attribute[urgency]", "center": "jurisdiction_id", "category": "service_code"}
# The child element of each list in the XML form.
XML_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
             "values": "value", "endpoints": "endpoint", "formats": "format"}
DIGITS = re.compile(r"\d{7,}[Xx]?")
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    """One or more errors of the specification's ``errors`` body, with the
    HTTP status it names: 400, 403 (api_key), 404 (unknown resource)."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0])
        self.status = status
        self.descriptions = descriptions


def _field_error(field: str, message: str) -> str:
    return f"{field}: {message}"


# --- rendering ------------------------------------------------------------------

def _xml_value(element: ET.Element, value) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def _xml_fill(element: ET.Element, data: dict) -> None:
    for key, value in data.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            for item in value:
                _xml_item(child, XML_ITEMS[key], item)
        elif isinstance(value, dict):
            _xml_fill(child, value)
        else:
            _xml_value(child, value)


def _xml_item(parent: ET.Element, name: str, item) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(item, dict):
        _xml_fill(element, item)
    else:
        _xml_value(element, item)


def to_xml(root: str, data) -> bytes:
    """The XML form of an answer: a list under ``root`` (its items named by
    ``XML_ITEMS``), or an object as ``root``'s children. UTF-8 with the
    declaration, no namespace (the specification's "XML Support")."""
    element = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _xml_item(element, XML_ITEMS[root], item)
    else:
        _xml_fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, default=_json_default).encode()
    else:
        body = to_xml(root, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    return render(fmt if fmt in CONTENT_TYPES else "xml", "errors",
                  [{"code": status, "description": str(text)} for text in descriptions], status=status)


def w3c(moment: datetime | None) -> str | None:
    """A moment in the W3C date-time format, local time with its offset."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def parse_w3c(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Open311Error(400, _field_error(field, _("须为 W3C 日期时间格式，如 2026-01-01T00:00:00+08:00。"))) from None
    if moment.tzinfo is None:
        raise Open311Error(400, _field_error(field, _("须带时区（Z 或 +08:00）。")))
    return moment


# --- jurisdictions --------------------------------------------------------------

def jurisdiction(value: str | None, *, default: Center | None = None) -> Center:
    """The center named by ``jurisdiction_id`` (its code). Without one:
    ``default``, else the one top-level center of an installation that has
    only one (the endpoint serves several jurisdictions otherwise: 400)."""
    value = (value or "").strip()
    if value:
        center = Center.objects.filter(code=value).first()
        if center is None:
            raise Open311Error(404, _field_error("jurisdiction_id", _("没有编码为“%(code)s”的中心。") % {"code": value}))
        return center
    if default is not None:
        return default
    roots = list(Center.objects.filter(parent__isnull=True)[:2])
    if len(roots) != 1:
        raise Open311Error(400, _field_error("jurisdiction_id", _("本接口服务多个中心，请提供中心编码。")))
    return roots[0]


# --- services -------------------------------------------------------------------

def service_categories() -> QuerySet[Category]:
    """The services: every active category. Not only the leaves: the intake,
    the portal and the API file orders under a category with children too
    (物业管理 besides 电梯故障), and GeoReport v2 wants each request's
    service_code to be one of the services list, resolvable as a service
    definition and accepted by POST requests."""
    return Category.objects.filter(active=True).select_related("parent__parent").order_by("code")


def _ancestors(category: Category) -> list[Category]:
    chain, node = [], category
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


def service_entry(category: Category) -> dict:
    chain = _ancestors(category)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": " / ".join(node.name for node in chain),
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(node.name for node in chain),
        "group": chain[0].name,
    }


def service_get(code: str) -> Category:
    category = service_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _field_error("service_code", _("没有代码为“%(code)s”的服务。") % {"code": code}))
    return category


YES_NO = (("true", gettext_lazy("是")), ("false", gettext_lazy("否")))


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    datatype: str
    required: bool = False
    choices: tuple = ()
    datatype_description: str | None = None
    max_length: int = 0


def attributes() -> list[Attribute]:
    """The service definition's attributes (every service has the same)."""
    return [
        Attribute("type", _("诉求类型"), "singlevaluelist", required=True,
                  choices=tuple((value, str(label)) for value, label in OrderType.choices)),
        Attribute("urgency", _("紧急程度（默认一般）"), "singlevaluelist",
                  choices=tuple((value, str(label)) for value, label in Urgency.choices)),
        Attribute("anonymous", _("是否匿名（匿名时不记录姓名）"), "singlevaluelist",
                  choices=tuple((value, str(label)) for value, label in YES_NO)),
        Attribute("related_case_number", _("关联的政务服务办件编号（选填）"), "string",
                  datatype_description=_("办件编号，最多 40 个字符"), max_length=40),
    ]


def service_definition(category: Category) -> dict:
    return {"service_code": category.code, "attributes": [
        {"variable": True, "code": attr.code, "datatype": attr.datatype, "required": attr.required,
         "datatype_description": attr.datatype_description, "order": order, "description": attr.description,
         **({"values": [{"key": key, "name": name} for key, name in attr.choices]} if attr.choices else {})}
        for order, attr in enumerate(attributes(), start=1)]}


def parse_attributes(form) -> tuple[dict, list[str]]:
    """``attribute[code]=value`` pairs checked against the definition: the
    values and the errors, each naming the attribute."""
    known = {attr.code: attr for attr in attributes()}
    values, errors = {}, []
    for key in form:
        match = ATTRIBUTE_KEY.match(key)
        if not match:
            continue
        code, many = match.group(1), match.group(2)
        name = f"attribute[{code}]"
        attr = known.get(code)
        if attr is None:
            errors.append(_field_error(name, _("没有该属性。")))
            continue
        given = form.getlist(key)
        if many or len(given) != 1:
            errors.append(_field_error(name, _("只能取一个值。")))
            continue
        value = given[0].strip()
        if attr.choices and value and value not in dict(attr.choices):
            errors.append(_field_error(name, _("取值无效，可选：%(keys)s。")
                                       % {"keys": ", ".join(key for key, _label in attr.choices)}))
            continue
        if attr.max_length and len(value) > attr.max_length:
            errors.append(_field_error(name, _("不能超过 %(n)d 个字符。") % {"n": attr.max_length}))
            continue
        values[code] = value
    for attr in known.values():
        if attr.required and not values.get(attr.code) and not any(e.startswith(f"attribute[{attr.code}]")
                                                                    for e in errors):
            errors.append(_field_error(f"attribute[{attr.code}]", _("请填写此项。")))
    return values, errors


# --- POST requests --------------------------------------------------------------

def api_key_user(key: str | None):
    """The active login whose API token is ``key`` (403 otherwise)."""
    from rest_framework.authtoken.models import Token

    key = (key or "").strip()
    if not key:
        raise Open311Error(403, _field_error("api_key", _("缺少此参数。")))
    token = Token.objects.select_related("user__center").filter(key=key[:40]).first()
    if token is None or not token.user.is_active:
        raise Open311Error(403, _field_error("api_key", _("无效，或其账号已停用。")))
    return token.user


def _media_url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 500:
        raise Open311Error(400, _field_error("media_url", _("须为 http(s) 网址，最多 500 个字符。")))
    return value


def request_create(*, actor, center: Center, form, at: datetime, client_address: str | None = None) -> WorkOrder:
    """POST requests: the form (the specification's arguments) as a work
    order of ``center`` registered by ``actor`` (the api_key's login)
    through ``services.workorder_create``, which checks the actor against
    the hotline's policy. 404 for an unknown service, 400 naming every bad
    argument; nothing is written then."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _field_error("service_code", _("请提供服务代码。")))
    category = service_get(code)
    values, errors = parse_attributes(form)
    lat, long = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    address = (form.get("address_string") or "").strip()
    if (form.get("address_id") or "").strip() and not (lat or long or address):
        errors.append(_field_error("address_id", _("本平台没有地址库编号，请提供 lat/long 或 address_string。")))
    elif not ((lat and long) or address):
        errors.append(_field_error("lat", _("请提供位置：lat 和 long，或 address_string。")))
    try:
        media = _media_url(form.get("media_url") or "")
    except Open311Error as exc:
        errors.extend(exc.descriptions)
        media = ""
    if errors:
        raise Open311Error(400, *errors)
    content = (form.get("description") or "").strip()
    if content and media:
        content = f"{content}\n{_('媒体链接：')}{media}"
    name = f"{(form.get('last_name') or '').strip()}{(form.get('first_name') or '').strip()}"
    anonymous = values.get("anonymous") == "true" or not name
    try:
        return services.workorder_create(
            actor=actor, center=center, type=values["type"], channel=OrderChannel.OPEN311, content=content,
            caller_phone=form.get("phone") or "", caller_name=name, anonymous=anonymous, category=category,
            address=address, latitude=lat or None, longitude=long or None,
            urgency=values.get("urgency") or Urgency.NORMAL,
            related_case_number=values.get("related_case_number", ""), at=at, client_address=client_address)
    except DomainError as exc:
        field = FIELD_NAMES.get(exc.field, exc.field)
        raise Open311Error(exc.status if exc.status in (403, 404) else 400,
                           _field_error(field, exc.message) if field else exc.message) from None


def service_notice(order: WorkOrder) -> str:
    kind, amount = limit_for(order.type)
    limit = (_("%(n)d 小时") if kind == DueKind.HOURS else _("%(n)d 个工作日")) % {"n": amount}
    return _("已登记为12345热线工单，派单后承办单位须在%(limit)s内办理答复。") % {"limit": limit}


# --- GET requests ---------------------------------------------------------------

def public_orders(center: Center) -> QuerySet[WorkOrder]:
    """The orders Open311 shows for ``center``'s jurisdiction: those of the
    center and every center below it that carry a service (a category)."""
    main = WorkOrderAssignment.objects.filter(active=True, role=AssignmentRole.MAIN)
    return (WorkOrder.objects.filter(center__path__startswith=center.path, category__isnull=False)
            .select_related("category", "main_unit")
            .prefetch_related(Prefetch("assignments", queryset=main, to_attr="main_parts"))
            .order_by("-created_at", "-pk"))


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def requests_filter(orders: QuerySet[WorkOrder], params, *, at: datetime) -> QuerySet[WorkOrder]:
    """The specification's arguments: service_request_id (a comma list that
    overrides the rest), service_code, start_date/end_date (at most 90
    days; the last 90 days by default), status (open, closed)."""
    ids = _split(params.get("service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _field_error("service_request_id", _("一次最多查询 %(n)d 个。") % {"n": MAX_IDS}))
        return orders.filter(number__in=ids)
    codes = _split(params.get("service_code"))
    if codes:
        orders = orders.filter(category__code__in=codes)
    statuses = set(_split(params.get("status")))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _field_error("status", _("可选值为 open、closed。")))
    if statuses == {"open"}:
        orders = orders.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        orders = orders.filter(state=OrderState.CLOSED)
    start = parse_w3c(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_w3c(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None and end is None:
        end = at
    if start is None:
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, _field_error("end_date", _("不能早于 start_date。")))
    if end - start > WINDOW:
        raise Open311Error(400, _field_error("end_date", _("查询范围不能超过 90 天。")))
    return orders.filter(created_at__gte=start, created_at__lte=end)


def _public_text(text: str, order: WorkOrder, *, keep_service_numbers: bool = False) -> str | None:
    """Text shown to anyone: digit runs (phones, identity numbers) masked,
    the caller's name hidden. ``keep_service_numbers``: only mobiles and
    identity numbers masked (core.observability.mask_personal_data), for
    the answer, which quotes public numbers."""
    if not text:
        return None
    if keep_service_numbers:
        text = mask_personal_data(text, landlines=False)
    else:
        text = DIGITS.sub(lambda match: mask_phone(match.group()), text)
    name = order.caller_name
    if len(name) >= 2:
        text = text.replace(name, name[0] + "*" * (len(name) - 1))
    return text


def _status_notes(order: WorkOrder) -> str:
    label = str(OrderState(order.state).label)
    if order.state != OrderState.CLOSED or order.type in PRIVATE_CONTENT:
        return label
    parts = getattr(order, "main_parts", None)
    if parts is None:
        parts = list(order.assignments.filter(active=True, role=AssignmentRole.MAIN))
    answer = order.direct_answer or (parts[0].reply if parts else "")
    # The answer is the hotline's or the unit's words: the service numbers it
    # quotes (a utility's 96xxx, an office's landline) stay for the public to
    # call; personal mobiles and identity numbers are masked.
    return _public_text(answer, order, keep_service_numbers=True) or label


def request_entry(order: WorkOrder) -> dict:
    """The public fields of one order, in the specification's order; never
    the caller's name, phone or the channel's details."""
    private_place = order.type in PRIVATE_PLACE
    return {
        "service_request_id": order.number,
        "status": "open" if order.state in OPEN_STATES else "closed",
        "status_notes": _status_notes(order),
        "service_name": order.category.name,
        "service_code": order.category.code,
        "description": None if order.type in PRIVATE_CONTENT else _public_text(order.content, order),
        "agency_responsible": order.main_unit.name if order.main_unit else None,
        "service_notice": None,
        "requested_datetime": w3c(order.created_at),
        "updated_datetime": w3c(order.closed_at or order.updated_at),
        "expected_datetime": w3c(order.due_at),
        "address": None if private_place else (_public_text(order.address, order)),
        "address_id": None,
        "zipcode": None,
        "lat": None if private_place or order.latitude is None else order.latitude,
        "long": None if private_place or order.longitude is None else order.longitude,
        "media_url": None,
    }


# --- views ----------------------------------------------------------------------

def _limited(request) -> bool:
    return rate_limited(scope="open311", key=client_address(request) or "unknown",
                        limit=getattr(settings, "GOVHALL_OPEN311_CALLS_PER_MINUTE", 120), seconds=60)


def _answer(request, fmt: str, methods: tuple[str, ...], build) -> HttpResponse:
    """Runs ``build`` (returning (root, data, status)) for an allowed method
    and turns every refusal into the specification's errors body."""
    if request.method not in methods:
        response = error_response(fmt, 405, _("不支持该请求方法。"))
        response["Allow"] = ", ".join(methods)
        return response
    if _limited(request):
        response = error_response(fmt, 429, _("请求过于频繁，请一分钟后再试。"))
        response["Retry-After"] = "60"
        return response
    try:
        root, data, status = build()
    except Open311Error as exc:
        return error_response(fmt, exc.status, *exc.descriptions)
    except DomainError as exc:
        return error_response(fmt, exc.status, exc.message)
    return render(fmt, root, data, status)


def discovery(request, fmt: str):
    def build():
        url = request.build_absolute_uri("/open311/v2/")
        return "discovery", {
            "changeset": CHANGESET,
            "contact": getattr(settings, "GOVHALL_OPEN311_CONTACT", "") or _("12345政务服务便民热线"),
            "key_service": _("api_key 为中心系统管理员签发的接口令牌（12345话务员角色的系统账号）。"),
            "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET,
                           "type": "production", "formats": ["text/xml", "application/json"]}],
        }, 200
    return _answer(request, fmt, ("GET", "HEAD"), build)


def service_list(request, fmt: str):
    def build():
        jurisdiction(request.GET.get("jurisdiction_id"))
        return "services", [service_entry(category) for category in service_categories()], 200
    return _answer(request, fmt, ("GET", "HEAD"), build)


def service_definition_view(request, service_code: str, fmt: str):
    def build():
        jurisdiction(request.GET.get("jurisdiction_id"))
        return "service_definition", service_definition(service_get(service_code)), 200
    return _answer(request, fmt, ("GET", "HEAD"), build)


@csrf_exempt
def requests_view(request, fmt: str):
    def build():
        if request.method == "POST":
            actor = api_key_user(request.POST.get("api_key"))
            center = jurisdiction(request.POST.get("jurisdiction_id"), default=actor.center)
            order = request_create(actor=actor, center=center, form=request.POST, at=clock.now(),
                                   client_address=client_address(request))
            return "service_requests", [{"service_request_id": order.number, "service_notice": service_notice(order),
                                         "account_id": None}], 200
        center = jurisdiction(request.GET.get("jurisdiction_id"))
        orders = requests_filter(public_orders(center), request.GET, at=clock.now())[:MAX_REQUESTS]
        return "service_requests", [request_entry(order) for order in orders], 200
    return _answer(request, fmt, ("GET", "HEAD", "POST"), build)


def request_view(request, service_request_id: str, fmt: str):
    def build():
        center = jurisdiction(request.GET.get("jurisdiction_id"))
        order = public_orders(center).filter(number=service_request_id).first()
        if order is None:
            raise Open311Error(404, _field_error("service_request_id", _("没有该工单。")))
        return "service_requests", [request_entry(order)], 200
    return _answer(request, fmt, ("GET", "HEAD"), build)


@csrf_exempt
def unknown(request, rest: str = ""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return error_response(fmt, 404, _("没有该接口地址；格式须为 .xml 或 .json。"))

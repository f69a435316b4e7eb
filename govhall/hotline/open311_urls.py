"""Open311 GeoReport v2 addresses, included at /open311/v2/ (govhall/urls.py)."""

from django.urls import re_path

from govhall.hotline import open311

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311_discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="open311_services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + FMT, open311.service_definition_view, name="open311_service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="open311_requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + FMT, open311.request_view, name="open311_request"),
    # Anything else under /open311/v2/ (another format, an unknown method): the errors body, 404.
    re_path(r"^(?P<rest>.*)$", open311.unknown),
]

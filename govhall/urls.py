from django.contrib import admin
from django.urls import include, path, re_path

from govhall.api import errors as api_errors
from govhall.core import benchfloor, health, metrics

urlpatterns = [
    # Monitoring (docs/observability.md): open health report, restricted metrics.
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("", include("govhall.portal.urls")),
    path("", include("govhall.web.urls")),
    path("", include("govhall.web.stats_urls")),
    path("", include("govhall.supervision.urls")),
    path("", include("govhall.evaluation.urls")),
    path("", include("govhall.agency.urls")),
    path("", include("govhall.hall.urls")),
    path("", include("govhall.hotline.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("govhall.api.urls")),
    # Open311 GeoReport v2 on the 12345 hotline (docs/hotline.md, "Open311").
    path("open311/v2/", include("govhall.hotline.open311_urls")),
    # Any other address under /api/: a JSON 404, even under DEBUG.
    re_path(r"^api/(?P<rest>.*)$", api_errors.unknown_address),
    path("admin/", admin.site.urls),
    # The load run's floor; empty unless GOVHALL_BENCH_FLOOR=1.
    *benchfloor.urlpatterns(),
]

# JSON error answers under /api/, the site's pages elsewhere.
handler400 = api_errors.bad_request
handler403 = api_errors.permission_denied
handler404 = api_errors.not_found
handler500 = api_errors.server_error

admin.site.site_header = "govhall 政务服务中心 · 基础数据管理"
admin.site.site_title = "govhall 管理"
admin.site.index_title = "基础数据"

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("govhall.portal.urls")),
    path("", include("govhall.web.urls")),
    path("", include("govhall.web.stats_urls")),
    path("", include("govhall.supervision.urls")),
    path("", include("govhall.evaluation.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("govhall.api.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "govhall 政务服务中心 · 基础数据管理"
admin.site.site_title = "govhall 管理"
admin.site.index_title = "基础数据"

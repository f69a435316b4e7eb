"""The workbench's statistics pages (included from govhall/urls.py)."""

from django.urls import path, re_path

from govhall.web import stats_views

urlpatterns = [
    path("workbench/stats/", stats_views.stats_dashboard, name="stats_dashboard"),
    path("workbench/stats/cases/", stats_views.stats_cases, name="stats_cases"),
    path("workbench/stats/scores/", stats_views.stats_scores, name="stats_scores"),
    re_path(r"^workbench/stats/report\.(?P<fmt>xlsx|pdf)$", stats_views.stats_report, name="stats_report"),
]

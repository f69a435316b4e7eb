from django.urls import path

from govhall.supervision import views

urlpatterns = [
    path("workbench/supervision/", views.wall, name="supervision_wall"),
    path("workbench/alerts/", views.alert_list, name="alert_list"),
    path("workbench/alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("workbench/alerts/<int:alert_id>/<str:action>/", views.alert_act, name="alert_act"),
]

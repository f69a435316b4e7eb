from django.urls import path

from govhall.hotline import views

urlpatterns = [
    path("workbench/hotline/intake/", views.intake, name="hotline_intake"),
    path("workbench/hotline/intake/history/", views.history, name="hotline_history"),
    path("workbench/hotline/", views.order_list, name="hotline_orders"),
    path("workbench/hotline/unit/", views.unit_list, name="hotline_unit_orders"),
    path("workbench/hotline/<str:number>/", views.order_detail, name="hotline_order"),
    path("workbench/hotline/<str:number>/<slug:act>/", views.order_act, name="hotline_order_act"),
]

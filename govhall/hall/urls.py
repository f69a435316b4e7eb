from django.urls import path

from govhall.hall import views

urlpatterns = [
    path("hall/<str:center>/kiosk/", views.kiosk, name="hall_kiosk"),
    path("hall/<str:center>/display/", views.display, name="hall_display"),
    path("hall/<str:center>/display/calls/", views.display_calls, name="hall_display_calls"),
    path("hall/ticket/<str:code>/", views.ticket_page, name="hall_ticket"),
    path("workbench/hall/", views.panel, name="hall_panel"),
    path("workbench/hall/<int:window_id>/queue/", views.panel_queue, name="hall_panel_queue"),
    path("workbench/hall/<int:window_id>/call/", views.panel_call, name="hall_call"),
    path("workbench/hall/categories/", views.categories, name="hall_categories"),
    path("workbench/hall/stats/", views.stats, name="hall_stats"),
    path("workbench/hall/staffing/", views.staffing_view, name="hall_staffing"),
    path("workbench/hall/windows/<int:window_id>/categories/", views.window_categories, name="hall_window_categories"),
    path("workbench/hall/tickets/<int:ticket_id>/<str:action>/", views.panel_act, name="hall_act"),
]

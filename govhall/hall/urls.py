from django.urls import path

from govhall.hall import appointments_views, views

urlpatterns = [
    path("hall/<str:center>/guide/", views.guide, name="hall_guide"),
    path("hall/<str:center>/guide/items/<str:code>/", views.guide_item, name="hall_guide_item"),
    path("hall/<str:center>/guide/progress/", views.guide_progress, name="hall_guide_progress"),
    path("hall/<str:center>/kiosk/", views.kiosk, name="hall_kiosk"),
    path("hall/<str:center>/online/", views.online_ticket, name="hall_online_ticket"),
    path("hall/<str:center>/display/", views.display, name="hall_display"),
    path("hall/<str:center>/display/calls/", views.display_calls, name="hall_display_calls"),
    path("hall/ticket/<str:code>/", views.ticket_page, name="hall_ticket"),
    path("hall/<str:center>/kiosk/checkin/", appointments_views.kiosk_check_in, name="hall_kiosk_check_in"),
    path("appointments/", appointments_views.portal_appointment_book, name="portal_appointment_book"),
    path("my/appointments/", appointments_views.portal_my_appointments, name="portal_my_appointments"),
    path("my/appointments/<str:code>/cancel/", appointments_views.portal_appointment_cancel,
         name="portal_appointment_cancel"),
    path("workbench/hall/appointments/", appointments_views.manage, name="hall_appointments_manage"),
    path("workbench/hall/appointments/<int:category_id>/pattern/", appointments_views.manage_pattern,
         name="hall_appointments_pattern"),
    path("workbench/hall/", views.panel, name="hall_panel"),
    path("workbench/hall/<int:window_id>/queue/", views.panel_queue, name="hall_panel_queue"),
    path("workbench/hall/<int:window_id>/call/", views.panel_call, name="hall_call"),
    path("workbench/hall/categories/", views.categories, name="hall_categories"),
    path("workbench/hall/stats/", views.stats, name="hall_stats"),
    path("workbench/hall/roster/", views.roster, name="hall_roster"),
    path("workbench/hall/staffing/", views.staffing_view, name="hall_staffing"),
    path("workbench/hall/windows/<int:window_id>/categories/", views.window_categories, name="hall_window_categories"),
    path("workbench/hall/tickets/<int:ticket_id>/<str:action>/", views.panel_act, name="hall_act"),
]

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from govhall.web import case_views, catalog_views, views

urlpatterns = [
    path("workbench/", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/", views.org_overview, name="org_overview"),
    path("org/staff/", views.org_staff, name="org_staff"),
    path("attendance/", views.attendance, name="attendance"),
    path("attendance/sign-in/", views.attendance_sign, {"direction": "in"}, name="attendance_sign_in"),
    path("attendance/sign-out/", views.attendance_sign, {"direction": "out"}, name="attendance_sign_out"),
    path("attendance/record/", views.attendance_record, name="attendance_record"),
    path("calendar/", views.calendar_tool, name="calendar_tool"),
    path("calendar/deadline/", views.calendar_deadline, name="calendar_deadline"),
    path("workbench/cases/", case_views.case_worklist, name="case_worklist"),
    path("workbench/cases/receive/", case_views.case_receive_pick, name="case_receive_pick"),
    path("workbench/cases/receive/<str:code>/", case_views.case_receive, name="case_receive"),
    path("workbench/cases/<int:case_id>/", case_views.case_detail, name="case_detail"),
    path("workbench/cases/<int:case_id>/notices/<int:notice_id>.pdf", case_views.case_notice_pdf, name="case_notice_pdf"),
    path("workbench/cases/<int:case_id>/materials/<int:file_id>/", case_views.case_material_file, name="case_material_file"),
    path("workbench/cases/<int:case_id>/<str:action>/", case_views.case_act, name="case_act"),
    path("workbench/catalog/", catalog_views.catalog_list, name="catalog_list"),
    path("workbench/catalog/new/", catalog_views.catalog_new, name="catalog_new"),
    path("workbench/catalog/import/", catalog_views.catalog_import, name="catalog_import"),
    path("workbench/catalog/import/<int:job_id>/", catalog_views.catalog_import_job, name="catalog_import_job"),
    re_path(r"^workbench/catalog/export\.(?P<fmt>xlsx|json)$", catalog_views.catalog_export, name="catalog_export"),
    path("workbench/catalog/<int:item_id>/", catalog_views.catalog_item, name="catalog_item"),
    path("workbench/catalog/<int:item_id>/edit/", catalog_views.catalog_edit, name="catalog_edit"),
    path("workbench/catalog/<int:item_id>/preview/", catalog_views.catalog_preview, name="catalog_preview"),
    path("workbench/catalog/<int:item_id>/publish/", catalog_views.catalog_publish, name="catalog_publish"),
    path("workbench/catalog/<int:item_id>/materials/<int:order>/form/", catalog_views.catalog_form_upload, name="catalog_form_upload"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from govhall.web import views

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
]

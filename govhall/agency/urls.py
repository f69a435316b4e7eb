from django.urls import path

from govhall.agency import views

urlpatterns = [
    path("workbench/agency/", views.agency_list, name="agency_list"),
    path("workbench/agency/new/", views.agency_create, name="agency_create"),
    path("workbench/agency/<int:pk>/revoke/", views.agency_revoke, name="agency_revoke"),
    path("workbench/agency/cases/", views.agency_case_list, name="agency_case_list"),
]

from django.urls import path

from govhall.portal import agency_views, hotline_views, joint_views, views

urlpatterns = [
    path("", views.portal_home, name="portal_home"),
    path("search/", views.portal_search, name="portal_search"),
    path("departments/<str:code>/", views.portal_department, name="portal_department"),
    path("themes/<str:code>/", views.portal_theme, name="portal_theme"),
    path("items/<str:code>/", views.portal_item, name="portal_item"),
    path("items/<str:code>/materials/<int:order>/<str:kind>/", views.portal_material_file, name="portal_material_file"),
    path("progress/", views.portal_progress, name="portal_progress"),
    path("my/cases/", views.portal_my_cases, name="portal_my_cases"),
    path("items/<str:code>/apply/", views.portal_apply, name="portal_apply"),
    path("my/cases/<str:number>/", views.portal_my_case, name="portal_my_case"),
    path("my/cases/<str:number>/files/<int:file_id>/", views.portal_my_case_file, name="portal_my_case_file"),
    path("my/cases/<str:number>/<str:action>/", views.portal_my_case_act, name="portal_my_case_act"),
    path("joint/", joint_views.portal_joint_themes, name="portal_joint_themes"),
    path("joint/<str:code>/apply/", joint_views.portal_joint_apply, name="portal_joint_apply"),
    path("my/joint/", joint_views.portal_my_joint_cases, name="portal_my_joint_cases"),
    path("my/joint/<str:number>/", joint_views.portal_my_joint_case, name="portal_my_joint_case"),
    path("my/agency/", agency_views.portal_my_agencies, name="portal_my_agencies"),
    path("my/agency/<int:pk>/revoke/", agency_views.portal_my_agency_revoke, name="portal_my_agency_revoke"),
    path("hotline/", hotline_views.portal_hotline, name="portal_hotline"),
    path("hotline/done/", hotline_views.portal_hotline_done, name="portal_hotline_done"),
    path("hotline/query/", hotline_views.portal_hotline_query, name="portal_hotline_query"),
    path("hotline/files/<str:number>/<int:file_id>/", hotline_views.portal_hotline_file, name="portal_hotline_file"),
    path("my/hotline/", hotline_views.portal_my_orders, name="portal_my_orders"),
    path("my/hotline/<str:number>/", hotline_views.portal_my_order, name="portal_my_order"),
    path("verify/<str:code>/", views.portal_verify, name="portal_verify"),
    path("verify/<str:code>/notice.pdf", views.portal_verify_pdf, name="portal_verify_pdf"),
]

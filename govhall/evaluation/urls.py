from django.urls import path

from govhall.evaluation import views

urlpatterns = [
    # portal: the applicant's own case; public: the SMS link (no login)
    path("my/ratings/<str:number>/", views.rating_my_case, name="rating_my_case"),
    path("rate/<str:token>/", views.rating_link, name="rating_link"),
    # workbench: the window evaluation pad and the follow-ups of bad ratings
    path("workbench/rate/", views.window_rate_pick, name="window_rate_pick"),
    path("workbench/rate/<int:case_id>/", views.window_rate, name="window_rate"),
    path("workbench/followups/", views.followup_list, name="followup_list"),
    path("workbench/followups/<int:followup_id>/", views.followup_detail, name="followup_detail"),
    path("workbench/followups/<int:followup_id>/<str:step>/", views.followup_act, name="followup_act"),
]

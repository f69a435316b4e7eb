from django.urls import path

from govhall.hotline import category_views, knowledge_views, suggest_views, views
from govhall.hotline.bulletin_views import bulletin_page

urlpatterns = [
    path("workbench/hotline/intake/", views.intake, name="hotline_intake"),
    path("workbench/hotline/intake/history/", views.history, name="hotline_history"),
    path("workbench/hotline/intake/suggest/", suggest_views.panel, name="hotline_suggest_panel"),
    path("workbench/hotline/intake/suggest/pick/", suggest_views.pick, name="hotline_suggest_pick"),
    path("workbench/hotline/suggest/", suggest_views.model_page, name="hotline_suggest"),
    path("workbench/hotline/suggest/train/", suggest_views.train, name="hotline_suggest_train"),
    path("workbench/hotline/intake/knowledge/", knowledge_views.suggest, name="hotline_knowledge_suggest"),
    path("workbench/hotline/intake/knowledge/pick/", knowledge_views.pick, name="hotline_knowledge_pick"),
    path("workbench/hotline/bulletin/", bulletin_page, name="hotline_bulletin"),
    path("workbench/hotline/knowledge/", knowledge_views.knowledge_list, name="hotline_knowledge_list"),
    path("workbench/hotline/knowledge/new/", knowledge_views.knowledge_new, name="hotline_knowledge_new"),
    path("workbench/hotline/knowledge/<int:pk>/", knowledge_views.knowledge_detail, name="hotline_knowledge"),
    path("workbench/hotline/knowledge/<int:pk>/edit/", knowledge_views.knowledge_edit, name="hotline_knowledge_edit"),
    path("workbench/hotline/knowledge/<int:pk>/<slug:act>/", knowledge_views.knowledge_act,
         name="hotline_knowledge_act"),
    path("workbench/hotline/categories/", category_views.category_list, name="hotline_categories"),
    path("workbench/hotline/categories/import/", category_views.category_import, name="hotline_category_import"),
    path("workbench/hotline/categories/<int:pk>/", category_views.category_edit, name="hotline_category_edit"),
    path("workbench/hotline/", views.order_list, name="hotline_orders"),
    path("workbench/hotline/unit/", views.unit_list, name="hotline_unit_orders"),
    path("workbench/hotline/<str:number>/", views.order_detail, name="hotline_order"),
    path("workbench/hotline/<str:number>/files/<int:file_id>/", views.order_file, name="hotline_order_file"),
    path("workbench/hotline/<str:number>/<slug:act>/", views.order_act, name="hotline_order_act"),
]

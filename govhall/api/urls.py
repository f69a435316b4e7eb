from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from govhall.api import case_actions, cases, catalog, joint, ratings
from govhall.hall import api as hall
from govhall.hall import appointments_api
from govhall.hotline import orders_api
from govhall.hotline.knowledge_api import KnowledgeSearch
from govhall.hotline.suggest_api import DispatchSuggest

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("catalog/items/", catalog.PublishedItemList.as_view(), name="api_items"),
    path("catalog/items/<str:code>/", catalog.PublishedItemDetail.as_view(), name="api_item"),
    path("catalog/themes/", catalog.ThemeList.as_view(), name="api_themes"),
    path("catalog/themes/<str:code>/", catalog.ThemeDetail.as_view(), name="api_theme"),
    path("catalog/manage/items/", catalog.StaffItemCreate.as_view(), name="api_manage_items"),
    path("catalog/manage/items/<str:code>/", catalog.StaffItemDetail.as_view(), name="api_manage_item"),
    path("catalog/manage/items/<str:code>/publish/", catalog.StaffItemPublish.as_view(), name="api_manage_publish"),
    path("cases/", cases.CaseListCreate.as_view(), name="api_cases"),
    path("cases/<str:number>/", cases.CaseDetail.as_view(), name="api_case"),
    path("cases/<str:number>/events/", cases.CaseEvents.as_view(), name="api_case_events"),
    path("cases/<str:number>/notices/<int:notice_id>.pdf", cases.CaseNoticePdf.as_view(), name="api_case_notice"),
    *[path(f"cases/<str:number>/actions/{action}/", view.as_view(), name=f"api_case_act_{action}")
      for action, view in case_actions.ACTION_VIEWS.items()],
    # After every action of the table: what is left is not an action (reversing
    # "api_case_act" with an action's name gives that action's own address).
    path("cases/<str:number>/actions/<str:action>/", case_actions.action_unknown, name="api_case_act"),
    path("cases/<str:number>/rating/", ratings.CaseRating.as_view(), name="api_case_rating"),
    path("hotline/suggest/", DispatchSuggest.as_view(), name="api_hotline_suggest"),
    path("hotline/knowledge/", KnowledgeSearch.as_view(), name="api_hotline_knowledge"),
    path("hotline/orders/", orders_api.OrderListCreate.as_view(), name="api_hotline_orders"),
    path("hotline/orders/<str:number>/", orders_api.OrderDetail.as_view(), name="api_hotline_order"),
    path("hotline/orders/<str:number>/files/<int:file_id>/", orders_api.OrderFile.as_view(),
         name="api_hotline_order_file"),
    *[path(f"hotline/orders/<str:number>/actions/{act}/", view.as_view(), name=f"api_hotline_order_act_{act}")
      for act, view in orders_api.ACTION_VIEWS.items()],
    path("joint/cases/", joint.JointCaseList.as_view(), name="api_joint_cases"),
    path("joint/cases/<str:number>/", joint.JointCaseDetail.as_view(), name="api_joint_case"),
    path("hall/tickets/", hall.TicketIssue.as_view(), name="api_hall_tickets"),
    path("hall/tickets/<str:code>/", hall.TicketStatus.as_view(), name="api_hall_ticket"),
    path("hall/slots/", appointments_api.SlotList.as_view(), name="api_hall_slots"),
    path("hall/appointments/", appointments_api.AppointmentBook.as_view(), name="api_hall_appointments"),
    path("hall/appointments/<str:code>/cancel/", appointments_api.AppointmentCancel.as_view(),
         name="api_hall_appointment_cancel"),
]

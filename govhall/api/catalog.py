"""Catalog endpoints: public reads of published items and themes; writes
for staff allowed to edit the item's department (the services check)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.serializers import (
    ErrorSerializer, ItemSpecSerializer, ItemSummarySerializer, StaffItemSerializer, ThemeDetailSerializer,
    ThemeSerializer,
)
from govhall.catalog import selectors
from govhall.catalog.services import item_create, item_edit, item_publish
from govhall.core.errors import DomainError, NotFound

TAGS = ["catalog 事项目录"]


class PublishedItemList(ListAPIView):
    """Published items (办事指南), optionally searched in Chinese or filtered."""

    permission_classes = [AllowAny]
    serializer_class = ItemSummarySerializer

    @extend_schema(tags=TAGS, parameters=[
        OpenApiParameter("q", str, description="中文检索词，如“施工许可”“开饭店”"),
        OpenApiParameter("department", str, description="实施部门编码"),
        OpenApiParameter("item_type", str, description="事项类型"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = self.request.query_params.get("q", "").strip()
        if query:
            versions = selectors.version_search_published(query=query, limit=200)
        else:
            versions = selectors.version_list_published().order_by("item__code")
        department = self.request.query_params.get("department")
        item_type = self.request.query_params.get("item_type")
        return [v for v in versions
                if (not department or v.item.department.code == department) and (not item_type or v.item_type == item_type)]


class PublishedItemDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, responses={200: ItemSpecSerializer, 404: ErrorSerializer})
    def get(self, request, code: str):
        """The published version of one item, every element."""
        version = selectors.version_get_published(code=code)
        if version is None:
            raise NotFound("没有该事项的已发布版本。")
        return Response(selectors.version_to_spec(version))


class ThemeList(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ThemeSerializer
    pagination_class = None

    @extend_schema(tags=TAGS)
    def get(self, request, *args, **kwargs):
        """Themes (一件事) and life events."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.theme_list()


class ThemeDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, responses={200: ThemeDetailSerializer, 404: ErrorSerializer})
    def get(self, request, code: str):
        theme = get_object_or_404(selectors.theme_list(), code=code)
        data = ThemeSerializer(theme).data
        data["items"] = ItemSummarySerializer(selectors.theme_published_versions(theme), many=True).data
        return Response(data)


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise DomainError("请求体应为一个 JSON 对象。", field="body")
    return request.data


def _staff_view(version) -> dict:
    return {
        "spec": selectors.version_to_spec(version),
        "version": version.number,
        "status": version.status,
        "missing": selectors.version_missing_elements(version),
        "quality": selectors.version_quality_issues(version),
    }


class StaffItemCreate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, request=ItemSpecSerializer, responses={201: StaffItemSerializer, 400: ErrorSerializer, 403: ErrorSerializer})
    def post(self, request):
        """Create an item (a draft, or published when ``status`` is published and it is complete)."""
        item = item_create(actor=request.user, spec=_body(request))
        return Response(_staff_view(selectors.item_latest_version(item)), status=status.HTTP_201_CREATED)


class StaffItemDetail(APIView):
    permission_classes = [IsAuthenticated]

    def _item(self, request, code: str):
        item = selectors.item_list_for_staff(user=request.user).filter(code=code).first()
        if item is None:
            raise NotFound("事项不存在或不在您的权限范围内。")
        return item

    @extend_schema(tags=TAGS, responses={200: StaffItemSerializer, 404: ErrorSerializer})
    def get(self, request, code: str):
        """The version being edited (or the one in force), with what it lacks."""
        return Response(_staff_view(selectors.item_latest_version(self._item(request, code))))

    @extend_schema(tags=TAGS, request=ItemSpecSerializer, responses={200: StaffItemSerializer, 400: ErrorSerializer, 403: ErrorSerializer})
    def put(self, request, code: str):
        """Replace the draft's content (a draft is opened from the version in force if needed)."""
        item = self._item(request, code)
        draft = item_edit(actor=request.user, item=item, spec=_body(request),
                          change_note=str(request.query_params.get("note", ""))[:300])
        return Response(_staff_view(draft))


class StaffItemPublish(StaffItemDetail):
    @extend_schema(tags=TAGS, request=None, responses={200: StaffItemSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, code: str):
        """Publish the draft: it becomes the version in force."""
        item = self._item(request, code)
        draft = selectors.item_latest_version(item)
        version = item_publish(actor=request.user, version=draft)
        return Response(_staff_view(version))

"""Catalog endpoints: public reads of published items and themes; writes
for staff allowed to edit the item's department (the services check)."""

from decimal import Decimal, InvalidOperation

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.parsers import JSONParser
from govhall.api.serializers import (
    ErrorSerializer, ItemSpecInputSerializer, ItemSpecSerializer, ItemSummarySerializer, StaffItemSerializer,
    ThemeDetailSerializer, ThemeSerializer,
)
from govhall.catalog import selectors
from govhall.catalog.models import FeeLine, Item, ItemType, ItemVersion, Theme
from govhall.catalog.services import SpecInvalid, item_create, item_edit, item_publish
from govhall.catalog.spec import SpecError
from govhall.core.errors import DomainError, NotFound

TAGS = ["catalog 事项目录"]
CODE_MAX = Item._meta.get_field("code").max_length
THEME_CODE_MAX = Theme._meta.get_field("code").max_length
NOTE_MAX = ItemVersion._meta.get_field("change_note").max_length
_AMOUNT = FeeLine._meta.get_field("amount")
# The first amount the column cannot hold (10^10 yuan for 12 digits, 2 decimals).
AMOUNT_LIMIT = Decimal(10) ** (_AMOUNT.max_digits - _AMOUNT.decimal_places)


def _findable(code: str, max_length: int) -> bool:
    """Whether a code from the address can name a row at all. One that none
    can (too long, or with a NUL, which PostgreSQL refuses even in a query)
    is simply not found, without asking the database."""
    return len(code) <= max_length and "\x00" not in code


def _query(serializer_class, request) -> dict:
    """The query parameters checked by ``serializer_class``: a bad one is a 400 naming it."""
    query = serializer_class(data=request.query_params)
    if not query.is_valid():
        raise ValidationError(query.errors)
    return query.validated_data


class ItemQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                              help_text="中文检索词，如“施工许可”“开饭店”")
    department = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="实施部门编码")
    item_type = serializers.ChoiceField(ItemType.choices, required=False, allow_blank=True, help_text="事项类型")


class EditQuerySerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX, help_text="修改说明")


class PublishedItemList(ListAPIView):
    """Published items (办事指南), optionally searched in Chinese or filtered."""

    permission_classes = [AllowAny]
    serializer_class = ItemSummarySerializer

    @extend_schema(tags=TAGS, parameters=[ItemQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = _query(ItemQuerySerializer, self.request)
        query = params.get("q", "").strip()
        if query:
            versions = selectors.version_search_published(query=query, limit=200)
        else:
            versions = selectors.version_list_published().order_by("item__code")
        department = params.get("department")
        item_type = params.get("item_type")
        return [v for v in versions if (not department or v.item.department.code == department)
                and (not item_type or v.item_type == item_type)]


class PublishedItemDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, responses={200: ItemSpecSerializer, 404: ErrorSerializer})
    def get(self, request, code: str):
        """The published version of one item, every element."""
        version = selectors.version_get_published(code=code) if _findable(code, CODE_MAX) else None
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
        """One theme (一件事) with its published items in the order they are done."""
        theme = selectors.theme_list().filter(code=code).first() if _findable(code, THEME_CODE_MAX) else None
        if theme is None:
            raise NotFound("没有该主题。")
        data = ThemeSerializer(theme).data
        data["items"] = ItemSummarySerializer(selectors.theme_published_versions(theme), many=True).data
        return Response(data)


def _body(request) -> dict:
    """The item spec sent, an object. Fee amounts are checked against their
    column here: ``spec_clean`` accepts any amount a Decimal holds, and one
    of 10^10 yuan or more fails when it is stored (a 500 on both databases)."""
    if not isinstance(request.data, dict):
        raise DomainError("请求体应为一个 JSON 对象。", field="body")
    fees = request.data.get("fees")
    errors = []
    for i, fee in enumerate(fees if isinstance(fees, list) else []):
        try:
            amount = Decimal(str(fee.get("amount") or "").strip() or "0") if isinstance(fee, dict) else Decimal(0)
        except InvalidOperation:
            continue  # not a number: spec_clean names it
        # Compared as stored: rounded to the fen (9,999,999,999.999 rounds up to the limit).
        if amount.is_finite() and abs(amount) >= AMOUNT_LIMIT - Decimal("0.005"):
            errors.append(SpecError(f"fees[{i}].amount", f"金额过大（应小于 {AMOUNT_LIMIT:,.0f} 元）。"))
    if errors:
        raise SpecInvalid(errors)
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
    # An item is nested data: JSON only (a form body cannot carry its lists).
    parser_classes = [JSONParser]

    @extend_schema(tags=TAGS, request=ItemSpecInputSerializer,
                   responses={201: StaffItemSerializer, 400: ErrorSerializer, 403: ErrorSerializer})
    def post(self, request):
        """Create an item (a draft, or published when ``status`` is published and it is complete)."""
        item = item_create(actor=request.user, spec=_body(request))
        return Response(_staff_view(selectors.item_latest_version(item)), status=status.HTTP_201_CREATED)


def _staff_item(request, code: str):
    item = None
    if _findable(code, CODE_MAX):
        item = selectors.item_list_for_staff(user=request.user).filter(code=code).first()
    if item is None:
        raise NotFound("事项不存在或不在您的权限范围内。")
    return item


class StaffItemDetail(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(tags=TAGS, responses={200: StaffItemSerializer, 404: ErrorSerializer})
    def get(self, request, code: str):
        """The version being edited (or the one in force), with what it lacks."""
        return Response(_staff_view(selectors.item_latest_version(_staff_item(request, code))))

    @extend_schema(tags=TAGS, request=ItemSpecInputSerializer, parameters=[EditQuerySerializer],
                   responses={200: StaffItemSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer})
    def put(self, request, code: str):
        """Replace the draft's content (a draft is opened from the version in force if needed)."""
        item = _staff_item(request, code)
        note = _query(EditQuerySerializer, request).get("note", "")
        draft = item_edit(actor=request.user, item=item, spec=_body(request), change_note=note)
        return Response(_staff_view(draft))


class StaffItemPublish(APIView):
    """Only POST: publishing is an act, the draft is read and edited at the item's own address."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, request=None,
                   responses={200: StaffItemSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, code: str):
        """Publish the draft: it becomes the version in force."""
        item = _staff_item(request, code)
        draft = selectors.item_latest_version(item)
        version = item_publish(actor=request.user, version=draft)
        return Response(_staff_view(version))

"""The portal's 12345 form (网上诉求): it parses input; the service decides."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govhall.hotline.models import OrderType
from govhall.hotline.portal import PORTAL_ATTACHMENTS_MAX, hotline_centers
from govhall.hotline.selectors import categories_active
from govhall.org.models import Center, CenterLevel


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (a list, empty when none was chosen);
    what they are is the service's check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(one, initial) for one in files]


class PortalOrderForm(forms.Form):
    center = forms.ModelChoiceField(label=_("受理热线"), queryset=Center.objects.none())
    type = forms.ChoiceField(label=_("诉求类型"), choices=OrderType.choices, widget=forms.RadioSelect)
    content = forms.CharField(label=_("诉求内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(label=_("诉求分类"), queryset=categories_active(), required=False)
    address = forms.CharField(label=_("事发地址"), max_length=200, required=False)
    town = forms.ModelChoiceField(label=_("所属镇街"), queryset=Center.objects.none(), required=False)
    related_case_number = forms.CharField(label=_("关联办件编号（投诉办件时填写）"), max_length=40, required=False)
    related_query_code = forms.CharField(label=_("办件查询码（非本人账户的办件须填写）"), max_length=12, required=False)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False,
                            help_text=_("用于答复和回访；仅建议可不填（匿名）。"))
    attachments = MultipleFileField(label=_("附件（照片或 PDF）"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        centers = hotline_centers()
        self.fields["center"].queryset = centers
        # One hotline: nothing to choose (the field is not shown, and not needed).
        self.only_center = centers[0] if len(centers) == 1 else None
        if self.only_center is not None:
            self.fields["center"].initial = self.only_center
            self.fields["center"].required = False
            self.fields["center"].widget = forms.HiddenInput()
        self.fields["town"].queryset = Center.objects.filter(level=CenterLevel.TOWN).order_by("path")
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["attachments"].help_text = gettext("可选，至多 %(n)d 个，每个不超过 10 MB，支持 PDF、JPG、PNG。") % {
            "n": PORTAL_ATTACHMENTS_MAX}
        if user is not None:  # the account gives them
            del self.fields["name"]
            del self.fields["phone"]

    def clean_center(self):
        return self.cleaned_data.get("center") or self.only_center

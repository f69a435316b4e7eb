"""Forms of the rating pages and the follow-up steps: they only parse input;
the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.evaluation.models import COMMENT_MAX_LENGTH, Level


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(label=_("评价等级"), choices=Level.choices, coerce=int, widget=forms.RadioSelect,
                                   error_messages={"required": _("请选择评价等级。"),
                                                   "invalid_choice": _("请选择评价等级（1 至 5）。")})
    comment = forms.CharField(label=_("意见或建议（选填）"), required=False, max_length=COMMENT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"max_length": _("评价内容不能超过 %(limit_value)d 个字。")})


class VerifyForm(forms.Form):
    verification = forms.CharField(label=_("核实情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                                   error_messages={"required": _("请填写核实情况。")})


class CorrectForm(forms.Form):
    correction = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                                 error_messages={"required": _("请填写整改措施。")})


class CallbackForm(forms.Form):
    callback = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                               error_messages={"required": _("请填写回访情况。")})
    satisfied = forms.TypedChoiceField(label=_("申请人是否满意"), choices=[("yes", _("满意")), ("no", _("不满意"))],
                                       coerce=lambda value: value == "yes", widget=forms.RadioSelect,
                                       error_messages={"required": _("请选择回访时申请人是否满意。")})


class CloseForm(forms.Form):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                             error_messages={"required": _("请填写办理结果。")})


STEP_FORMS = {"verify": VerifyForm, "correct": CorrectForm, "callback": CallbackForm, "close": CloseForm}

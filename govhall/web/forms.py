from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.core.forms import DayInput
from govhall.org.models import AttendanceStatus
from govhall.timing import Pause


class DeadlineForm(forms.Form):
    """The inputs of a statutory deadline (DESIGN 3.3)."""

    start = forms.DateField(label=_("起算日（如受理日）"), widget=DayInput())
    days = forms.IntegerField(label=_("时限（工作日）"), min_value=0, max_value=400)
    extension = forms.IntegerField(label=_("延长（工作日）"), min_value=0, max_value=60, initial=0, required=False)
    pauses = forms.CharField(
        label=_("暂停（每行一段：开始日:恢复日）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-10-09:2026-10-20"}),
    )

    def clean_pauses(self) -> list[Pause]:
        pauses = []
        for number, line in enumerate(self.cleaned_data["pauses"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            start, sep, end = line.partition(":")
            try:
                if not sep:
                    raise ValueError
                pauses.append(Pause(date.fromisoformat(start.strip()), date.fromisoformat(end.strip())))
            except ValueError:
                raise forms.ValidationError(
                    _("第 %(line)s 行应为“开始日:恢复日”，如 2026-10-09:2026-10-20。"), params={"line": number}
                ) from None
        return pauses


class AttendanceRecordForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("工作人员"), queryset=None)
    day = forms.DateField(label=_("日期"), widget=DayInput())
    status = forms.ChoiceField(label=_("状态"), choices=AttendanceStatus.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset

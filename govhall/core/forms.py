"""Form pieces shared by the workbench and the portal."""

from django import forms


class DayInput(forms.DateInput):
    """The browser's date picker: it takes and gives the value as
    YYYY-MM-DD whatever the page's language, so the value is written so,
    not in the locale's format (2026/12/06, which the picker rejects)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

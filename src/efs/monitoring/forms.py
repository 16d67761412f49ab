from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class TargetForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    value = forms.DecimalField(
        label=_("Target value"),
        min_value=Decimal(0),
        max_value=Decimal(10) ** 11,
        decimal_places=2,
        max_digits=14,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    cascade = forms.BooleanField(
        label=_("Copy to the municipalities that have no target of their own"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class ReleaseForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "ГГГГ-ММ"}),
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean_month(self):
        import datetime as dt

        text = self.cleaned_data["month"].strip()
        try:
            return dt.date.fromisoformat(f"{text}-01")
        except ValueError:
            raise forms.ValidationError(_("The month is written as YYYY-MM.")) from None


class ReportForm(forms.Form):
    """The quarterly report's region and quarter (a GET form: the report is read, not changed)."""

    region = forms.ModelChoiceField(
        label=_("Region"), queryset=None, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    quarter = forms.RegexField(
        label=_("Quarter"),
        regex=r"^\d{4}-[QqКк][1-4]$",
        max_length=7,
        error_messages={"invalid": _("The quarter is written as YYYY-Qn, for example 2026-Q1.")},
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": "ГГГГ-Qn"}),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

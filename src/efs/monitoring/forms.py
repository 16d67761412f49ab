from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"}))
    value = forms.DecimalField(label=_("Target value"), min_value=Decimal(0), max_value=Decimal(10) ** 11, decimal_places=2, max_digits=14,
                               widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}))
    cascade = forms.BooleanField(label=_("Copy to the municipalities that have no target of their own"), required=False,
                                 widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

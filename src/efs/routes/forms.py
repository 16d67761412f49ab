"""The HTML forms of the routes app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from efs.forms import RoublesField


class RegionPlanForm(forms.Form):
    region = forms.IntegerField(label=_("Region"), min_value=1)
    fund = RoublesField(label=_("Regional fund, ₽"), allow_zero=True)
    budget = RoublesField(label=_("At most per educator, ₽"), required=False)
    max_hours = forms.IntegerField(label=_("At most hours"), min_value=8, max_value=2000, initial=144)

"""Django forms of the route pages: limits, building options, the rebuild after a re-diagnosis."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_ROUBLES = Decimal("10000000")  # ten million roubles: no route budget is larger


class RoublesField(forms.DecimalField):
    """Roubles as typed («15 000», «4500,50»): two decimals at most, no exponent, no inf/nan."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=Decimal(0), max_value=MAX_ROUBLES, max_digits=10, decimal_places=2, **kwargs)

    def to_python(self, value):
        text = str(value or "").strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace(",", ".")
        if text and not all(ch.isdigit() or ch == "." for ch in text):
            raise forms.ValidationError(_("Enter the amount in roubles, for example 15 000 or 4 500,50."), code="invalid")
        return super().to_python(text or "0")


def kopecks(roubles: Decimal | None) -> int:
    return int((roubles or Decimal(0)) * 100)


def roubles_text(amount: int) -> str:
    """Kopecks as an input's value: «15000», «4500,50»."""
    whole, rest = divmod(int(amount), 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


class LimitsForm(forms.Form):
    max_hours = forms.IntegerField(label=_("At most hours"), min_value=8, max_value=2000)
    budget = RoublesField(label=_("Budget, ₽"))
    copay = RoublesField(label=_("I pay myself, ₽"))


class BuildForm(LimitsForm):
    period_start = forms.DateField(label=_("From"), required=False)
    period_end = forms.DateField(label=_("To"), required=False)
    formats = forms.MultipleChoiceField(choices=[("online", _("online")), ("in_person", _("in person"))], required=False)
    places = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, municipalities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].choices = [(m.pk, m.name) for m in municipalities]


class RebuildForm(forms.Form):
    confirm = forms.BooleanField(required=True, widget=forms.HiddenInput, initial=True)

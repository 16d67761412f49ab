"""Django forms of the route pages: the region-wide plan, limits, building options, the rebuild
after a re-diagnosis. Amounts are read by the one owner, `efs.forms.RoublesField` (kopecks out)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from efs.forms import RoublesField
from efs.limits import COMMENT_MAX_CHARS, NOTE_MAX_CHARS

MAX_ROUTE_ROUBLES = Decimal("10000000")  # ten million roubles: no route budget is larger


class RegionPlanForm(forms.Form):
    region = forms.IntegerField(label=_("Region"), min_value=1)
    fund = RoublesField(label=_("Regional fund, ₽"), allow_zero=True)
    budget = RoublesField(label=_("At most per educator, ₽"), required=False)
    max_hours = forms.IntegerField(label=_("At most hours"), min_value=8, max_value=2000, initial=144)


def kopecks(amount: int | None) -> int:
    """A route form's amount (kopecks from RoublesField, None when left empty) as kopecks."""
    return amount or 0


def roubles_text(amount: int) -> str:
    """Kopecks as an input's value: «15000», «4500,50»."""
    whole, rest = divmod(int(amount), 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


def _route_roubles(label) -> RoublesField:
    return RoublesField(label=label, required=False, allow_zero=True, max_roubles=MAX_ROUTE_ROUBLES)


class LimitsForm(forms.Form):
    max_hours = forms.IntegerField(label=_("At most hours"), min_value=8, max_value=2000)
    budget = _route_roubles(_("Budget, ₽"))
    copay = _route_roubles(_("I pay myself, ₽"))


class BuildForm(LimitsForm):
    period_start = forms.DateField(label=_("From"), required=False)
    period_end = forms.DateField(label=_("To"), required=False)
    formats = forms.MultipleChoiceField(
        choices=[("online", _("online")), ("in_person", _("in person"))], required=False
    )
    places = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, municipalities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].choices = [(m.pk, m.name) for m in municipalities]


class RebuildForm(forms.Form):
    confirm = forms.BooleanField(required=True, widget=forms.HiddenInput, initial=True)


class ConfirmForm(forms.Form):
    """A button that changes something (start an activity, remove it): no fields, still a form."""


class CommentForm(forms.Form):
    """A step of the route (send, approve, return, stop) with its optional comment."""

    comment = forms.CharField(label=_("Comment"), required=False, max_length=COMMENT_MAX_CHARS)


class EvidenceForm(forms.Form):
    """Evidence of an activity: a file or a note (the service checks that one is given and the file's type)."""

    file = forms.FileField(label=_("File"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX_CHARS)


class ReviewForm(forms.Form):
    """The tutor accepts or returns one piece of evidence of the activity."""

    evidence = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=COMMENT_MAX_CHARS)


class SwapForm(forms.Form):
    """Another cohort of the same offer instead of the activity's."""

    cohort = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

"""Forms of the workforce pages: every HTML POST goes through one of these."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from efs.people.public import Municipality, Subject

from .models import EndReason


class _Styled(forms.Form):
    """Bootstrap classes on every widget (the templates render fields as they are)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)


class RunForm(_Styled):
    years = forms.IntegerField(label=_("Years ahead"), min_value=5, max_value=10, initial=10)


class UploadForm(_Styled):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=(("staffing", _("staffing")), ("classes", _("classes and pupils"))),
    )
    file = forms.FileField(label=_("XLSX file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class ScenarioForm(_Styled):
    name = forms.CharField(label=_("Name"), max_length=200)
    retention_gain = forms.DecimalField(
        label=_("Fewer leavers, %"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=1,
        initial=0,
    )
    extra_targeted = forms.IntegerField(
        label=_("Extra targeted places a year"), min_value=0, max_value=10_000, initial=0
    )
    extra_subject = forms.ModelChoiceField(
        label=_("Subject of the extra places"),
        queryset=Subject.objects.order_by("name"),
        required=False,
    )
    new_school_municipality = forms.ModelChoiceField(
        label=_("Municipality of a new school"),
        queryset=Municipality.objects.none(),
        required=False,
    )
    new_school_pupils = forms.IntegerField(
        label=_("Pupils of the new school"), min_value=0, max_value=5_000, initial=0
    )
    new_school_year = forms.IntegerField(
        label=_("Year the new school opens"), min_value=2000, max_value=2100, required=False
    )

    def __init__(self, *args, region=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if region is not None:
            self.fields["new_school_municipality"].queryset = Municipality.objects.filter(
                region=region
            ).order_by("name")


class PostOpenForm(forms.Form):
    subject = forms.ModelChoiceField(
        label=_("Subject"), queryset=Subject.objects.order_by("name"), required=False
    )
    position = forms.CharField(label=_("Position"), max_length=200, initial="учитель")
    fte = forms.DecimalField(
        label=_("FTE (stavki)"), min_value=Decimal("0.01"), max_value=Decimal(10), decimal_places=2
    )
    opened_on = forms.DateField(label=_("Opened"))


class PostChangeForm(forms.Form):
    position = forms.CharField(label=_("Position"), max_length=200)
    fte = forms.DecimalField(
        label=_("FTE (stavki)"), min_value=Decimal("0.01"), max_value=Decimal(10), decimal_places=2
    )


class FillForm(forms.Form):
    educator = forms.IntegerField(label=_("Educator"), min_value=1)
    fte = forms.DecimalField(
        label=_("FTE (stavki)"), min_value=Decimal("0.01"), max_value=Decimal(3), decimal_places=2
    )
    started_on = forms.DateField(label=_("From"))
    out_of_field = forms.BooleanField(label=_("outside the subject of education"), required=False)


class EndForm(forms.Form):
    assignment = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    ended_on = forms.DateField(label=_("To"))
    reason = forms.ChoiceField(label=_("Why it ended"), choices=EndReason.choices)


class CloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed"))


class PlaceForm(forms.Form):
    contract = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    post = forms.IntegerField(label=_("Post number"), min_value=1)
    placed_on = forms.DateField(label=_("Placed on"))


class BreakForm(forms.Form):
    contract = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

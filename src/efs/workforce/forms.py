"""Forms of the workforce pages: every HTML POST goes through one of these."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from efs.forms import StyledForm, set_queryset
from efs.people.public import Municipality, Organization, Subject

from .models import EndReason, EntrantPlan


class RunForm(StyledForm):
    years = forms.IntegerField(label=_("Years ahead"), min_value=5, max_value=10, initial=10)


class UploadForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=(("staffing", _("staffing")), ("classes", _("classes and pupils"))),
    )
    file = forms.FileField(label=_("XLSX file"), error_messages={"required": _("Choose an XLSX file.")})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class ScenarioForm(StyledForm):
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
    new_school_pupils = forms.IntegerField(label=_("Pupils of the new school"), min_value=0, max_value=5_000, initial=0)
    new_school_year = forms.IntegerField(
        label=_("Year the new school opens"), min_value=2000, max_value=2100, required=False
    )

    def __init__(self, *args, region=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if region is not None:
            set_queryset(self, "new_school_municipality", Municipality.objects.filter(region=region).order_by("name"))


class PostOpenForm(StyledForm):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.order_by("name"), required=False)
    position = forms.CharField(label=_("Position"), max_length=200, initial="учитель")
    fte = forms.DecimalField(
        label=_("FTE (stavki)"),
        min_value=Decimal("0.01"),
        max_value=Decimal(10),
        decimal_places=2,
        localize=True,
    )
    opened_on = forms.DateField(label=_("Opened"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organizations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            set_queryset(self, "organization", organizations)


class PostChangeForm(forms.Form):
    position = forms.CharField(label=_("Position"), max_length=200)
    # localize: shown with a decimal comma («1,50») and read back with one, like the other FTE fields
    fte = forms.DecimalField(
        label=_("FTE (stavki)"), min_value=Decimal("0.01"), max_value=Decimal(10), decimal_places=2, localize=True
    )


class FillForm(forms.Form):
    educator = forms.IntegerField(label=_("Educator"), min_value=1)
    fte = forms.DecimalField(
        label=_("FTE (stavki)"),
        min_value=Decimal("0.01"),
        max_value=Decimal(3),
        decimal_places=2,
        localize=True,
        initial=Decimal("1.00"),
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


GRADES = range(1, 12)


class CurriculumForm(StyledForm):
    """A subject's weekly hours in grades 1–11; an empty grade follows the federal curriculum."""

    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.order_by("name"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for grade in GRADES:
            self.fields[f"grade_{grade}"] = forms.DecimalField(
                label=format_lazy("{} {}", _("grade"), grade),
                required=False,
                localize=True,  # «3,5» as well as «3.5»
                min_value=Decimal(0),
                max_value=Decimal(20),
                max_digits=3,
                decimal_places=1,
                error_messages=dict.fromkeys(
                    ("invalid", "min_value", "max_value", "max_digits", "max_decimal_places"),
                    format_lazy("{} {}: {}", _("grade"), grade, _("weekly hours are from 0 to 20, one decimal place")),
                ),
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "inputmode": "decimal"}),
            )

    def hours(self) -> dict[int, Decimal | None]:
        return {grade: self.cleaned_data.get(f"grade_{grade}") for grade in GRADES}


class BandForm(StyledForm):
    from_age = forms.IntegerField(label=_("From age"), min_value=14, max_value=100)
    to_age = forms.IntegerField(label=_("To age"), min_value=14, max_value=100)
    rate = forms.DecimalField(
        label=_("Leaving a year, per cent"),
        localize=True,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )

    def clean(self):
        data = super().clean()
        low, high = data.get("from_age"), data.get("to_age")
        if low is not None and high is not None and high < low:
            raise forms.ValidationError(_("A band cannot end before it starts."))
        return data


class _BaseBands(forms.BaseFormSet):
    """The region's bands as rows; a row left empty drops its band (no row is required)."""

    def initial_form_count(self) -> int:
        return 0

    def total_form_count(self) -> int:
        if self.is_bound:
            return super().total_form_count()
        return min(len(self.initial or []) + self.extra, self.max_num)

    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [f.cleaned_data for f in self.forms if f.cleaned_data]
        if not filled:
            raise forms.ValidationError(_("Give at least one age band."))
        ordered = sorted(filled, key=lambda band: band["from_age"])
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after["from_age"] <= before["to_age"]:
                raise forms.ValidationError(
                    _("The bands %(a)s and %(b)s share an age.")
                    % {
                        "a": f"{before['from_age']}–{before['to_age']}",
                        "b": f"{after['from_age']}–{after['to_age']}",
                    }
                )

    def bands(self) -> list[tuple[int, int, Decimal]]:
        filled = [f.cleaned_data for f in self.forms if f.cleaned_data]
        return [
            (b["from_age"], b["to_age"], (b["rate"] / 100).quantize(Decimal("0.0001")))
            for b in sorted(filled, key=lambda band: band["from_age"])
        ]


BandFormSet = cast(  # formset_factory subclasses the formset it is given
    "type[_BaseBands]",
    forms.formset_factory(BandForm, formset=_BaseBands, extra=2, max_num=20, absolute_max=20, validate_max=True),
)


class _RegionPlace(StyledForm):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, region=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if region is not None:
            set_queryset(self, "municipality", Municipality.objects.filter(region=region).order_by("name"))


class EntryForm(_RegionPlace):
    pupils = forms.IntegerField(
        label=_("First-graders"),
        min_value=0,
        max_value=100_000,
        required=False,
        help_text=_("Leave empty to remove the figure: grade 1 then holds its last value."),
    )


class EntrantForm(_RegionPlace):
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.order_by("name"))
    source = forms.ChoiceField(label=_("Source"), choices=EntrantPlan.Source.choices)
    fte = forms.DecimalField(
        label=_("FTE (stavki)"),
        min_value=Decimal(0),
        max_value=Decimal(1000),
        max_digits=6,
        decimal_places=2,
        localize=True,
        help_text=_("0 removes the row."),
    )
    age = forms.IntegerField(label=_("Age on entry"), min_value=14, max_value=100, initial=23)


class ClassesForm(StyledForm):
    """A school's classes and pupils per grade in a school year; a grade left empty (both
    figures) is removed, so the forecast has no classes there."""

    organization = forms.ModelChoiceField(
        label=_("School"), queryset=Organization.objects.none(), widget=forms.HiddenInput
    )
    year = forms.IntegerField(label=_("School year (its autumn)"), min_value=2000, max_value=2100)

    def __init__(self, *args, organizations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations
        for grade in GRADES:
            for name, label, upper in (
                ("classes", _("classes"), 200),
                ("pupils", _("pupils"), 10_000),
            ):
                self.fields[f"{name}_{grade}"] = forms.IntegerField(
                    label=format_lazy("{} {}, {}", _("grade"), grade, label),
                    required=False,
                    min_value=0,
                    max_value=upper,
                    error_messages=dict.fromkeys(
                        ("invalid", "min_value", "max_value"),
                        format_lazy(
                            "{} {}: {}",
                            _("grade"),
                            grade,
                            _("classes are from 0 to 200, pupils from 0 to 10 000"),
                        ),
                    ),
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
                )

    def clean(self):
        data = super().clean()
        for grade in GRADES:
            classes, pupils = data.get(f"classes_{grade}"), data.get(f"pupils_{grade}")
            if (classes is None) != (pupils is None) and f"classes_{grade}" not in self.errors:
                self.add_error(
                    f"pupils_{grade}" if pupils is None else f"classes_{grade}",
                    format_lazy("{} {}: {}", _("grade"), grade, _("give both classes and pupils, or neither")),
                )
        return data

    def grades(self) -> dict[int, tuple[int, int] | None]:
        counts: dict[int, tuple[int, int] | None] = {}
        for grade in GRADES:
            classes = self.cleaned_data.get(f"classes_{grade}")
            pupils = self.cleaned_data.get(f"pupils_{grade}")
            counts[grade] = None if classes is None else (int(classes), int(pupils or 0))
        return counts

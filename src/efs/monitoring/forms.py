from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from efs.people.public import Region


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
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
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

    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
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


def element_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The registry's data elements grouped by the app that publishes them (the form's filter)."""
    from .elements import ELEMENTS

    groups: dict[str, list[tuple[str, str]]] = {}
    for code, element in ELEMENTS.items():
        groups.setdefault(element.app or "—", []).append((code, f"{element.title} ({code})"))
    return [(_app_name(app), items) for app, items in groups.items()]


def _app_name(label: str) -> str:
    """The app's Russian name for a group heading (its code is not for people)."""
    from django.apps import apps

    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


UNKNOWN_ELEMENT = _("Unknown data element: %(value)s. Choose elements from the registry.")


class PassportForm(forms.Form):
    """A region's own indicator passport: a formula over the registry's data elements only."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Latin letters, digits, «-» and «_»; never changes once created."),
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "r24_trained_per_1000"}),
    )
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    numerator = forms.MultipleChoiceField(
        label=_("Numerator: data elements, summed"),
        error_messages={
            "invalid_choice": UNKNOWN_ELEMENT,
            "required": _("Choose at least one data element for the numerator."),
        },
        widget=forms.CheckboxSelectMultiple(),
    )
    denominator = forms.MultipleChoiceField(
        label=_("Denominator: data elements, summed (empty: the indicator is a number)"),
        required=False,
        error_messages={"invalid_choice": UNKNOWN_ELEMENT},
        widget=forms.CheckboxSelectMultiple(),
    )
    factor = forms.DecimalField(
        label=_("Factor"),
        min_value=Decimal("0.0001"),
        max_value=Decimal(1_000_000),
        max_digits=12,
        decimal_places=4,
        initial=100,
        help_text=_("100 for a per cent, 1 000 per thousand, 1 for a number."),
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    unit = forms.CharField(
        label=_("Unit of measure"),
        max_length=20,
        required=False,
        initial="%",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    periodicity = forms.ChoiceField(label=_("Periodicity"), widget=forms.Select(attrs={"class": "form-select"}))
    direction = forms.ChoiceField(label=_("Direction"), widget=forms.Select(attrs={"class": "form-select"}))
    owner_organization: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Responsible organization"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    owner: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    source = forms.CharField(
        label=_("Source"), max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    note = forms.CharField(
        label=_("What changed in the formula"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, organizations, owners, creating: bool, **kwargs):
        from .models import Direction, Periodicity

        super().__init__(*args, **kwargs)
        choices = element_choices()
        for name, options in (
            ("numerator", choices),
            ("denominator", choices),
            ("periodicity", Periodicity.choices),
            ("direction", Direction.choices),
        ):
            cast(forms.ChoiceField, self.fields[name]).choices = options
        cast(forms.ModelChoiceField, self.fields["owner_organization"]).queryset = organizations
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = owners
        owner.label_from_instance = lambda user: user.get_full_name() or user.username  # type: ignore[assignment]
        if not creating:
            del self.fields["code"]
        else:
            del self.fields["note"]

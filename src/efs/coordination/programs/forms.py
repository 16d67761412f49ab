"""Forms of the programs pages: every POST goes through one of these (lengths and ranges here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from efs.forms import RoublesField, set_queryset
from efs.monitoring.public import Indicator
from efs.people.public import Organization, OrganizationKind, Region, Role, User

from .content import (
    EDUCATORS_MAX,
    RESOURCE_MAX,
    TARGET_MAX,
    TITLE_MAX,
    ActivityData,
    GoalData,
    ResourceData,
    TargetData,
    TaskData,
)
from .models import ResourceKind

# The subjects of a regional system that a program names as responsible (not each school).
SUBJECT_KINDS = [
    OrganizationKind.MINISTRY,
    OrganizationKind.IPK,
    OrganizationKind.CNPPM,
    OrganizationKind.UNIVERSITY,
    OrganizationKind.COLLEGE,
    OrganizationKind.MUNICIPAL_SERVICE,
    OrganizationKind.OTHER_PROVIDER,
]
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def subjects_of(region_ids) -> QuerySet[Organization]:
    return Organization.objects.filter(region_id__in=list(region_ids), kind__in=SUBJECT_KINDS).order_by(
        "region_id", "name"
    )


class ProgramForm(forms.Form):
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
        label=_("Region"), queryset=None, widget=forms.Select(attrs=SELECT)
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, widget=forms.TextInput(attrs=TEXT))
    year_from = forms.IntegerField(
        label=_("First year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=TEXT)
    )
    year_to = forms.IntegerField(
        label=_("Last year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=TEXT)
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "region", regions)


class GoalForm(forms.Form):
    component = forms.ChoiceField(label=_("Component of the model"), widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("Goal"), max_length=TITLE_MAX, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, version, view=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [(c["code"], c["title"]) for c in version.template.components]

    def item(self):
        return GoalData(component=self.cleaned_data["component"], title=self.cleaned_data["title"]), None, None


class TaskForm(forms.Form):
    goal = forms.TypedChoiceField(label=_("Goal"), coerce=int, widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("Task"), max_length=TITLE_MAX, widget=forms.TextInput(attrs=TEXT))
    responsible: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Responsible organization"), queryset=None, widget=forms.Select(attrs=SELECT)
    )
    co_executors: forms.ModelMultipleChoiceField[Organization] = forms.ModelMultipleChoiceField(
        label=_("Co-executors"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={**SELECT, "size": 4})
    )

    def __init__(self, *args, version, view=None, **kwargs):
        super().__init__(*args, **kwargs)
        goals = view.goals if view is not None else []
        self.fields["goal"].choices = [(n, f"{n + 1}. {g.title}") for n, g in enumerate(goals)] or [(0, "—")]
        set_queryset(self, "responsible", subjects_of([version.region_id]))
        set_queryset(self, "co_executors", subjects_of([version.region_id]))

    def item(self):
        data = self.cleaned_data
        return (
            TaskData(
                title=data["title"],
                responsible_id=data["responsible"].pk,
                co_executor_ids=tuple(sorted(o.pk for o in data["co_executors"])),
            ),
            data["goal"],
            None,
        )


class ActivityForm(forms.Form):
    task = forms.ChoiceField(label=_("Task"), widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("Activity"), max_length=TITLE_MAX, widget=forms.TextInput(attrs=TEXT))
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"}))

    def __init__(self, *args, version, view=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for g_no, goal in enumerate(view.goals if view is not None else []):
            for t_no, task in enumerate(goal.tasks):
                choices.append((f"{g_no}.{t_no}", f"{g_no + 1}.{t_no + 1}. {task.title}"))
        self.fields["task"].choices = choices or [("", "—")]

    def clean_due(self):
        due = self.cleaned_data["due"]
        if due is not None and not dt.date(2000, 1, 1) <= due <= dt.date(2100, 12, 31):
            raise forms.ValidationError(_("The date is between 2000 and 2100."))
        return due

    def item(self):
        goal, task = (int(x) for x in self.cleaned_data["task"].split("."))
        return ActivityData(title=self.cleaned_data["title"], due=self.cleaned_data["due"]), goal, task


class TargetForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.filter(region__isnull=True),
        to_field_name="code",
        widget=forms.Select(attrs=SELECT),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=TEXT))
    value = forms.DecimalField(
        label=_("Target value"),
        min_value=Decimal(0),
        max_value=TARGET_MAX,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}),
    )

    def __init__(self, *args, version=None, view=None, **kwargs):
        super().__init__(*args, **kwargs)

    def item(self):
        data = self.cleaned_data
        return TargetData(indicator=data["indicator"].code, year=data["year"], value=data["value"]), None, None


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices, widget=forms.Select(attrs=SELECT))
    money = RoublesField(label=_("Amount, ₽"), required=False, widget=forms.TextInput(attrs=TEXT))
    quantity = forms.IntegerField(
        label=_("Hours or venues"),
        required=False,
        min_value=1,
        max_value=RESOURCE_MAX[ResourceKind.STAFF_HOURS],
        widget=forms.NumberInput(attrs=TEXT),
    )
    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Organization that provides it"), queryset=None, widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, version, view=None, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "organization", subjects_of([version.region_id]))

    def clean(self):
        data = super().clean()
        if data.get("kind") == ResourceKind.MONEY:
            if not data.get("money"):
                self.add_error("money", _("Enter the amount in roubles."))
            data["amount"] = data.get("money")
        elif data.get("kind"):
            if not data.get("quantity"):
                self.add_error("quantity", _("Enter the number of hours or venues."))
            data["amount"] = data.get("quantity")
        return data

    def item(self):
        data = self.cleaned_data
        return (
            ResourceData(
                kind=data["kind"], amount=data["amount"], organization_id=data["organization"].pk, note=data["note"]
            ),
            None,
            None,
        )


ITEM_FORMS = {
    "goal": GoalForm,
    "task": TaskForm,
    "activity": ActivityForm,
    "target": TargetForm,
    "resource": ResourceForm,
}


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"), max_length=5000, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    educators_covered = forms.IntegerField(
        label=_("Educators the program covers"),
        min_value=0,
        max_value=EDUCATORS_MAX,
        widget=forms.NumberInput(attrs=TEXT),
    )


class RemoveForm(forms.Form):
    path = forms.RegexField(
        regex=r"^(g\d{1,3}(\.t\d{1,3}(\.a\d{1,3})?)?|target\d{1,3}|resource\d{1,3})$", max_length=20
    )


class NewVersionForm(forms.Form):
    note = forms.CharField(label=_("What changes"), max_length=500, required=False, widget=forms.TextInput(attrs=TEXT))


class ExpertsForm(forms.Form):
    experts: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("Experts"), queryset=None, widget=forms.SelectMultiple(attrs={**SELECT, "size": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        experts = User.objects.filter(role_assignments__role=Role.EXPERT, is_active=True).distinct()
        set_queryset(self, "experts", experts.order_by("last_name", "username"))
        self.fields["experts"].label_from_instance = lambda user: user.display_name()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("approve")), ("return", _("return for revision"))],
        widget=forms.Select(attrs=SELECT),
    )
    comment = forms.CharField(
        label=_("Comment to the region"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class ReviewForm(forms.Form):
    strengths = forms.CharField(label=_("Strengths"), max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    weaknesses = forms.CharField(
        label=_("Weaknesses"), max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    verdict = forms.ChoiceField(
        label=_("Recommendation"),
        choices=[("approve", _("approve")), ("revise", _("return for revision"))],
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, criteria: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[f"score_{c['code']}"] = forms.IntegerField(
                label=c["title"],
                min_value=0,
                max_value=c["max_score"],
                widget=forms.NumberInput(attrs={**TEXT, "style": "max-width:6rem"}),
            )
            self.fields[f"comment_{c['code']}"] = forms.CharField(
                label=_("Comment"), max_length=2000, required=False, widget=forms.TextInput(attrs=TEXT)
            )

    def rows(self):
        return [(c, self[f"score_{c['code']}"], self[f"comment_{c['code']}"]) for c in self.criteria]

    def scores(self) -> dict[str, int]:
        return {c["code"]: self.cleaned_data[f"score_{c['code']}"] for c in self.criteria}

    def comments(self) -> dict[str, str]:
        return {
            c["code"]: self.cleaned_data[f"comment_{c['code']}"]
            for c in self.criteria
            if self.cleaned_data[f"comment_{c['code']}"]
        }


def _parse_lines(text: str, *, scored: bool) -> list[dict]:
    entries = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2:
            raise forms.ValidationError(_("Line %(n)s: code | title | …") % {"n": number})
        entry: dict[str, str | int] = {"code": parts[0], "title": parts[1]}
        if scored:
            try:
                entry["max_score"] = int(parts[2]) if len(parts) > 2 else 0
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)s: the maximum score is a whole number.") % {"n": number}
                ) from None
        else:
            entry["description"] = parts[2] if len(parts) > 2 else ""
        entries.append(entry)
    return entries


class TemplateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, widget=forms.TextInput(attrs=TEXT))
    components = forms.CharField(
        label=_("Components: code | title | description, one a line"),
        max_length=20000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 10}),
    )
    criteria = forms.CharField(
        label=_("Review criteria: code | title | maximum score, one a line"),
        max_length=10000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 6}),
    )
    note = forms.CharField(label=_("What changed"), max_length=500, required=False, widget=forms.TextInput(attrs=TEXT))

    def clean_components(self):
        return _parse_lines(self.cleaned_data["components"], scored=False)

    def clean_criteria(self):
        return _parse_lines(self.cleaned_data["criteria"], scored=True)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class JointGoalForm(forms.Form):
    component = forms.ChoiceField(label=_("Component of the model"), widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("Joint goal"), max_length=300, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, components: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["component"]).choices = list(components.items())  # declared above


class SharedTaskForm(forms.Form):
    title = forms.CharField(label=_("Shared task"), max_length=300, widget=forms.TextInput(attrs=TEXT))
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    executors: forms.ModelMultipleChoiceField[Organization] = forms.ModelMultipleChoiceField(
        label=_("Executors (organizations of two or more regions)"),
        queryset=None,
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 6}),
    )

    def __init__(self, *args, region_ids, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "executors", subjects_of(region_ids).select_related("region"))
        self.fields["executors"].label_from_instance = lambda org: f"{org.region.name}: {org.display_name}"

    def clean_due(self):
        due = self.cleaned_data["due"]
        if due is not None and not dt.date(2000, 1, 1) <= due <= dt.date(2100, 12, 31):
            raise forms.ValidationError(_("The date is between 2000 and 2100."))
        return due


class CompareForm(forms.Form):
    regions: forms.ModelMultipleChoiceField[Region] = forms.ModelMultipleChoiceField(
        label=_("Regions"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={**SELECT, "size": 8})
    )
    year = forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, required=False, widget=forms.NumberInput(attrs=TEXT)
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        set_queryset(self, "regions", regions)

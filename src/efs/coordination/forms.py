"""Forms of the council's pages: every HTML POST goes through one of these."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from efs.forms import RoublesField, StyledForm, set_queryset
from efs.limits import DATE_MAX, DATE_MIN, NOTE_MAX_CHARS
from efs.monitoring.public import Indicator
from efs.people.public import Organization, User

from .models import (
    AgendaItem,
    CouncilMember,
    Decision,
    DecisionMethod,
    MemberRole,
    Part,
    StrategicTask,
    TaskStatus,
    VoteChoice,
)
from .programs.models import RegionalProgram
from .services import STAFF_HOURS_MAX


class DayField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value) -> None:
        super().validate(value)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise forms.ValidationError(_("The date is outside 2000–2100."), code="date_range")


def _organizations(region_id: int):
    return Organization.objects.filter(region_id=region_id).order_by("kind", "short_name", "name")


class CouncilForm(StyledForm):
    region = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("Name"), max_length=300)
    basis = forms.CharField(label=_("Established by"), max_length=300, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class MemberForm(StyledForm):
    username = forms.CharField(label=_("Login of the person"), max_length=150)
    organization = forms.ModelChoiceField(label=_("Represents"), queryset=Organization.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    term_start = DayField(label=_("Term from"))
    term_end = DayField(label=_("Term until"), required=False)

    def __init__(self, *args, region_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "organization", _organizations(region_id))

    def clean_username(self):
        user = User.objects.filter(username=self.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active login with this name."))
        return user


class TermEndForm(StyledForm):
    term_end = DayField(label=_("Term until"))


class GroupForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=300)
    purpose = forms.CharField(
        label=_("Purpose"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    leader: forms.ModelChoiceField[CouncilMember] = forms.ModelChoiceField(
        label=_("Leader"), queryset=None, required=False
    )
    members: forms.ModelMultipleChoiceField[CouncilMember] = forms.ModelMultipleChoiceField(
        label=_("Group members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "leader", members)
        set_queryset(self, "members", members)


class MeetingForm(StyledForm):
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)

    def clean_starts_at(self):
        value = self.cleaned_data["starts_at"]
        if not DATE_MIN <= value.date() <= DATE_MAX:
            raise forms.ValidationError(_("The date is outside 2000–2100."))
        return value


class AgendaForm(StyledForm):
    title = forms.CharField(label=_("Question"), max_length=500)
    speaker: forms.ModelChoiceField[CouncilMember] = forms.ModelChoiceField(
        label=_("Speaker"), queryset=None, required=False
    )
    materials = forms.CharField(
        label=_("Materials"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    task: forms.ModelChoiceField[StrategicTask] = forms.ModelChoiceField(label=_("Task"), queryset=None, required=False)
    indicator: forms.ModelChoiceField[Indicator] = forms.ModelChoiceField(
        label=_("Indicator"), queryset=None, required=False
    )
    program = forms.ModelChoiceField(
        label=_("Regional program"), queryset=RegionalProgram.objects.none(), required=False
    )

    def __init__(self, *args, members, tasks, programs, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "speaker", members)
        set_queryset(self, "task", tasks)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)
        program_field.queryset = programs
        set_queryset(self, "indicator", Indicator.objects.order_by("order", "code"))


class AttendanceForm(StyledForm):
    present: forms.ModelMultipleChoiceField[CouncilMember] = forms.ModelMultipleChoiceField(
        label=_("Present"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "present", members)


class DecisionForm(StyledForm):
    text = forms.CharField(label=_("Decision"), max_length=3000, widget=forms.Textarea(attrs={"rows": 2}))
    method = forms.ChoiceField(label=_("How decided"), choices=DecisionMethod.choices)
    agenda_item: forms.ModelChoiceField[AgendaItem] = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=None, required=False
    )
    due_date = DayField(label=_("Due"), required=False)

    def __init__(self, *args, agenda, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "agenda_item", agenda)


class VoteForm(StyledForm):
    choice = forms.ChoiceField(label=_("Vote"), choices=VoteChoice.choices)
    member = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ExecutedForm(StyledForm):
    on = DayField(label=_("Executed on"), required=False)


class MinutesForm(StyledForm):
    text = forms.CharField(label=_("Text of the minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 12}))


class CorrectionForm(MinutesForm):
    reason = forms.CharField(label=_("What is corrected"), max_length=500)


class TaskForm(StyledForm):
    title = forms.CharField(label=_("Task"), max_length=300)
    goal = forms.CharField(label=_("Goal"), max_length=3000, widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = DayField(label=_("Start"))
    deadline = DayField(label=_("Deadline"))
    responsible = forms.ModelChoiceField(label=_("Responsible organization"), queryset=Organization.objects.none())
    decision: forms.ModelChoiceField[Decision] = forms.ModelChoiceField(
        label=_("Decision"), queryset=None, required=False
    )
    indicators: forms.ModelMultipleChoiceField[Indicator] = forms.ModelMultipleChoiceField(
        label=_("Indicators"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, region_id: int, decisions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "responsible", _organizations(region_id))
        set_queryset(self, "decision", decisions)
        set_queryset(self, "indicators", Indicator.objects.order_by("order", "code"))


class PledgeForm(StyledForm):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    part = forms.ChoiceField(label=_("Part"), choices=Part.choices, initial=Part.CO_EXECUTOR)
    money = RoublesField(label=_("Money, ₽"), required=False, allow_zero=True)
    staff_hours = forms.IntegerField(label=_("Staff hours"), min_value=0, max_value=STAFF_HOURS_MAX, required=False)
    venues = forms.CharField(label=_("Venues"), max_length=500, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, region_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "organization", _organizations(region_id))


class AnswerForm(StyledForm):
    accept = forms.TypedChoiceField(choices=(("1", _("accept")), ("0", _("decline"))), coerce=lambda v: v == "1")


class MilestoneForm(StyledForm):
    title = forms.CharField(label=_("Milestone"), max_length=300)
    due = DayField(label=_("Due"))


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    evidence = forms.CharField(
        label=_("Evidence of the result"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class IndicatorLinkForm(StyledForm):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.order_by("order", "code"))
    linked = forms.TypedChoiceField(
        choices=(("1", _("link")), ("0", _("unlink"))), coerce=lambda v: v == "1", initial="1"
    )


class DiscussionForm(StyledForm):
    body = forms.CharField(label=_("Message"), max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}))


class TaskEditForm(StyledForm):
    title = forms.CharField(label=_("Task"), max_length=300)
    goal = forms.CharField(label=_("Goal"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = DayField(label=_("Deadline"))
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)


class EvidencePublishForm(StyledForm):
    text = forms.CharField(
        label=_("Text for the public page"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Remove names and other personal data; an empty text takes the evidence off the public page."),
    )


BULK_PLEDGE_ROWS = 6
_ROW_FIELDS = ("organization", "part", "money", "staff_hours", "venues")


class BulkPledgeForm(StyledForm):
    """Several organizations' pledges for one task; an empty row is skipped, an error names its row."""

    def __init__(self, *args, region_id: int, rows: int = BULK_PLEDGE_ROWS, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        organizations = _organizations(region_id)
        self.row_count = rows
        for i in range(1, rows + 1):
            self.fields[f"organization_{i}"] = forms.ModelChoiceField(
                label=_("Organization"), queryset=organizations, required=False
            )
            self.fields[f"part_{i}"] = forms.ChoiceField(
                label=_("Part"), choices=Part.choices, initial=Part.CO_EXECUTOR, required=False
            )
            self.fields[f"money_{i}"] = RoublesField(label=_("Money, ₽"), required=False, allow_zero=True)
            self.fields[f"staff_hours_{i}"] = forms.IntegerField(
                label=_("Staff hours"), min_value=0, max_value=STAFF_HOURS_MAX, required=False
            )
            self.fields[f"venues_{i}"] = forms.CharField(label=_("Venues"), max_length=500, required=False)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")

    def clean(self):
        data = super().clean()
        for i in range(1, self.row_count + 1):
            filled = any(data.get(f"{name}_{i}") for name in ("money", "staff_hours", "venues"))
            if filled and data.get(f"organization_{i}") is None and not self.has_error(f"organization_{i}"):
                self.add_error(f"organization_{i}", _("Choose the organization."))
        return data

    def table(self) -> list[list]:
        """The bound fields row by row, for the template."""
        return [[self[f"{name}_{i}"] for name in _ROW_FIELDS] for i in range(1, self.row_count + 1)]

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        # A field's error says which row it is in: "Строка 2, Деньги, ₽: …".
        errors = self.errors
        for key in list(errors):
            name, _sep, number = key.rpartition("_")
            if number.isdigit():
                label = self.fields[key].label
                errors[key] = self.error_class(
                    [
                        _("Row %(row)s, %(field)s: %(message)s") % {"row": number, "field": label, "message": m}
                        for m in errors[key]
                    ]
                )

    def rows(self) -> list[dict]:
        """The filled rows as `services.pledges_record` takes them."""
        data = self.cleaned_data
        return [
            {
                "organization": data[f"organization_{i}"],
                "part": data[f"part_{i}"] or Part.CO_EXECUTOR,
                "money_kopecks": data[f"money_{i}"] or 0,
                "staff_hours": data[f"staff_hours_{i}"] or 0,
                "venues": data[f"venues_{i}"],
            }
            for i in range(1, self.row_count + 1)
            if data.get(f"organization_{i}") is not None
        ]

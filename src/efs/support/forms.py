"""The HTML forms of the support app. Services check the same rules again for the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from efs.forms import StyledForm

from . import rubric
from .caseloads import CAPACITY_MAX, MOVES_MAX
from .models import TEXT_MAX, ConsultationFormat, MentorshipForm, PlanItemKind, RecordKind
from .services import DURATION_MAX, DURATION_MIN


class _SubjectChoice:
    """A form's `subject` field: one of the educator's deficits («c<competency>») or one of the
    activities of their route («i<item>»)."""

    fields: dict
    cleaned_data: dict

    def __init__(self, *args, deficits=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"c{d.competency_id}", f"{d.code} {d.title}") for d in deficits]
        choices += [(f"i{i.pk}", str(i.title)[:150]) for i in items]
        self.fields["subject"].choices = choices

    def subject_ids(self) -> tuple[int | None, int | None]:
        value = self.cleaned_data["subject"]
        number = int(value[1:])
        return (number, None) if value.startswith("c") else (None, number)


class ConsultationRequestForm(_SubjectChoice, StyledForm):
    topic = forms.CharField(label=_("Topic"), max_length=300)
    subject = forms.ChoiceField(
        label=_("On what"), help_text=_("a competency from your diagnostics or an activity of your route")
    )
    format = forms.ChoiceField(label=_("Format"), choices=ConsultationFormat.choices)
    preferred_times = forms.CharField(
        label=_("Preferred times"), max_length=500, required=False, help_text=_("for example: weekdays after 15:00")
    )


class ScheduleForm(StyledForm):
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"), min_value=DURATION_MIN, max_value=DURATION_MAX, initial=45
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_link = forms.URLField(label=_("Online link"), max_length=500, required=False, assume_scheme="https")


class ConsultationRecordForm(StyledForm):
    notes = forms.CharField(label=_("Notes"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    outcome = forms.CharField(
        label=_("Outcome"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_steps = forms.CharField(
        label=_("Next steps"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class ConfirmForm(StyledForm):
    """A button that changes something: no fields, but the POST still goes through a form."""


class RecordForm(StyledForm):
    educator = forms.TypedChoiceField(label=_("Educator"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, educators=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["educator"].choices = [(e.pk, e.full_name) for e in educators]
        self.fields["kind"].choices = [(k, RecordKind(k).label) for k in kinds]


class ShareForm(StyledForm):
    user = forms.TypedChoiceField(label=_("Share with"), coerce=int)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.pk, u.display_name()) for u in candidates]


class PlanItemForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanItemKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    competency = forms.TypedChoiceField(label=_("Deficit (for a goal)"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, deficits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = [("", "—"), *((d.competency_id, f"{d.code} {d.title}") for d in deficits)]


class MeetingForm(StyledForm):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    minutes = forms.IntegerField(label=_("Minutes"), min_value=5, max_value=480, initial=45)
    topic = forms.CharField(label=_("Topic"), max_length=300)
    notes = forms.CharField(
        label=_("Notes (private)"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeedbackForm(StyledForm):
    text = forms.CharField(label=_("Your feedback"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    rating = forms.TypedChoiceField(
        label=_("How useful was the mentoring (1–5)"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)]
    )


class DecideForm(StyledForm):
    accept = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "yes", choices=[("yes", _("confirm")), ("no", _("decline"))]
    )


class MentorshipCreateForm(StyledForm):
    mentor = forms.TypedChoiceField(label=_("Mentor"), coerce=int)
    mentees = forms.TypedMultipleChoiceField(label=_("Mentees"), coerce=int)
    form = forms.ChoiceField(label=_("Form of mentoring"), choices=MentorshipForm.choices)
    group_name = forms.CharField(label=_("Group (for group mentoring)"), max_length=200, required=False)

    def __init__(self, *args, mentors=(), mentees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].choices = [(e.pk, f"{e.full_name}, {e.position}") for e in mentors]
        self.fields["mentees"].choices = [(e.pk, f"{e.full_name}, {e.position}") for e in mentees]


class CycleOpenForm(_SubjectChoice, StyledForm):
    subject = forms.ChoiceField(
        label=_("The deficit to work on"),
        help_text=_("a competency from your diagnostics or an activity of your route"),
    )


class CycleTextForm(StyledForm):
    text = forms.CharField(label=_("Text"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))


class ObserveForm(StyledForm):
    notes = forms.CharField(
        label=_("Time-stamped notes"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("for example: 10:05 — the goal is named by the pupils"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for function in rubric.rubric()["functions"]:
            self.fields[f"level_{function['code']}"] = forms.TypedChoiceField(
                label=f"{function['code']} {function['title']}",
                coerce=int,
                widget=forms.RadioSelect,
                choices=[
                    (lv["level"], f"{lv['level']} — {lv['title']}: {lv['descriptor']}") for lv in function["levels"]
                ],
            )

    def levels(self) -> dict[str, int]:
        return {
            name.removeprefix("level_"): value for name, value in self.cleaned_data.items() if name.startswith("level_")
        }


class ReflectForm(StyledForm):
    def __init__(self, *args, prompts=(), **kwargs):
        super().__init__(*args, **kwargs)
        for key, prompt in prompts:
            self.fields[key] = forms.CharField(
                label=prompt, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
            )


class CapacityForm(StyledForm):
    tutor = forms.IntegerField(label=_("Tutor"), min_value=1)
    capacity = forms.IntegerField(label=_("Capacity, educators"), min_value=0, max_value=CAPACITY_MAX)


class MovesField(forms.MultipleChoiceField):
    """Values «educator id:tutor id»; the service checks that both exist in the region."""

    def valid_value(self, value) -> bool:
        left, _sep, right = str(value).partition(":")
        return left.isdigit() and right.isdigit() and len(value) <= 25

    def validate(self, value):
        super().validate(value)
        if len(value) > MOVES_MAX:
            raise forms.ValidationError(_("At most %(max)s moves at once.") % {"max": MOVES_MAX})


class MovesForm(StyledForm):
    """The moves of a proposed rebalancing the head ticked."""

    moves = MovesField(
        label=_("Moves"),
        error_messages={
            "required": _("Tick at least one move."),
            "invalid_choice": _("A move names an educator and a tutor."),
        },
    )
    note = forms.CharField(label=_("Why"), max_length=300, required=False)

"""The HTML forms of the bank of practices. Services check the same rules again for the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import STEPS_MAX, TEXT_MAX, PracticeLevel, PracticeVerdict
from .services import AUTHORS_MAX, CRITERION_COMMENT_MAX, PracticeData


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class PracticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    problem = forms.CharField(
        label=_("Problem it solves"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    target_group = forms.CharField(label=_("Target group"), max_length=500)
    steps = forms.CharField(
        label=_("Replication steps"),
        max_length=STEPS_MAX * 1000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("one step a line: what a colleague does, in order"),
    )
    resources = forms.CharField(
        label=_("Resources needed"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    results = forms.CharField(
        label=_("Results"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("with figures: what was measured, before and after"),
    )
    conditions = forms.CharField(
        label=_("Conditions and risks of replication"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    competencies = forms.MultipleChoiceField(
        label=_("Competencies it develops"), widget=forms.SelectMultiple(attrs={"size": 8})
    )
    subjects = forms.MultipleChoiceField(
        label=_("Subjects"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    level = forms.ChoiceField(label=_("Level"), choices=PracticeLevel.choices)
    hours = forms.IntegerField(label=_("Hours to master"), min_value=1, max_value=500, initial=8)
    authors = forms.CharField(
        label=_("Co-authors"),
        max_length=AUTHORS_MAX * 201,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("one name a line; you are the first author"),
    )
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    contest = forms.TypedChoiceField(label=_("Contest"), coerce=int, required=False, empty_value=None)
    project = forms.TypedChoiceField(label=_("Output of a joint project"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, competencies=(), subjects=(), organizations=(), contests=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competencies"].choices = [(c.code, f"{c.code} {c.title}") for c in competencies]
        self.fields["subjects"].choices = [(s.code, s.name) for s in subjects]
        self.fields["organization"].choices = [(o.pk, o.display_name) for o in organizations]
        until = gettext("%(title)s (until %(date)s)")
        self.fields["contest"].choices = [("", _("— not in a contest —"))] + [
            (c.pk, until % {"title": c.title, "date": f"{c.deadline:%d.%m.%Y}"}) for c in contests
        ]
        self.fields["project"].choices = [("", _("— not a project's output —"))] + [(p.pk, p.title) for p in projects]

    def data_object(self) -> PracticeData:
        d = self.cleaned_data
        return PracticeData(
            title=d["title"],
            problem=d["problem"],
            target_group=d["target_group"],
            steps=_lines(d["steps"]),
            resources=d["resources"],
            results=d["results"],
            conditions=d["conditions"],
            level=d["level"],
            competencies=list(d["competencies"]),
            subjects=list(d["subjects"]),
            hours=d["hours"],
            authors=_lines(d["authors"]),
            contest_id=d.get("contest"),
            project_id=d.get("project"),
        )


class RouteForm(forms.Form):
    route = forms.TypedChoiceField(label=_("Route"), coerce=int)

    def __init__(self, *args, routes=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        mine = gettext("my route (draft)")
        self.fields["route"].choices = [
            (r.pk, mine if r.educator.user_id == getattr(user, "pk", None) else r.educator.full_name) for r in routes
        ]


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"))
    caption = forms.CharField(label=_("What it shows"), max_length=300)


class ConfirmForm(forms.Form):
    """A button that changes something: no fields, but the POST still goes through a form."""


class AssignForm(forms.Form):
    experts = forms.TypedMultipleChoiceField(
        label=_("Experts"),
        coerce=int,
        required=False,
        help_text=_("none chosen: the least loaded experts without a conflict of interest"),
    )

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].choices = [(e.pk, e.display_name()) for e in experts]


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=PracticeVerdict.choices)
    level = forms.ChoiceField(
        label=_("Level at which the practice is effective"), choices=[("", "—"), *PracticeLevel.choices], required=False
    )
    comment = forms.CharField(
        label=_("Comment to the authors"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, criteria=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria or {}
        for code, criterion in self.criteria.items():
            self.fields[f"score_{code}"] = forms.IntegerField(
                label=criterion.title, min_value=0, max_value=criterion.max_score, help_text=criterion.description
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Comment"), max_length=CRITERION_COMMENT_MAX, required=False
            )

    def scores(self) -> dict[str, int]:
        return {code: self.cleaned_data[f"score_{code}"] for code in self.criteria}

    def comments(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"note_{code}"] for code in self.criteria if self.cleaned_data.get(f"note_{code}")
        }


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=PracticeVerdict.choices)
    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *PracticeLevel.choices], required=False)
    comment = forms.CharField(
        label=_("Comment to the authors"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContestForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    criteria = forms.CharField(
        label=_("Criteria"),
        max_length=12 * 301,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("one criterion a line; none: the bank's criteria"),
    )
    deadline = forms.DateField(
        label=_("Submissions until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    jury = forms.TypedMultipleChoiceField(label=_("Jury"), coerce=int)

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jury"].choices = [(e.pk, e.display_name()) for e in experts]

    def criteria_list(self) -> list[str]:
        return _lines(self.cleaned_data["criteria"])


class ReplicationForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    implemented_on = forms.DateField(
        label=_("Implemented on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    adapted = forms.CharField(
        label=_("What was adapted"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    results = forms.CharField(label=_("Results"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.display_name) for o in organizations]

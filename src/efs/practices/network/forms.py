"""Forms of the network pages: every HTML POST goes through one of these."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from efs.people.public import Organization

from .models import (
    BODY_MAX,
    DESCRIPTION_MAX,
    REASON_MAX,
    TITLE_MAX,
    EventKind,
    MembershipPolicy,
    ModuleKind,
    ProjectStatus,
)
from .services import ATTACHMENTS_PER_POST


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to ATTACHMENTS_PER_POST files; the service checks each one's type, size and content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data[: ATTACHMENTS_PER_POST + 1] if d]
        return [super().clean(data, initial)] if data else []


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(required=False, initial=True, widget=forms.HiddenInput)


class CommunityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    membership = forms.ChoiceField(label=_("Membership"), choices=MembershipPolicy.choices)
    across_macroregion = forms.BooleanField(label=_("Open to the regions of the macroregion"), required=False)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"), choices=[("1", _("admit")), ("0", _("decline"))], coerce=lambda v: v == "1"
    )


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Text (Markdown)"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6}))
    # a declared field: the forms metaclass moves it into base_fields, BaseForm.files stays the uploads
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files (PDF, office documents, images, text, ZIP; up to 10 MB each, at most 5)")
    )


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Reply (Markdown; @login mentions a colleague)"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a declared field, as in ThreadForm
        label=_("Files (PDF, office documents, images, text, ZIP; up to 10 MB each, at most 5)")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    duration_minutes = forms.IntegerField(label=_("Duration, minutes"), min_value=15, max_value=600, initial=90)
    registration_deadline = forms.DateTimeField(
        label=_("Registration until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10_000, initial=100)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_link = forms.URLField(label=_("Online link"), max_length=300, required=False, assume_scheme="https")


class AttendanceForm(forms.Form):
    attended = forms.TypedMultipleChoiceField(
        label=_("Came"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(r.user_id, r.user.display_name()) for r in registrations]


class EvidenceForm(forms.Form):
    route_item = forms.TypedChoiceField(label=_("Route activity"), coerce=int)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route_item"].choices = [(i.pk, i.title) for i in items]


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ModuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ModuleKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    material = forms.CharField(
        label=_("Materials (Markdown)"), max_length=BODY_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    assignment = forms.CharField(
        label=_("Assignment"), max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_at = forms.DateTimeField(
        label=_("Date and time (in-person session)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class CheckForm(forms.Form):
    enrollment = forms.IntegerField(min_value=1)
    module = forms.IntegerField(min_value=1)
    decision = forms.ChoiceField(
        choices=[("accepted", _("accept")), ("returned", _("return")), ("attended", _("attended"))]
    )
    comment = forms.CharField(label=_("Comment"), max_length=2_000, required=False)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    goals = forms.CharField(label=_("Goals"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    lead_organization = forms.ModelChoiceField(label=_("Lead organization"), queryset=Organization.objects.none())
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organizations (other regions)"), queryset=Organization.objects.none()
    )
    starts_on = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, region_ids=(), partner_region_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_organization"].queryset = Organization.objects.filter(
            region_id__in=list(region_ids)
        ).order_by("name")
        self.fields["partners"].queryset = Organization.objects.filter(region_id__in=list(partner_region_ids)).order_by(
            "region", "name"
        )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=TITLE_MAX)
    owner = forms.CharField(label=_("Owner's login"), max_length=150)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))


class OutputForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    file = forms.FileField(label=_("File (PDF, office documents, images, text, ZIP; up to 15 MB)"))


class ProjectPracticeForm(forms.Form):
    practice = forms.IntegerField(
        label=_("Number of the practice card in the bank"), min_value=1, max_value=2_147_483_647
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)

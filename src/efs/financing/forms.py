"""The HTML forms of financing: each POST of the pages is read by one of these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efs.forms import RoublesField
from efs.people.public import EducatorCategory

from .models import CopayPayer, Enrollment, Ledger

COMMENT_MAX = 1000


def _tid() -> forms.RegexField:
    return forms.RegexField(
        regex=r"^[A-Za-z0-9._:-]{1,64}$",
        max_length=64,
        error_messages={"invalid": _("The form is out of date: open the page again.")},
    )


class RegionYearForm(forms.Form):
    """Every action of the fund page names the region and the year it acts on."""

    region = forms.IntegerField(min_value=1)
    year = forms.IntegerField(min_value=2000, max_value=2100)


class TopUpForm(RegionYearForm):
    tid = _tid()
    amount = RoublesField(label=_("Amount, ₽"))
    document_number = forms.CharField(label=_("Document number"), max_length=60)
    document_date = forms.DateField(label=_("Document date"))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_document_date(self) -> dt.date:
        value = self.cleaned_data["document_date"]
        if value > timezone.localdate():
            raise ValidationError(_("The document cannot be dated in the future."))
        return value


class TopUpReverseForm(RegionYearForm):
    reason = forms.CharField(label=_("Why the top-up is reversed"), max_length=300)


class RuleForm(RegionYearForm):
    category = forms.ChoiceField(label=_("Category"), choices=EducatorCategory.choices)
    nominal = RoublesField(label=_("Nominal, ₽"))
    ledger = forms.ChoiceField(choices=Ledger.choices, initial=Ledger.RUB)
    every_years = forms.IntegerField(label=_("Once in, years"), min_value=1, max_value=5, initial=1)
    prorate = forms.BooleanField(required=False)
    carry_over = forms.BooleanField(required=False)


class IssueForm(RegionYearForm):
    category = forms.ChoiceField(choices=EducatorCategory.choices)


class ContractForm(RegionYearForm):
    provider = forms.IntegerField(min_value=1)
    number = forms.CharField(label=_("Number"), max_length=60)
    signed_on = forms.DateField(label=_("Signed on"))
    valid_from = forms.DateField(label=_("Valid from"))
    valid_to = forms.DateField(label=_("Valid to"))
    ceiling = RoublesField(label=_("Ceiling, ₽ (optional)"), required=False)
    advances = forms.BooleanField(required=False)


class PaymentForm(RegionYearForm):
    tid = _tid()
    contract = forms.IntegerField(min_value=1)
    amount = RoublesField(label=_("Amount, ₽"))
    document = forms.CharField(label=_("Payment order"), max_length=60)
    paid_on = forms.DateField(label=_("Paid on"))
    advance = forms.BooleanField(required=False)


class EnrollForm(forms.Form):
    """The educator's request to enroll: the page's request id (a retry is the same request) and
    who pays what the certificate does not cover (the service checks both)."""

    request_id = forms.CharField(required=False, max_length=64)
    copay_payer = forms.ChoiceField(label=_("Who pays the rest"), choices=CopayPayer.choices, required=False)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=COMMENT_MAX)


class OutcomesForm(forms.Form):
    """The provider's outcome for each accepted enrollment of a cohort: one choice a person."""

    CHOICES = [("", _("not yet")), ("completed", _("completed")), ("not_completed", _("not completed"))]

    def __init__(self, *args, enrollments: Iterable[Enrollment] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.enrollments = list(enrollments)
        for enrollment in self.enrollments:
            self.fields[f"outcome_{enrollment.pk}"] = forms.ChoiceField(
                choices=self.CHOICES, required=False, widget=forms.RadioSelect
            )

    def outcomes(self) -> list[tuple[Enrollment, bool]]:
        """(enrollment, completed) for every person the provider decided on."""
        chosen = []
        for enrollment in self.enrollments:
            value = self.cleaned_data.get(f"outcome_{enrollment.pk}", "")
            if value:
                chosen.append((enrollment, value == "completed"))
        return chosen

"""Reading the HTML forms of the depository into the services' dataclasses."""

from __future__ import annotations

import datetime as dt
import math

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efs.errors import ValidationFailed, check_fields
from efs.forms import parse_roubles
from efs.limits import COMMENT_MAX_CHARS

from .models import Verdict
from .services import CohortData, ProgramData

OUTCOME_ROWS = 6
MODULE_ROWS = 10


def _int(value: str, field: str, errors: list) -> int:
    value = (value or "").strip().replace(" ", "").replace("\u00a0", "")
    try:
        return int(value)
    except ValueError:
        errors.append((field, _("«%(value)s» is not a whole number.") % {"value": value}))
        return 0


def _money(value: str, field: str, errors: list) -> int:
    """Roubles as typed («4 500», «4500,50») into kopecks, by the shared rule (`efs.forms`)."""
    try:
        return parse_roubles((value or "").strip() or "0", allow_zero=True)
    except ValidationError as error:
        errors.append((field, " ".join(error.messages)))
        return 0


def _float(value: str, field: str, errors: list) -> float:
    try:
        number = float((value or "").replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        errors.append((field, _("«%(value)s» is not a number.") % {"value": value}))
        return 0.0
    return number


def _inns(text: str) -> list[str]:
    """Partner organizations' INNs as typed: separated by commas, semicolons, spaces or lines."""
    return [part for part in text.replace(",", " ").replace(";", " ").split() if part][:50]


def program_data(post: QueryDict) -> ProgramData:
    errors: list[tuple[str, str]] = []
    outcomes = []
    for i in range(OUTCOME_ROWS):
        code = post.get(f"outcome_code_{i}", "").strip()
        if code:
            outcomes.append(
                (
                    code,
                    _float(post.get(f"outcome_weight_{i}", ""), "outcomes", errors),
                    post.get(f"outcome_text_{i}", "").strip(),
                )
            )
    modules = []
    for i in range(MODULE_ROWS):
        title = post.get(f"module_title_{i}", "").strip()
        hours = post.get(f"module_hours_{i}", "").strip()
        if title or hours:
            modules.append((title, _int(hours, "modules", errors)))
    data = ProgramData(
        code=post.get("code", ""),
        kind=post.get("kind", ""),
        title=post.get("title", ""),
        annotation=post.get("annotation", ""),
        hours=_int(post.get("hours", ""), "hours", errors),
        form=post.get("form", ""),
        final_assessment=post.get("final_assessment", ""),
        for_teachers=bool(post.get("for_teachers")),
        for_managers=bool(post.get("for_managers")),
        for_students=bool(post.get("for_students")),
        positions=[p for p in post.get("positions", "").split(",") if p.strip()],
        subjects=post.getlist("subjects"),
        distance_learning=bool(post.get("distance_learning")),
        e_learning=bool(post.get("e_learning")),
        price=_money(post.get("price", "0"), "price", errors),
        developer=post.get("developer", ""),
        outcomes=outcomes,
        modules=modules,
        network_partners=_inns(post.get("network_partners", "")),
    )
    check_fields(errors, code="program_invalid")
    return data


def _date(value: str, label: str, errors: list) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        errors.append(_("Give the date: %(label)s.") % {"label": label})
        return None


def cohort_data(post: QueryDict) -> CohortData:
    errors: list = []
    start = _date(post.get("start_date", ""), _("start"), errors)
    end = _date(post.get("end_date", ""), _("end"), errors)
    deadline = _date(post.get("enrollment_deadline", ""), _("enrollment until"), errors)
    seats_errors: list = []
    seats = _int(post.get("seats", ""), "seats", seats_errors)
    price_errors: list = []
    price = _money(post.get("price", "0"), "price", price_errors)
    errors += [m for _f, m in seats_errors + price_errors]
    if errors:
        raise ValidationFailed(" ".join(errors), code="cohort_invalid", details=errors)
    assert start is not None and end is not None and deadline is not None  # a missing date is in `errors`
    municipality = post.get("municipality", "")
    return CohortData(
        start_date=start,
        end_date=end,
        enrollment_deadline=deadline,
        seats=seats,
        price=price,
        online=bool(post.get("online")),
        municipality_id=int(municipality) if municipality.isdigit() else None,
        address=post.get("address", ""),
        availability=post.get("availability", "region"),
    )


def card_from_post(post: QueryDict) -> dict:
    """What the person typed, shaped like services.program_card, to show the form again."""
    return {
        "code": post.get("code", ""),
        "kind": post.get("kind", ""),
        "title": post.get("title", ""),
        "annotation": post.get("annotation", ""),
        "audience": {
            "categories": [
                c
                for c, key in (("teacher", "for_teachers"), ("manager", "for_managers"), ("student", "for_students"))
                if post.get(key)
            ],
            "positions": [p.strip() for p in post.get("positions", "").split(",") if p.strip()],
            "subjects": post.getlist("subjects"),
        },
        "hours": post.get("hours", ""),
        "form": post.get("form", ""),
        "distance_learning": bool(post.get("distance_learning")),
        "e_learning": bool(post.get("e_learning")),
        "final_assessment": post.get("final_assessment", ""),
        "price_rub": post.get("price", ""),
        "developer": post.get("developer", ""),
        "outcomes": [
            {
                "competency": post.get(f"outcome_code_{i}", ""),
                "weight": post.get(f"outcome_weight_{i}", ""),
                "text": post.get(f"outcome_text_{i}", ""),
            }
            for i in range(OUTCOME_ROWS)
            if post.get(f"outcome_code_{i}")
        ],
        "modules": [
            {"title": post.get(f"module_title_{i}", ""), "hours": post.get(f"module_hours_{i}", "")}
            for i in range(MODULE_ROWS)
            if post.get(f"module_title_{i}") or post.get(f"module_hours_{i}")
        ],
        "network_partners": [{"inn": inn, "name": ""} for inn in _inns(post.get("network_partners", ""))],
    }


class ReviewForm(forms.Form):
    """An expert's review: a score for each criterion, a verdict and a comment."""

    verdict = forms.ChoiceField(label=gettext_lazy("Verdict"), choices=Verdict.choices)
    comment = forms.CharField(label=gettext_lazy("Comment for the provider"), required=False, max_length=4000)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"score_{c.code}"] = forms.TypedChoiceField(
                label=c.title, choices=[(i, i) for i in range(c.max_score + 1)], coerce=int
            )

    def scores(self) -> dict[str, int]:
        return {c.code: self.cleaned_data[f"score_{c.code}"] for c in self.criteria}


class ConfirmForm(forms.Form):
    """A button that changes a program card (submit, assign experts, publish): no fields, still a form."""


class CommentForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=COMMENT_MAX_CHARS)


class DecisionForm(CommentForm):
    """The operator's decision on the experts' reviews: the button pressed names the verdict."""

    verdict = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Verdict.choices)


class CohortCancelForm(forms.Form):
    cohort = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


IMPORT_MAX_BYTES = 10 * 1024 * 1024


class ProgramsImportForm(forms.Form):
    """A file of program cards (JSON or XLSX, as exported); the button pressed says whether to
    only check it or to import only its valid cards."""

    file = forms.FileField(
        label=gettext_lazy("File"), error_messages={"required": gettext_lazy("Choose a file to upload.")}
    )
    check = forms.BooleanField(required=False)
    only_valid = forms.BooleanField(required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        return upload

"""Form fields every app shares. The one owner of reading an amount of money typed by a
person: decimal roubles in, integer kopecks out (see `efs.money` for the way back)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from efs.errors import ValidationFailed
from efs.money import format_money

# A billion roubles: more than any regional fund of a year; a typo of a few zeros stops here.
MAX_ROUBLES = Decimal("1000000000")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")
_AMOUNT = re.compile(r"(?P<whole>\d{1,13})(?:[.,](?P<cents>\d{1,2}))?")


def parse_roubles(text: str, *, max_roubles: Decimal = MAX_ROUBLES, allow_zero: bool = False) -> int:
    """«12 500», «12 500,5», «12500.50» -> kopecks. Digits, spaces as thousands separators and
    at most two decimals after a comma or a point: no sign, exponent, «inf» or «nan».
    Raises ValidationError with a Russian message."""
    cleaned = (text or "").strip().translate(_SPACES)
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise ValidationError(
            _("Enter an amount in roubles: digits, and at most two digits after the comma (12 500,50)."),
            code="roubles_invalid",
        )
    kopecks = int(match["whole"]) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    if kopecks == 0 and not allow_zero:
        raise ValidationError(_("The amount must be greater than zero."), code="roubles_not_positive")
    if kopecks > int(max_roubles * 100):
        raise ValidationError(
            _("The amount is more than %(limit)s: check the number of digits.")
            % {"limit": format_money(int(max_roubles * 100))},
            code="roubles_too_large",
        )
    return kopecks


class RoublesField(forms.CharField):
    """An amount typed in roubles; `cleaned_data` holds integer kopecks (or None when empty)."""

    def __init__(self, *, max_roubles: Decimal = MAX_ROUBLES, allow_zero: bool = False, **kwargs):
        self.max_roubles, self.allow_zero = max_roubles, allow_zero
        kwargs.setdefault("max_length", 24)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        return parse_roubles(text, max_roubles=self.max_roubles, allow_zero=self.allow_zero)

    def validate(self, value) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value) -> None:  # the length was checked on the text, before parsing
        return None

    def prepare_value(self, value):
        if isinstance(value, int):  # initial kopecks shown as roubles
            roubles, rest = divmod(value, 100)
            return f"{roubles},{rest:02d}" if rest else str(roubles)
        return value


def first_error(form: forms.Form) -> str:
    """The form's errors as one Russian sentence for a message on the page."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        parts.append(f"{label}: {' '.join(map(str, errors))}" if label else " ".join(map(str, errors)))
    return " ".join(parts)


def read_json_upload(content: bytes, *, code: str) -> Any:
    """An uploaded JSON file, or a Russian message a person can act on (not the decoder's English)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            gettext(
                "The file is not in UTF-8 encoding: save it as JSON in UTF-8 (or upload the Excel template) and try "
                "again."
            ),
            code=code,
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            gettext("The JSON file is broken at line %(line)s, column %(column)s.")
            % {"line": exc.lineno, "column": exc.colno},
            code=code,
        ) from None


def set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Give a model choice field of this form instance its choices (the class declares the
    field with none: what one may choose depends on the request)."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField is one too
        raise TypeError(f"{name!r} is not a model choice field")
    field.queryset = queryset


class StyledForm(forms.Form):
    """Bootstrap's classes on every widget a template renders as it is (``{{ field }}``): a
    select gets ``form-select``, a check box none, every other input ``form-control``; after
    validation a field with errors also ``is-invalid``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.CheckboxInput | forms.RadioSelect):
                continue
            select = isinstance(field.widget, forms.Select)
            css = "form-select form-select-sm" if select else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def full_clean(self) -> None:
        """A field that failed is marked for Bootstrap (``is-invalid``: the red border)."""
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "")
                if "is-invalid" not in classes.split():
                    widget.attrs["class"] = f"{classes} is-invalid".strip()

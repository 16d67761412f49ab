"""Amounts typed by people: decimal roubles read in one place (`efs.forms.RoublesField`)."""

from __future__ import annotations

import pytest
from django import forms

from efs.forms import RoublesField


class _Form(forms.Form):
    amount = RoublesField()
    optional = RoublesField(required=False)


@pytest.mark.parametrize(
    ("typed", "kopecks"),
    [
        ("12 500", 1_250_000),
        ("12 500,50", 1_250_050),
        ("12500.5", 1_250_050),
        ("0,01", 1),
        ("1\u00a0000\u202f000", 100_000_000),
        ("1000000000", 100_000_000_000),
    ],
)
def test_roubles_are_read_as_decimal_kopecks(typed, kopecks):
    form = _Form({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": kopecks, "optional": None}


@pytest.mark.parametrize(
    "typed",
    [
        "1e12",
        "1E3",
        "inf",
        "-inf",
        "nan",
        "NaN",
        "Infinity",
        "-5",
        "+5",
        "12,505",
        "0",
        "0,00",
        "1000000000,01",
        "12 5OO",
        "1,2,3",
        "0x10",
        "",
        " ",
    ],
)
def test_absurd_amounts_are_refused_with_a_russian_message(typed):
    form = _Form({"amount": typed})
    assert not form.is_valid()
    message = " ".join(form.errors["amount"])
    assert any(word in message for word in ("рубл", "больше нуля", "Обязательное", "цифр")), message


def test_a_long_input_is_refused_before_parsing():
    assert not _Form({"amount": "1" * 10_000}).is_valid()


@pytest.mark.parametrize("typed", ["1e12", "inf", "nan", "-100", "4500,555"])
def test_the_depository_forms_read_prices_by_the_shared_rule(typed):
    from django.http import QueryDict

    from efs.catalog.forms import cohort_data
    from efs.errors import ValidationFailed

    post = QueryDict(mutable=True)
    post.update(
        {
            "start_date": "2027-09-01",
            "end_date": "2027-09-05",
            "enrollment_deadline": "2027-08-25",
            "seats": "10",
            "price": typed,
        }
    )
    with pytest.raises(ValidationFailed) as refused:
        cohort_data(post)
    assert "рубл" in refused.value.message


def test_a_free_cohort_is_still_allowed():
    from django.http import QueryDict

    from efs.catalog.forms import cohort_data

    post = QueryDict(mutable=True)
    post.update(
        {
            "start_date": "2027-09-01",
            "end_date": "2027-09-05",
            "enrollment_deadline": "2027-08-25",
            "seats": "10",
            "price": "4 500,50",
        }
    )
    assert cohort_data(post).price == 450_050
    post["price"] = ""
    assert cohort_data(post).price == 0

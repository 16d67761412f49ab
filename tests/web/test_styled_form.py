"""efs.forms.StyledForm: Bootstrap's classes on every widget but check boxes, and the red border
(``is-invalid``) on the fields that failed, on this form only."""

from __future__ import annotations

from django import forms

from efs.forms import StyledForm


class _Form(StyledForm):
    topic = forms.CharField(max_length=10)
    format = forms.ChoiceField(choices=[("online", "онлайн"), ("office", "очно")])
    agree = forms.BooleanField(required=False)


def _classes(form: forms.Form, name: str) -> list[str]:
    return form.fields[name].widget.attrs.get("class", "").split()


def test_widgets_get_bootstrap_classes_and_failed_fields_a_red_border():
    fresh = _Form()
    assert _classes(fresh, "topic") == ["form-control", "form-control-sm"]
    assert _classes(fresh, "format") == ["form-select", "form-select-sm"]
    assert _classes(fresh, "agree") == []

    posted = _Form({"topic": "", "format": "online"})
    assert not posted.is_valid()
    assert "is-invalid" in _classes(posted, "topic") and "is-invalid" not in _classes(posted, "format")
    assert 'class="form-control form-control-sm is-invalid"' in str(posted["topic"])
    posted.is_valid()  # validated again: the class is not doubled
    assert _classes(posted, "topic").count("is-invalid") == 1
    assert "is-invalid" not in _classes(_Form(), "topic")  # another form of the class is untouched

"""The one action shape of the HTML pages (efs.web.actions)."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from django.utils import translation

from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.web.actions import act, submit


class _Form(forms.Form):
    n = forms.IntegerField(min_value=1)


def _request():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _texts(request) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def test_success_returns_the_value_and_says_so():
    request = _request()
    outcome = act(request, lambda: 42, "Готово.")
    assert outcome and outcome.value == 42 and outcome.status == 200
    assert _texts(request) == [("success", "Готово.")]


def test_a_fixable_refusal_becomes_a_message_with_its_status():
    request = _request()

    def refuse():
        raise Conflict("Мест нет.", code="cohort_full")

    outcome = act(request, refuse, "Готово.")
    assert not outcome and outcome.status == Conflict.status
    assert _texts(request) == [("error", "Мест нет.")]


@pytest.mark.parametrize("error", [NotFound, PermissionDenied])
def test_a_refusal_of_access_is_raised_not_shown(error):
    request = _request()

    def refuse():
        raise error("нет")

    with pytest.raises(error):
        act(request, refuse)
    assert _texts(request) == []


def test_an_invalid_form_calls_nothing_and_lists_its_errors_in_russian():
    request = _request()
    called = []
    with translation.override("ru"):
        outcome = submit(request, _Form({"n": "0"}), called.append, "Готово.")
        texts = _texts(request)
    assert not outcome and outcome.status == 400 and called == []
    assert len(texts) == 1 and texts[0][0] == "error" and "1" in texts[0][1]


def test_a_valid_form_passes_cleaned_data_and_quiet_keeps_messages_for_the_form():
    request = _request()
    outcome = submit(request, _Form({"n": "3"}), lambda data: data["n"] * 2)
    assert outcome.value == 6 and _texts(request) == []
    request = _request()
    assert not submit(request, _Form({"n": "x"}), lambda data: None, quiet=True)
    assert _texts(request) == []


def test_validation_failed_keeps_422():
    request = _request()

    def refuse():
        raise ValidationFailed("Неверно.")

    assert act(request, refuse).status == 422


def test_after_success_is_the_redirect_and_after_a_refusal_its_status_and_message_on_a_page():
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponseRedirect

    from efs.web.actions import after

    request = _request()
    request.user = AnonymousUser()
    back = HttpResponseRedirect("/practices/7/")
    assert after(request, act(request, lambda: 1), back) is back

    def refuse():
        raise Conflict("Мест нет.", code="cohort_full")

    with translation.override("ru"):
        refused = after(request, act(request, refuse), back)
    page = refused.content.decode()
    assert refused.status_code == 409 and "Мест нет." in page and 'href="/practices/7/"' in page

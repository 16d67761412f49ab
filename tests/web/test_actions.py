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


def _post(data: dict):
    request = RequestFactory().post("/", data)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.user = "the user"
    return request


def _on_thing(calls: list, *, refuse=None):
    """An on_object view over a dict «fetched» by pk; the reply names what happened."""
    from django.http import HttpResponse

    from efs.web.actions import on_object

    def fetch(user, pk):
        calls.append(("fetch", user, pk))
        return {"pk": pk}

    @on_object(fetch, _Form, "Готово.", reply=lambda request, obj, outcome: HttpResponse(f"{obj['pk']}:{outcome.ok}"))
    def thing_do(request, obj, data):
        if refuse:
            raise refuse
        calls.append(("call", obj["pk"], data["n"]))
        return data["n"]

    return thing_do


def test_on_object_fetches_for_the_user_then_calls_the_service_with_the_object_and_the_form():
    calls: list = []
    request = _post({"n": "3"})
    response = _on_thing(calls)(request, 7)
    assert calls == [("fetch", "the user", 7), ("call", 7, 3)]
    assert response.content == b"7:True" and _texts(request) == [("success", "Готово.")]


def test_on_object_with_an_invalid_form_or_a_refusal_calls_nothing_and_replies_with_the_outcome():
    calls: list = []
    request = _post({"n": "0"})
    assert _on_thing(calls)(request, 7).content == b"7:False"
    assert calls == [("fetch", "the user", 7)]
    request = _post({"n": "3"})
    assert _on_thing([], refuse=Conflict("Мест нет.", code="cohort_full"))(request, 7).content == b"7:False"
    assert _texts(request) == [("error", "Мест нет.")]
    with pytest.raises(NotFound):
        _on_thing([], refuse=NotFound("нет"))(_post({"n": "3"}), 7)


def test_back_to_redirects_to_the_page_of_the_named_attribute_or_shows_the_refusal():
    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser
    from django.urls import reverse

    from efs.web.actions import Outcome, back_to

    request = _post({})
    request.user = AnonymousUser()
    post = SimpleNamespace(pk=5, thread_id=9)
    response = back_to("practices:thread", "thread_id")(request, post, Outcome(True))
    assert response.status_code == 302 and response.url == reverse("practices:thread", args=[9])
    refused = back_to("practices:thread")(request, post, Outcome(False, status=409))
    assert refused.status_code == 409 and f'href="{reverse("practices:thread", args=[5])}"' in refused.content.decode()


def test_form_page_shows_the_page_on_get_and_after_a_post_the_redirect_or_the_page_with_the_status():
    from django.http import HttpResponse

    from efs.web.actions import form_page

    def page(status):
        return HttpResponse("page", status=status)

    def then(value):
        return HttpResponse(f"then {value}", status=302)

    get = RequestFactory().get("/")
    assert form_page(get, _Form(None), lambda data: 1 / 0, then=then, page=page).status_code == 200
    request = _post({"n": "3"})
    response = form_page(request, _Form(request.POST), lambda data: data["n"] * 2, "Готово.", then=then, page=page)
    assert response.content == b"then 6" and _texts(request) == [("success", "Готово.")]
    request = _post({"n": "0"})
    response = form_page(request, _Form(request.POST), lambda data: 1 / 0, then=then, page=page)
    assert response.status_code == 400 and response.content == b"page" and _texts(request) == []

    def refuse(data):
        raise Conflict("Мест нет.", code="cohort_full")

    request = _post({"n": "3"})
    response = form_page(request, _Form(request.POST), refuse, then=then, page=page)
    assert response.status_code == 409 and _texts(request) == [("error", "Мест нет.")]

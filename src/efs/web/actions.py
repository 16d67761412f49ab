"""The one shape of an HTML action: a form in, one service call, a Russian message out.

Every page that changes something does the same four things: validate the form, call one
service, show the service's refusal (already Russian) or a success message, then redirect or
re-render. This module is the one owner of that shape, so that no app writes its own
``_soft``/``_errors``/``_run`` again:

    outcome = act(request, lambda: services.thing_do(actor=request.user, ...), _("Done."))
    if outcome:
        return redirect(...)
    return render(..., status=outcome.status)

    outcome = submit(request, form, lambda data: services.thing_create(**data), _("Created."))
    return answer(outcome, then=lambda: redirect(...), again=lambda status: render(..., status=status))

A page's POST that acts on one object (fetched for the user, then a form and one service call)
is the service call alone under ``on_object``; the view it makes does the rest:

    @login_required
    @require_POST
    @on_object(queries.post, ReasonForm, gettext_lazy("Hidden."), reply=back_to("app:thread", "thread_id"))
    def post_hide(request: AuthedRequest, post: Post, data: Mapping[str, Any]) -> object:
        return services.post_hide(actor=request.user, post=post, reason=data["reason"])

A refusal the user can fix (a ``DomainError`` with a 4xx status other than 403/404) becomes an
error message on the page and ``outcome.status`` carries its status for a re-rendered page.
A refusal of access (403, 404) is re-raised, so it reaches the error page like any other:
what the user may not see must not turn into a friendly message that confirms it exists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from efs.errors import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACCESS_STATUSES = (403, 404)

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What an action came to. True when the service ran; ``value`` is what it returned."""

    ok: bool
    value: Any = None
    status: int = 200

    def __bool__(self) -> bool:
        return self.ok


def form_errors(request: HttpRequest, form: BaseForm) -> None:
    """Every error of an invalid form as a message (a form re-rendered shows them itself)."""
    errors = [str(error) for field in form.errors.values() for error in field]
    for error in errors or [_("Check the form.")]:
        messages.error(request, error)


def refusal(request: HttpRequest, exc: DomainError) -> Outcome:
    """Show a refusal the user can fix; re-raise a refusal of access."""
    if exc.status in ACCESS_STATUSES:
        raise exc
    messages.error(request, exc.message)
    return Outcome(False, status=exc.status)


def act(request: HttpRequest, call: Callable[[], Any], success: StrOrPromise | None = None) -> Outcome:
    """Call one service; its refusal becomes a message (nothing was saved: services are atomic)."""
    try:
        value = call()
    except DomainError as exc:
        return refusal(request, exc)
    if success:
        messages.success(request, success)
    return Outcome(True, value)


def submit(
    request: HttpRequest,
    form: BaseForm,
    call: Callable[[Mapping[str, Any]], Any],
    success: StrOrPromise | None = None,
    *,
    quiet: bool = False,
) -> Outcome:
    """Validate ``form`` and call the service with its cleaned data.

    ``quiet`` leaves the form's errors to the re-rendered form instead of repeating them as
    messages (for views that render the same form back).
    """
    if not form.is_valid():
        if not quiet:
            form_errors(request, form)
        return Outcome(False, status=400)
    return act(request, lambda: call(form.cleaned_data), success)


def answer(
    outcome: Outcome, *, then: Callable[[], HttpResponse], again: Callable[[int], HttpResponse]
) -> HttpResponse:
    """The answer to an HTML action: ``then()`` (the redirect of success) when the service ran;
    after a refusal ``again(status)``, the page once more with the refusal's status, its Russian
    message shown on it (never the 302 of success for a request that did nothing)."""
    return then() if outcome else again(outcome.status)


def form_page(
    request: HttpRequest,
    form: BaseForm,
    call: Callable[[Mapping[str, Any]], Any],
    success: StrOrPromise | None = None,
    *,
    then: Callable[[Any], HttpResponse],
    page: Callable[[int], HttpResponse],
    quiet: bool = True,
) -> HttpResponse:
    """A page of one form (a new thing, or a thing's settings): ``page(200)`` for a GET; a POST
    submits the form (its errors shown on the form itself, or also as messages where not
    ``quiet``, for a page whose form does not show them) and answers ``then(value)`` with what
    the service returned, or after a refusal ``page(status)``, the page again with its status."""
    if request.method != "POST":
        return page(200)
    outcome = submit(request, form, call, success, quiet=quiet)
    return then(outcome.value) if outcome else page(outcome.status)


def refused(request: HttpRequest, status: int, back: str) -> HttpResponse:
    """A refusal on a page of its own, for an action whose page is costly to build again: the
    refusal's status, its message (already among the messages) above, a link back to ``back``."""
    return render(request, "web/refused.html", {"back": back}, status=status)


def after(request: HttpRequest, outcome: Outcome, to: HttpResponseRedirectBase) -> HttpResponse:
    """``to`` (the redirect of success) when the service ran; after a refusal, its status and
    message on a page that links back to where ``to`` leads."""
    return to if outcome else refused(request, outcome.status, to.url)


Reply = Callable[[Any, T, Outcome], HttpResponse]


def back_to(url_name: str, attribute: str = "pk") -> Reply[Any]:
    """The reply of ``after`` to the page ``url_name`` of the object's ``attribute`` (its own pk,
    or the pk of the page it belongs to, as ``"thread_id"``)."""
    return lambda request, obj, outcome: after(request, outcome, redirect(url_name, pk=getattr(obj, attribute)))


def on_object(
    fetch: Callable[[Any, int], T],
    form: Callable[..., BaseForm],
    success: StrOrPromise | None = None,
    *,
    reply: Reply[T],
    files: bool = False,
) -> Callable[[Callable[[Any, T, Mapping[str, Any]], Any]], Callable[[Any, int], HttpResponse]]:
    """The view of a POST that acts on one object: ``fetch(request.user, pk)`` (its refusal of
    access raises as always), ``submit`` of ``form`` bound to the POST (and its files where
    ``files``) with the decorated function as the service call, ``reply(request, obj, outcome)``.

    The decorated function takes ``(request, obj, cleaned_data)`` and calls the one service; put
    ``login_required`` and ``require_POST`` above ``on_object`` as on any view (the matrix reads
    the view's methods from its source)."""

    def decorate(call: Callable[[Any, T, Mapping[str, Any]], Any]) -> Callable[[Any, int], HttpResponse]:
        @functools.wraps(call)
        def view(request: Any, pk: int) -> HttpResponse:
            obj = fetch(request.user, pk)
            bound = form(request.POST, request.FILES) if files else form(request.POST)
            outcome = submit(request, bound, lambda data: call(request, obj, data), success)
            return reply(request, obj, outcome)

        return view

    return decorate

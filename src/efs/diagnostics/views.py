"""Pages of diagnostics: taking a test, results, the deficit map, the item bank."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from efs import fragments, xlsx
from efs.competencies.models import Audience, Framework
from efs.errors import DomainError, NotFound, ValidationFailed
from efs.http import AuthedRequest, client_ip, int_param, pdf_response, post_int, upload_name
from efs.people import access
from efs.people.audit import audit_view
from efs.people.models import ConsentKind, Role
from efs.people.services import (
    consent_active,
    consent_current_document,
    consent_give,
    processing_allowed,
)
from efs.web.actions import act, after, refused

from . import bank as bank_services
from . import queries, services
from .access import AGGREGATE_READERS
from .itemformat import AnswerError
from .messages import answer_error_message
from .models import (
    Assessment,
    AttemptStatus,
    CalibrationRun,
    CalibrationStatus,
    Decision,
    Item,
    ItemKind,
    ItemStatus,
)
from .presentation import answer_from_form, result_chart

# ---------------------------------------------------------------- the person


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    me = access.require_own_educator(request.user)
    if request.method == "POST":  # consent from this page
        consent_give(actor=request.user, educator=me, kind=ConsentKind.DIAGNOSTICS, ip=client_ip(request))
        messages.success(request, _("Consent given. You can withdraw it at any time on the «My consents» page."))
        return redirect("diagnostics:index")
    attempts = list(queries.attempts_visible(request.user, educator_id=me.pk))
    open_by_assessment = {a.assessment_id: a for a in attempts if a.status == AttemptStatus.IN_PROGRESS}
    context = {
        "me": me,
        "assessments": [(a, open_by_assessment.get(a.pk)) for a in services.assessments_for(me)],
        "attempts": attempts,
        "consent": consent_active(me, ConsentKind.DIAGNOSTICS),
        "consent_document": consent_current_document(ConsentKind.DIAGNOSTICS),
        "processing_allowed": processing_allowed(me),
    }
    return render(request, "diagnostics/index.html", context)


@login_required
@require_POST
def start(request: AuthedRequest, code: str) -> HttpResponse:
    me = access.own_educator(request.user)
    assessment = Assessment.objects.filter(code=code).first()
    if me is None or assessment is None:
        raise NotFound(_("This diagnostics is not open to you."))
    outcome = act(request, lambda: services.attempt_start(actor=request.user, educator=me, assessment=assessment))
    if outcome:
        return redirect("diagnostics:take", pk=outcome.value.pk)
    return refused(request, outcome.status, reverse("diagnostics:index"))


def _take_context(attempt, error: str | None = None, posted=None) -> dict:
    response = queries.current_response(attempt)
    total = len(attempt.competency_codes)
    answered = attempt.answered
    # remaining_max is an upper bound, so this is a lower bound of the progress.
    planned = answered + attempt.remaining_max
    percent = round(100 * answered / planned) if planned else 100
    seconds_left = max(0, int((attempt.deadline_at - timezone.now()).total_seconds()))
    hours, rest = divmod(seconds_left, 3600)
    time_left = (f"{hours}:" if hours else "") + f"{rest // 60:02d}:{rest % 60:02d}"
    return {
        "attempt": attempt,
        "response": response,
        "item": response.item if response else None,
        "content": response.item.content if response else None,
        "error": error,
        "posted": posted,
        "percent": percent,
        "competencies_total": total,
        "seconds_left": seconds_left,
        "time_left": time_left,
    }


@login_required
def take(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = queries.own_attempt(request.user, pk)
    if request.method == "GET":
        # Reading never finishes an attempt: when its time is up, the result page offers
        # the POST that does (or the daily job does it).
        if attempt.status != AttemptStatus.IN_PROGRESS or attempt.time_is_up():
            return redirect("diagnostics:result", pk=attempt.pk)
        return render(request, "diagnostics/take.html", _take_context(attempt))
    attempt = services.attempt_refresh(attempt=attempt)
    if request.method == "POST":
        position = post_int(request, "position")
        response = queries.current_response(attempt)
        error = None
        try:
            if response is None or response.position != position:
                # A retry of an answer already saved, or a stale page: the service decides.
                item = attempt.responses.filter(position=position).select_related("item").first()
                answer = answer_from_form(item.item, request.POST) if item else None
            else:
                answer = answer_from_form(response.item, request.POST)
            outcome = services.attempt_answer(actor=request.user, attempt=attempt, position=position, answer=answer)
            attempt = outcome.attempt
        except AnswerError as exc:
            error = answer_error_message(exc)
        except DomainError as exc:
            if exc.code in ("already_answered", "item_not_presented"):
                attempt.refresh_from_db()
            else:
                error = exc.message
        if attempt.status != AttemptStatus.IN_PROGRESS:
            url = reverse("diagnostics:result", args=[attempt.pk])
            if request.htmx:
                response_ = HttpResponse(status=204)
                response_["HX-Redirect"] = url
                return response_
            return redirect(url)
        context = _take_context(attempt, error=error, posted=request.POST if error else None)
        if request.htmx:
            return render(request, "diagnostics/take.html#attempt", context, status=422 if error else 200)
        if error:
            return render(request, "diagnostics/take.html", context, status=422)
        return redirect("diagnostics:take", pk=attempt.pk)
    return redirect("diagnostics:take", pk=attempt.pk)


@login_required
@require_POST
def finish(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = queries.own_attempt(request.user, pk)
    services.attempt_finish_early(actor=request.user, attempt=attempt)
    return redirect("diagnostics:result", pk=attempt.pk)


def _result_context(request: HttpRequest, pk: int) -> dict:
    attempt = queries.attempt_visible(request.user, pk)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise NotFound(_("The results appear when the attempt is finished."))
    audit_view(actor=request.user, obj=attempt.educator, ip=client_ip(request))
    rows = queries.results_of(attempt)
    framework = attempt.assessment.framework
    compared = queries.comparison(attempt, rows)
    counts = {d: sum(1 for r in rows if r.decision == d) for d in Decision.values}
    return {
        "attempt": attempt,
        "rows": rows,
        "chart": result_chart(rows, framework.levels),
        "levels": framework.levels,
        "counts": counts,
        "rows_with_previous": [(c.row, c.before) for c in compared.changes]
        if compared
        else [(row, None) for row in rows],
        "comparison": compared,
        "is_self": attempt.educator.user_id == request.user.pk,
        "history": list(queries.attempts_visible(request.user, educator_id=attempt.educator_id)),
    }


@login_required
def result(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = queries.attempt_visible(request.user, pk)
    if attempt.time_is_up() and attempt.educator.user_id == request.user.pk:
        return render(request, "diagnostics/time_up.html", {"attempt": attempt})
    return render(request, "diagnostics/result.html", _result_context(request, pk))


@login_required
def result_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    return pdf_response(request, "diagnostics/result_print.html", _result_context(request, pk), f"diagnostics-{pk}.pdf")


@login_required
def person(request: AuthedRequest, educator_id: int) -> HttpResponse:
    """A tutor's or mentor's view of one supported person's diagnostics."""
    from efs.people.queries import educator_visible

    supporters = [Role.TUTOR, Role.MENTOR]
    access.require_role(request.user, supporters)
    educator = educator_visible(request.user, educator_id, roles=supporters)
    attempts = list(queries.attempts_visible(request.user, educator_id=educator.pk))
    return render(request, "diagnostics/person.html", {"person": educator, "attempts": attempts})


@login_required
def deficit_map(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, AGGREGATE_READERS)
    region_id, municipality_id = int_param(request, "region"), int_param(request, "municipality")
    audience = request.GET.get("category", "")
    audience = audience if audience in Audience.values else ""

    def context() -> dict:
        choices = queries.map_filter_choices(request.user, region_id=region_id)
        region = choices.region
        municipality = next((m for m in choices.municipalities if m.pk == municipality_id), None)
        summary = queries.deficit_summary(
            request.user,
            region_id=region.pk if region else None,
            municipality_id=municipality.pk if municipality else None,
            audience=audience,
        )
        return {
            "summary": summary,
            "rows": summary.rows,
            "diagnosed": summary.diagnosed,
            "as_of": summary.as_of,
            "built": summary.built,
            "min_group": queries.MIN_GROUP,
            "choices": choices,
            "region": region,
            "municipality": municipality,
            "audience": audience,
            "audiences": Audience.choices,
        }

    if request.GET.get("export") == "xlsx":
        stamp = timezone.localdate().isoformat()
        return xlsx.response(queries.deficit_map_xlsx(context()["summary"]), f"deficit-map-{stamp}.xlsx")

    # A map read from an analytics build or from a day's snapshot changes only with them: it is
    # kept in the cache until one of the tables it was made from is written (efs.fragments), per
    # user and filters. A live map keeps to its own two-minute cache (queries._live): not stored.
    live: dict = {}

    def body() -> dict[str, str] | None:
        values = context()
        if values["built"] is None and values["as_of"] is None:
            live.update(values)
            return None
        return {"body": render_to_string("diagnostics/map_body.html", {**fragments.placeholders(request), **values})}

    parts = fragments.cached(request, "deficit_map", body, vary=(region_id, municipality_id, audience))
    html = parts["body"] if parts is not None else render_to_string("diagnostics/map_body.html", live)
    return render(request, "diagnostics/map.html", {"body": html})


# ---------------------------------------------------------------- the item bank (federal operator)


@login_required
def bank(request: AuthedRequest) -> HttpResponse:
    bank_services.require_bank_manager(request.user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("Choose a file to upload."), code="file_missing")
        outcome = act(
            request,
            lambda: bank_services.items_import(
                actor=request.user, file_name=upload_name(upload), content=upload.read()
            ),
        )
        if outcome:
            messages.success(request, _("Added %(n)s items as unscored pilots.") % {"n": len(outcome.value)})
        return after(request, outcome, redirect("diagnostics:bank"))
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    qs = queries.items_listed(
        framework_id=int_param(request, "framework"),
        status=status if status in ItemStatus.values else "",
        kind=kind if kind in ItemKind.values else "",
        search=request.GET.get("q", "").strip(),
    )
    if request.GET.get("export") in ("json", "xlsx"):
        return _export(qs, request.GET["export"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.fit_flag = queries.fit_flag(item.stats)
    context = {
        "page": page,
        "frameworks": Framework.objects.all(),
        "statuses": ItemStatus.choices,
        "kinds": ItemKind.choices,
        "total": qs.count(),
    }
    template = "diagnostics/bank.html#results" if request.htmx else "diagnostics/bank.html"
    return render(request, template, context)


def _export(qs, fmt: str) -> HttpResponse:
    items = qs.select_related("competency")
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        body = json.dumps([bank_services.item_to_dict(i) for i in items], ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="items-{stamp}.json"'
        return response
    response = xlsx.response(bank_services.items_to_xlsx(items), f"items-{stamp}.xlsx")
    return response


@login_required
def item(request: AuthedRequest, pk: int) -> HttpResponse:
    bank_services.require_bank_manager(request.user)
    obj = Item.objects.select_related("competency__framework").filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("Not found, or you have no access to it."))
    if request.method == "POST":
        bank_services.item_set_status(actor=request.user, item=obj, status=request.POST.get("status", ""))
        messages.success(request, _("Saved."))
        return redirect("diagnostics:item", pk=obj.pk)
    return render(
        request,
        "diagnostics/item.html",
        {"item": obj, "statuses": ItemStatus.choices, "fit_flag": queries.fit_flag(obj.stats)},
    )


@login_required
def calibrations(request: AuthedRequest) -> HttpResponse:
    bank_services.require_bank_manager(request.user)
    if request.method == "POST":
        framework = Framework.objects.filter(pk=post_int(request, "framework")).first()
        if framework is None:
            raise ValidationFailed(_("Choose a framework."), code="framework_missing")
        outcome = act(
            request,
            lambda: bank_services.calibration_start(
                actor=request.user, framework=framework, anchor_operational=bool(request.POST.get("anchor"))
            ),
        )
        if outcome:
            return redirect("diagnostics:calibration", pk=outcome.value.pk)
        return refused(request, outcome.status, reverse("diagnostics:calibrations"))
    runs = CalibrationRun.objects.select_related("framework", "started_by")[:30]
    return render(
        request,
        "diagnostics/calibrations.html",
        {"runs": runs, "frameworks": Framework.objects.filter(status="published")},
    )


@login_required
def calibration(request: AuthedRequest, pk: int) -> HttpResponse:
    bank_services.require_bank_manager(request.user)
    run = CalibrationRun.objects.select_related("framework").filter(pk=pk).first()
    if run is None:
        raise NotFound(_("Not found, or you have no access to it."))
    if request.method == "POST":
        outcome = act(request, lambda: bank_services.calibration_apply(actor=request.user, run=run))
        if outcome:
            messages.success(
                request,
                _("Applied: %(n)s items got calibrated parameters; statistics updated for all.")
                % {"n": outcome.value},
            )
        return after(request, outcome, redirect("diagnostics:calibration", pk=run.pk))
    running = run.status in (CalibrationStatus.QUEUED, CalibrationStatus.RUNNING)
    items = run.results.get("items", []) if run.status == CalibrationStatus.DONE else []
    for row in items:
        row["fit_flag"] = queries.fit_flag(row)
        row["enough"] = row["n"] >= bank_services.MIN_RESPONSES_TO_APPLY
    if request.htmx and not running:  # finished while the page was polling: show the results
        done = HttpResponse(status=204)
        done["HX-Refresh"] = "true"
        return done
    template = "diagnostics/calibration.html#progress" if request.htmx else "diagnostics/calibration.html"
    return render(
        request, template, {"run": run, "running": running, "items": items, "percent": round(run.progress * 100)}
    )

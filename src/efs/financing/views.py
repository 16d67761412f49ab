"""Pages of personalised financing: the educator's certificate, enrollment with payment,
the provider's enrollments and statements, the region's fund, the federal summary."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from efs import xlsx
from efs.catalog.models import Cohort
from efs.errors import Conflict, NotFound
from efs.http import AuthedRequest, client_ip, pdf_response
from efs.money import format_money
from efs.people import access
from efs.people.models import EducatorCategory, Organization, Region, Role
from efs.people.public import AuditAction, audit_rows, audit_view
from efs.web.actions import Outcome, answer, submit

from . import queries, services
from .access import contract_actions, enrollment_actions, fund_actions, rule_actions, topup_actions
from .forms import (
    CommentForm,
    ContractForm,
    EnrollForm,
    IssueForm,
    OutcomesForm,
    PaymentForm,
    RegionYearForm,
    RuleForm,
    TopUpForm,
    TopUpReverseForm,
)
from .models import OPEN_ENROLLMENT, Contract, CopayPayer, Enrollment, EnrollmentStatus, Ledger


def _me(request):
    return access.require_own_educator(request.user)


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    me = _me(request)
    certificates = list(queries.my_certificates(request.user))
    current = next((c for c in certificates if c.year == timezone.localdate().year), None)
    context = {
        "me": me,
        "certificates": certificates,
        "current": current,
        "history": queries.history(current, limit=50) if current else [],
        "enrollments": list(queries.my_enrollments(request.user)[:50]),
        "open_statuses": OPEN_ENROLLMENT,
    }
    return render(request, "financing/mine.html", context)


@login_required
def enroll(request: AuthedRequest, cohort_pk: int) -> HttpResponse:
    """The price, what the certificate covers and who pays the rest; then the request."""
    me = _me(request)
    cohort = Cohort.objects.select_related("program__provider", "municipality").filter(pk=cohort_pk).first()
    if cohort is None:
        raise NotFound(_("Not found, or you have no access to it."))
    status = 200
    if request.method == "POST":
        outcome = submit(
            request,
            EnrollForm(request.POST),
            lambda data: services.enrollment_request(
                actor=request.user,
                educator=me,
                cohort=cohort,
                request_id=data["request_id"],
                copay_payer=data["copay_payer"],
            ),
            _(
                "The request is sent to the provider; the money is held on your certificate until the course is "
                "completed."
            ),
        )
        if outcome:
            return redirect("financing:enrollment", pk=outcome.value.pk)
        status = outcome.status
    offer = services.quote(me, cohort)
    context = {
        "cohort": cohort,
        "offer": offer,
        "free_seats": cohort.seats - cohort.seats_taken,
        "request_id": f"web-{uuid.uuid4().hex}",
        "payers": [c for c in CopayPayer.choices if c[0]],
        "route_item": request.GET.get("item", ""),
    }
    return render(request, "financing/enroll.html", context, status=status)


@login_required
def enrollment(request: AuthedRequest, pk: int) -> HttpResponse:
    return _enrollment_page(request, queries.enrollment(request.user, pk))


def _enrollment_page(request: HttpRequest, obj: Enrollment, status: int = 200) -> HttpResponse:
    audit_view(
        actor=request.user,
        obj=obj,
        owner_user_id=obj.educator.user_id,
        description=_("Enrollment of %(name)s") % {"name": obj.educator.full_name},
        ip=client_ip(request),
    )
    context = {
        "e": obj,
        "actions": enrollment_actions(request.user, obj),
        "hold_state": _hold_state(obj),
    }
    return render(request, "financing/enrollment.html", context, status=status)


def _enrollment_action(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    """Every action on an enrollment: a comment form, one service call, a message; a refusal is
    the enrollment's page again with the refusal's status."""
    obj = queries.enrollment(request.user, pk)
    outcome = submit(request, CommentForm(request.POST), lambda data: call(obj, data["comment"]), done)
    return answer(
        outcome,
        then=lambda: redirect("financing:enrollment", pk=obj.pk),
        again=lambda status: _enrollment_page(request, queries.enrollment(request.user, pk), status),
    )


@login_required
@require_POST
def enrollment_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    return _enrollment_action(
        request, pk, lambda e, comment: services.enrollment_cancel(actor=request.user, enrollment=e, comment=comment),
        _("The enrollment is cancelled; the money is back on the certificate."),
    )


@login_required
@require_POST
def enrollment_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    return _enrollment_action(
        request,
        pk,
        lambda e, _comment: services.enrollment_accept(actor=request.user, enrollment=e),
        _("The enrollment is accepted."),
    )


@login_required
@require_POST
def enrollment_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    return _enrollment_action(
        request, pk, lambda e, comment: services.enrollment_decline(actor=request.user, enrollment=e, comment=comment),
        _("The enrollment is declined; the money is back on the certificate."),
    )


@login_required
@require_POST
def enrollment_completed(request: AuthedRequest, pk: int) -> HttpResponse:
    return _enrollment_action(
        request,
        pk,
        lambda e, comment: services.enrollment_complete(
            actor=request.user, enrollment=e, completed=True, comment=comment
        ),
        _("Completed: the held money is posted to the provider."),
    )


@login_required
@require_POST
def enrollment_not_completed(request: AuthedRequest, pk: int) -> HttpResponse:
    return _enrollment_action(
        request,
        pk,
        lambda e, comment: services.enrollment_complete(
            actor=request.user, enrollment=e, completed=False, comment=comment
        ),
        _("Not completed: the held money is back on the certificate."),
    )


def _hold_state(obj) -> str:
    if obj.hold is None:
        return ""
    resolution = getattr(obj.hold, "resolution", None)
    return resolution.kind if resolution else "pending"


# ---------------------------------------------------------------- provider


def _provider(request) -> Organization:
    access.require_role(request.user, [Role.PROVIDER])
    organizations = queries.provider_organizations(request.user)
    wanted = request.GET.get("org", "")
    return next((o for o in organizations if str(o.pk) == wanted), organizations[0])


@login_required
def provider(request: AuthedRequest) -> HttpResponse:
    org = _provider(request)
    context = {
        "org": org,
        "requested": list(
            queries.provider_enrollments(request.user, [EnrollmentStatus.REQUESTED]).filter(provider=org)[:200]
        ),
        "accepted": list(
            queries.provider_enrollments(request.user, [EnrollmentStatus.ACCEPTED])
            .filter(provider=org)
            .order_by("cohort__start_date", "cohort_id", "pk")[:500]
        ),
        "months": queries.statement_months(org)[:36],
        "contracts": Contract.objects.filter(provider=org).select_related("region"),
        "today": timezone.localdate(),
    }
    return render(request, "financing/provider.html", context)


@login_required
def cohort_outcomes(request: AuthedRequest, cohort_pk: int) -> HttpResponse:
    """The provider records who completed a started cohort and who did not, in one form."""
    org = _provider(request)
    enrollments = list(
        queries.provider_enrollments(request.user, [EnrollmentStatus.ACCEPTED])
        .filter(provider=org, cohort_id=cohort_pk)
        .order_by("educator__last_name", "pk")
    )
    cohort = enrollments[0].cohort if enrollments else None
    if cohort is None:
        if request.method == "POST":  # nothing left to decide: a refusal, not the redirect of success
            raise Conflict(_("No accepted enrollment of this cohort is waiting for an outcome."), code="no_outcomes")
        messages.info(request, _("No accepted enrollment of this cohort is waiting for an outcome."))
        return redirect("financing:provider")
    form = OutcomesForm(request.POST or None, enrollments=enrollments)
    started = cohort.start_date <= timezone.localdate()
    status = 200
    if request.method == "POST":

        def record(_data):
            counts = services.cohort_outcomes_record(actor=request.user, outcomes=form.outcomes(), comment="")
            messages.success(
                request, _("Outcomes recorded: completed %(completed)s, not completed %(not_completed)s.") % counts
            )

        outcome = submit(request, form, record, quiet=True)
        if outcome:
            return redirect("financing:provider")
        status = outcome.status
    rows = [(e, form[f"outcome_{e.pk}"]) for e in enrollments]
    return render(
        request,
        "financing/cohort_outcomes.html",
        {"org": org, "cohort": cohort, "rows": rows, "form": form, "started": started},
        status=status,
    )


def _statement_parties(request) -> tuple[Organization, Region, dt.date]:
    """Provider staff see their statements; a region's operator sees the statements it owes."""
    try:
        month = dt.date.fromisoformat((request.GET.get("month") or "") + "-01")
        provider_id, region_id = int(request.GET["provider"]), int(request.GET["region"])
    except (KeyError, ValueError):
        raise NotFound(_("Choose a provider, a region and a month.")) from None
    grants = access.grants(request.user)
    allowed = any(
        g.role == Role.PROVIDER and g.organization_id == provider_id for g in grants
    ) or access.may_act_on_region(request.user, region_id, roles=services.FINANCIERS)
    if not allowed:
        access.require_role(request.user, [Role.PROVIDER, *services.FINANCIERS])  # other roles: forbidden
        raise NotFound(_("Not found, or you have no access to it."))
    provider_org = Organization.objects.filter(pk=provider_id).first()
    region = Region.objects.filter(pk=region_id).first()
    if provider_org is None or region is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return provider_org, region, month


@login_required
def statement(request: AuthedRequest) -> HttpResponse:
    provider_org, region, month = _statement_parties(request)
    st = queries.statement(provider_org, region, month)
    fmt = request.GET.get("format", "")
    if st.lines:
        audit_rows(
            actor=request.user,
            action=AuditAction.EXPORT if fmt in ("xlsx", "pdf") else AuditAction.VIEW,
            model=Enrollment,
            region_ids=[region.pk] * len(st.lines),
            description=_("Statement of %(provider)s for %(month)s")
            % {"provider": provider_org.display_name, "month": f"{month:%m.%Y}"},
            ip=client_ip(request),
        )
    name = f"statement-{provider_org.pk}-{region.code}-{month:%Y-%m}"
    if fmt == "xlsx":
        rows = [
            (line.date.strftime("%d.%m.%Y"), line.educator, line.program, line.cohort, line.kind, line.amount / 100)
            for line in st.lines
        ]
        rows += [
            ("", "", "", "", _("Rendered, total"), st.rendered / 100),
            ("", "", "", "", _("Paid"), st.paid / 100),
            ("", "", "", "", _("Owed at the end of the month"), st.closing / 100),
        ]
        header = [_("Date"), _("Educator"), _("Program"), _("Cohort"), _("Operation"), _("Amount, ₽")]
        return xlsx.response(xlsx.table_bytes(_("Statement"), [str(h) for h in header], rows), f"{name}.xlsx")
    if fmt == "pdf":
        return pdf_response(request, "financing/statement_print.html", {"st": st}, f"{name}.pdf")
    return render(request, "financing/statement.html", {"st": st})


# ---------------------------------------------------------------- region


def _year(request) -> int:
    text = request.GET.get("year") or request.POST.get("year") or ""
    return int(text) if text.isdigit() else timezone.localdate().year


def _financier_regions(request):
    access.require_role(request.user, services.FINANCIERS)
    return queries.financier_regions(request.user).order_by("code")


@login_required
def region(request: AuthedRequest) -> HttpResponse:
    regions = _financier_regions(request)
    wanted = request.GET.get("region") or ""
    region_obj = (regions.filter(pk=int(wanted)).first() if wanted.isdigit() else None) or queries.region_with_money(
        regions
    )
    return render(request, "financing/region.html", _region_context(request, regions, region_obj, _year(request)))


def _region_context(request, regions, region_obj, year: int) -> dict:
    """The region's page; every button on it is drawn from efs.financing.access (``fund_actions``,
    ``topup_actions``, ``rule_actions``, ``contract_actions``), the same answer the API gives."""
    user = request.user
    view = queries.overview(region_obj, year)
    today = timezone.localdate()
    payables = queries.payables(region_obj)
    contracts = list(Contract.objects.filter(region=region_obj).select_related("provider")[:100])
    owed = {p.provider.pk: p.owed for p in payables}
    paid = queries.paid_by_contract([c.pk for c in contracts])
    contract_rows = [
        (c, contract_actions(user, c, owed=owed.get(c.provider_id, 0), paid=paid.get(c.pk, 0), today=today))
        for c in contracts
    ]
    rules = list(services.CertificateRule.objects.filter(region=region_obj, year=year))
    return {
        "regions": regions if regions.count() > 1 else [],
        "region": region_obj,
        "year": year,
        "years": [year - 1, year, year + 1],
        "o": view,
        "chart_max": max([1] + [max(m["fund"], m["certificates"], m["spent"]) for m in view.months]),
        "actions": fund_actions(user, region_obj, year, today=today),
        "rules": [(r, rule_actions(user, r, today=today)) for r in rules],
        "categories": EducatorCategory.choices,
        "ledgers": Ledger.choices,
        "payables": payables,
        "contracts": contract_rows,
        "payable_contracts": [c for c, actions in contract_rows if actions["can_pay"]],
        "providers": Organization.objects.filter(licensed_for_dpo=True).order_by("name")[:500],
        "top_ups": [
            (row, topup_actions(user, row, region=region_obj, fund_available=view.fund_available))
            for row in queries.top_ups(region_obj, year)
        ],
        "top_up_id": f"web-{uuid.uuid4().hex}",
        "today": today,
    }


def _region_form(request, form_class, **kwargs):
    """The region a fund action names, checked against the operator's regions; the bound form."""
    regions = _financier_regions(request)
    form = form_class(request.POST, **kwargs)
    region_id = request.POST.get("region", "")
    region_obj = regions.filter(pk=int(region_id)).first() if region_id.isdigit() else None
    if region_obj is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return regions, region_obj, form


def _back(region_obj, form) -> HttpResponse:
    year = form.cleaned_data.get("year") if form.is_bound and hasattr(form, "cleaned_data") else None
    return redirect(f"{reverse('financing:region')}?region={region_obj.pk}&year={year or timezone.localdate().year}")


def _fund_answer(request: HttpRequest, regions, region_obj, form, outcome: Outcome) -> HttpResponse:
    """Back to the region's page after success; after a refusal the page again with its status."""

    def again(status: int) -> HttpResponse:
        year = form.cleaned_data.get("year") if hasattr(form, "cleaned_data") else None
        context = _region_context(request, regions, region_obj, year or _year(request))
        return render(request, "financing/region.html", context, status=status)

    return answer(outcome, then=lambda: _back(region_obj, form), again=again)


def _fund_action(request: HttpRequest, form_class, call) -> HttpResponse:
    """One fund action: a form read, one service call that returns the success message."""
    regions, region_obj, form = _region_form(request, form_class)
    outcome = submit(request, form, lambda data: messages.success(request, call(region_obj, data)))
    return _fund_answer(request, regions, region_obj, form, outcome)


@login_required
@require_POST
def fund_top_up(request: AuthedRequest) -> HttpResponse:
    """A top-up is confirmed before it is made: the first POST shows the amount in words and the
    document, the second (with `confirmed`) moves the money."""
    regions, region_obj, form = _region_form(request, TopUpForm)
    if form.is_valid() and not form.cleaned_data["confirmed"]:
        data = form.cleaned_data
        return render(
            request,
            "financing/top_up_confirm.html",
            {"form": form, "region": region_obj, "data": data, "amount": format_money(data["amount"])},
        )
    outcome = submit(
        request,
        form,
        lambda data: services.fund_top_up(
            actor=request.user,
            region=region_obj,
            year=data["year"],
            amount=data["amount"],
            tid=data["tid"],
            document=data["document_number"],
            document_date=data["document_date"],
        ),
    )
    if outcome:
        amount = form.cleaned_data["amount"]
        messages.success(request, _("The fund is topped up by %(amount)s.") % {"amount": format_money(amount)})
    return _fund_answer(request, regions, region_obj, form, outcome)


@login_required
@require_POST
def fund_top_up_reverse(request: AuthedRequest, pk: int) -> HttpResponse:
    def act(region_obj, data):
        top_up = next(
            (
                row.transfer
                for row in queries.top_ups(region_obj, data["year"])
                if row.transfer.pk == pk and not row.is_reversal
            ),
            None,
        )
        if top_up is None:
            raise NotFound(_("Not found, or you have no access to it."))
        services.fund_top_up_reverse(actor=request.user, top_up=top_up, reason=data["reason"])
        return _("The top-up of %(amount)s is reversed by a correcting transfer.") % {
            "amount": format_money(top_up.amount)
        }

    return _fund_action(request, TopUpReverseForm, act)


@login_required
@require_POST
def rule_save(request: AuthedRequest) -> HttpResponse:
    def act(region_obj, data):
        services.rule_set(
            actor=request.user,
            region=region_obj,
            year=data["year"],
            category=data["category"],
            nominal=data["nominal"],
            ledger_=data["ledger"],
            every_years=data["every_years"],
            prorate=data["prorate"],
            carry_over=data["carry_over"],
        )
        return _("The rule is saved.")

    return _fund_action(request, RuleForm, act)


@login_required
@require_POST
def certificates_issue(request: AuthedRequest) -> HttpResponse:
    def act(region_obj, data):
        result = services.certificates_issue(
            actor=request.user, region=region_obj, year=data["year"], category=data["category"]
        )
        return _("Certificates issued: %(n)s; already had one: %(already)s; not yet due: %(due)s.") % {
            "n": result.issued,
            "already": result.already,
            "due": result.not_yet_due,
        }

    return _fund_action(request, IssueForm, act)


@login_required
@require_POST
def contract_register(request: AuthedRequest) -> HttpResponse:
    def act(region_obj, data):
        provider_org = Organization.objects.filter(pk=data["provider"], licensed_for_dpo=True).first()
        if provider_org is None:
            raise NotFound(_("Choose a licensed provider."))
        services.contract_create(
            actor=request.user,
            region=region_obj,
            provider=provider_org,
            number=data["number"],
            signed_on=data["signed_on"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            ceiling=data["ceiling"],
            advances=data["advances"],
        )
        return _("The contract is registered.")

    return _fund_action(request, ContractForm, act)


@login_required
@require_POST
def payment_register(request: AuthedRequest) -> HttpResponse:
    def act(region_obj, data):
        contract = Contract.objects.filter(pk=data["contract"], region=region_obj).first()
        if contract is None:
            raise NotFound(_("Choose a contract of the region."))
        services.payment_register(
            actor=request.user,
            contract=contract,
            amount=data["amount"],
            tid=data["tid"],
            document=data["document"],
            paid_on=data["paid_on"],
            advance=data["advance"],
        )
        return _("The payment is registered.")

    return _fund_action(request, PaymentForm, act)


@login_required
@require_POST
def year_close(request: AuthedRequest) -> HttpResponse:
    def act(region_obj, data):
        result = services.year_close(actor=request.user, region=region_obj, year=data["year"])
        return _("The year is closed: returned to the fund %(swept)s, carried over %(carried)s.") % {
            k: format_money(v) for k, v in result.items()
        }

    return _fund_action(request, RegionYearForm, act)


@login_required
def federal(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.FEDERAL_OPERATOR])
    year = _year(request)
    rows = queries.federal_summary(year)
    totals = {
        k: sum(getattr(r, k) for r in rows) for k in ("topped_up", "issued", "held", "rendered", "paid", "certificates")
    }
    return render(
        request,
        "financing/federal.html",
        {"rows": rows, "year": year, "years": [year - 1, year, year + 1], "totals": totals},
    )

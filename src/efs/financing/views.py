"""Pages of personalised financing: the educator's certificate, enrollment with payment,
the provider's enrollments and statements, the region's fund, the federal summary."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from efs import xlsx
from efs.catalog.models import Cohort
from efs.errors import DomainError, NotFound
from efs.http import post_int
from efs.money import format_money
from efs.people import access
from efs.people.models import EducatorCategory, Organization, Region, Role

from . import queries, services
from .models import OPEN_ENROLLMENT, Contract, CopayPayer, EnrollmentStatus, Ledger


def _me(request):
    me = access.own_educator(request.user)
    if me is None:
        raise NotFound(_("Your login is not linked to an educator record."))
    return me


def _kopecks(text: str) -> int:
    """«12 500,50» roubles -> 1250050 kopecks; ValueError on anything else."""
    cleaned = (text or "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        raise ValueError("empty")
    value = round(float(cleaned) * 100)
    if value <= 0:
        raise ValueError("not positive")
    return value


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
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
def enroll(request: HttpRequest, cohort_pk: int) -> HttpResponse:
    """The price, what the certificate covers and who pays the rest; then the request."""
    me = _me(request)
    cohort = Cohort.objects.select_related("program__provider", "municipality").filter(pk=cohort_pk).first()
    if cohort is None:
        raise NotFound(_("Not found, or you have no access to it."))
    if request.method == "POST":
        try:
            enrollment = services.enrollment_request(
                actor=request.user, educator=me, cohort=cohort, request_id=request.POST.get("request_id", ""), copay_payer=request.POST.get("copay_payer", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The request is sent to the provider; the money is held on your certificate until the course is completed."))
            return redirect("financing:enrollment", pk=enrollment.pk)
    offer = services.quote(me, cohort)
    context = {"cohort": cohort, "offer": offer, "free_seats": cohort.seats - cohort.seats_taken, "request_id": f"web-{uuid.uuid4().hex}", "payers": [c for c in CopayPayer.choices if c[0]], "route_item": request.GET.get("item", "")}
    return render(request, "financing/enroll.html", context)


@login_required
def enrollment(request: HttpRequest, pk: int) -> HttpResponse:
    obj = queries.enrollment(request.user, pk)
    is_self = obj.educator.user_id == request.user.pk
    is_provider = any(g.role == Role.PROVIDER and g.organization_id == obj.provider_id for g in access.grants(request.user))
    if request.method == "POST":
        action, comment = request.POST.get("action", ""), request.POST.get("comment", "")
        try:
            if action == "cancel" and is_self:
                services.enrollment_cancel(actor=request.user, enrollment=obj, comment=comment)
                messages.info(request, _("The enrollment is cancelled; the money is back on the certificate."))
            elif action == "accept":
                services.enrollment_accept(actor=request.user, enrollment=obj)
            elif action == "decline":
                services.enrollment_decline(actor=request.user, enrollment=obj, comment=comment)
            elif action in ("completed", "not_completed"):
                services.enrollment_complete(actor=request.user, enrollment=obj, completed=action == "completed", comment=comment)
            else:
                messages.error(request, _("This action is not available."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("financing:enrollment", pk=obj.pk)
    context = {"e": obj, "is_self": is_self, "is_provider": is_provider, "is_open": obj.status in OPEN_ENROLLMENT, "hold_state": _hold_state(obj), "today": timezone.localdate()}
    return render(request, "financing/enrollment.html", context)


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
def provider(request: HttpRequest) -> HttpResponse:
    org = _provider(request)
    context = {
        "org": org,
        "requested": list(queries.provider_enrollments(request.user, [EnrollmentStatus.REQUESTED]).filter(provider=org)[:200]),
        "accepted": list(queries.provider_enrollments(request.user, [EnrollmentStatus.ACCEPTED]).filter(provider=org)[:500]),
        "months": queries.statement_months(org)[:36],
        "contracts": Contract.objects.filter(provider=org).select_related("region"),
        "today": timezone.localdate(),
    }
    return render(request, "financing/provider.html", context)


def _statement_parties(request) -> tuple[Organization, object, dt.date]:
    """Provider staff see their statements; a region's operator sees the statements it owes."""
    try:
        month = dt.date.fromisoformat((request.GET.get("month") or "") + "-01")
        provider_id, region_id = int(request.GET["provider"]), int(request.GET["region"])
    except (KeyError, ValueError):
        raise NotFound(_("Choose a provider, a region and a month.")) from None
    grants = access.grants(request.user)
    allowed = any(g.role == Role.PROVIDER and g.organization_id == provider_id for g in grants) or access.may_act_on_region(
        request.user, region_id, roles=services.FINANCIERS
    )
    if not allowed:
        access.require_role(request.user, [Role.PROVIDER, *services.FINANCIERS])  # other roles: forbidden
        raise NotFound(_("Not found, or you have no access to it."))
    provider_org = Organization.objects.filter(pk=provider_id).first()
    region = Region.objects.filter(pk=region_id).first()
    if provider_org is None or region is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return provider_org, region, month


@login_required
def statement(request: HttpRequest) -> HttpResponse:
    provider_org, region, month = _statement_parties(request)
    st = queries.statement(provider_org, region, month)
    fmt = request.GET.get("format", "")
    name = f"statement-{provider_org.pk}-{region.code}-{month:%Y-%m}"
    if fmt == "xlsx":
        rows = [(line.date.strftime("%d.%m.%Y"), line.educator, line.program, line.cohort, line.kind, line.amount / 100) for line in st.lines]
        rows += [("", "", "", "", _("Rendered, total"), st.rendered / 100), ("", "", "", "", _("Paid"), st.paid / 100), ("", "", "", "", _("Owed at the end of the month"), st.closing / 100)]
        header = [_("Date"), _("Educator"), _("Program"), _("Cohort"), _("Operation"), _("Amount, ₽")]
        return xlsx.response(xlsx.table_bytes(_("Statement"), [str(h) for h in header], rows), f"{name}.xlsx")
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_to_string("financing/statement_print.html", {"st": st}, request=request)
        response = HttpResponse(HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    return render(request, "financing/statement.html", {"st": st})


# ---------------------------------------------------------------- region


def _year(request) -> int:
    text = request.GET.get("year") or request.POST.get("year") or ""
    return int(text) if text.isdigit() else timezone.localdate().year


@login_required
def region(request: HttpRequest) -> HttpResponse:
    access.require_role(request.user, services.FINANCIERS)
    regions = queries.financier_regions(request.user).order_by("code")
    wanted = request.GET.get("region") or request.POST.get("region") or ""
    region_obj = (regions.filter(pk=int(wanted)).first() if wanted.isdigit() else None) or queries.region_with_money(regions)
    year = _year(request)
    if request.method == "POST":
        _region_action(request, region_obj, year)
        return redirect(f"{request.path}?region={region_obj.pk}&year={year}")
    view = queries.overview(region_obj, year)
    context = {
        "regions": regions if regions.count() > 1 else [],
        "region": region_obj,
        "year": year,
        "years": [year - 1, year, year + 1],
        "o": view,
        "chart_max": max([1] + [max(m["fund"], m["certificates"], m["spent"]) for m in view.months]),
        "rules": list(services.CertificateRule.objects.filter(region=region_obj, year=year)),
        "categories": EducatorCategory.choices,
        "ledgers": Ledger.choices,
        "payables": queries.payables(region_obj),
        "contracts": Contract.objects.filter(region=region_obj).select_related("provider")[:100],
        "providers": Organization.objects.filter(licensed_for_dpo=True).order_by("name")[:500],
        "top_up_id": f"web-{uuid.uuid4().hex}",
        "today": timezone.localdate(),
    }
    return render(request, "financing/region.html", context)


def _region_action(request, region_obj, year: int) -> None:
    action = request.POST.get("action", "")
    post = request.POST
    try:
        if action == "top_up":
            services.fund_top_up(actor=request.user, region=region_obj, year=year, amount=_kopecks(post.get("amount", "")), tid=post.get("tid", ""))
            messages.success(request, _("The fund is topped up."))
        elif action == "rule":
            services.rule_set(
                actor=request.user, region=region_obj, year=year, category=post.get("category", ""), nominal=_kopecks(post.get("nominal", "")),
                ledger_=post.get("ledger", Ledger.RUB), every_years=post_int(request, "every_years") or 1, prorate=post.get("prorate") == "1",
                carry_over=post.get("carry_over") == "1",
            )
            messages.success(request, _("The rule is saved."))
        elif action == "issue":
            result = services.certificates_issue(actor=request.user, region=region_obj, year=year, category=post.get("category", ""))
            messages.success(request, _("Certificates issued: %(n)s; already had one: %(already)s; not yet due: %(due)s.") % {"n": result.issued, "already": result.already, "due": result.not_yet_due})
        elif action == "contract":
            provider_org = Organization.objects.filter(pk=post_int(request, "provider"), licensed_for_dpo=True).first()
            if provider_org is None:
                raise NotFound(_("Choose a licensed provider."))
            ceiling = post.get("ceiling", "").strip()
            services.contract_create(
                actor=request.user, region=region_obj, provider=provider_org, number=post.get("number", ""), signed_on=_date(post.get("signed_on", "")),
                valid_from=_date(post.get("valid_from", "")), valid_to=_date(post.get("valid_to", "")), ceiling=_kopecks(ceiling) if ceiling else None,
                advances=post.get("advances") == "1",
            )
            messages.success(request, _("The contract is registered."))
        elif action == "payment":
            contract = Contract.objects.filter(pk=post_int(request, "contract"), region=region_obj).first()
            if contract is None:
                raise NotFound(_("Choose a contract of the region."))
            services.payment_register(
                actor=request.user, contract=contract, amount=_kopecks(post.get("amount", "")), tid=post.get("tid", ""), document=post.get("document", ""),
                paid_on=_date(post.get("paid_on", "")), advance=post.get("advance") == "1",
            )
            messages.success(request, _("The payment is registered."))
        elif action == "close":
            result = services.year_close(actor=request.user, region=region_obj, year=year)
            messages.success(request, _("The year is closed: returned to the fund %(swept)s, carried over %(carried)s.") % {k: format_money(v) for k, v in result.items()})
        else:
            messages.error(request, _("This action is not available."))
    except ValueError:
        messages.error(request, _("Check the amounts and dates: amounts in roubles greater than zero, dates as day.month.year."))
    except DomainError as exc:
        messages.error(request, exc.message)


@login_required
def federal(request: HttpRequest) -> HttpResponse:
    access.require_role(request.user, [Role.FEDERAL_OPERATOR])
    year = _year(request)
    rows = queries.federal_summary(year)
    totals = {k: sum(getattr(r, k) for r in rows) for k in ("topped_up", "issued", "held", "rendered", "paid", "certificates")}
    return render(request, "financing/federal.html", {"rows": rows, "year": year, "years": [year - 1, year, year + 1], "totals": totals})


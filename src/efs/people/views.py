"""HTML pages of the people app. Thin: they validate input and call queries/services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from efs import xlsx
from efs.errors import DomainError, NotFound, ValidationFailed
from efs.http import AuthedRequest, CachedCountPaginator, client_ip, int_param, post_int, upload_name
from efs.web.actions import after, submit

from . import access, imports, queries, services
from .audit import audit_rows, audit_view
from .forms import ConfirmForm, ConsentForm, EmailSettingsForm, ImportCommitForm, TokenRevokeForm
from .models import (
    AuditAction,
    ConsentKind,
    Educator,
    EducatorCategory,
    ImportBatch,
    ImportKind,
    Macroregion,
    MailKind,
    OrganizationKind,
    Region,
    Role,
)

PAGE_SIZE = 50
LIST_COLUMNS = (
    "region_id",
    "last_name",
    "first_name",
    "middle_name",
    "position",
    "category",
    "experience_years",
    "organization__name",
    "organization__short_name",
)


def _filtered_educators(request: HttpRequest):
    """The educators the user sees, filtered as the list page's form asks (the page and its export)."""
    return queries.educators_visible(
        request.user,
        search=request.GET.get("q", "").strip(),
        region_id=int_param(request, "region"),
        municipality_id=int_param(request, "municipality"),
        organization_id=int_param(request, "organization"),
        category=request.GET.get("category", "") if request.GET.get("category") in EducatorCategory.values else "",
    )


def _options(rows, selected: str | None) -> str:
    """``<option>`` elements of (pk, name) rows, the one named by the query string selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((row.pk, mark_safe(" selected") if str(row.pk) == selected else "", row.name) for row in rows),
    )


@login_required
def educators(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, access.EDUCATOR_READERS - {Role.TEACHER})
    # Only the columns the rows show (the country's list is the operators' busiest page).
    qs = _filtered_educators(request).select_related(None).select_related("organization").only(*LIST_COLUMNS)
    page = CachedCountPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    labels, link = dict(EducatorCategory.choices), reverse("people:educator", args=[0])[:-2]
    # The rows are the page's bulk: built here in one pass (a template loop over 50 rows with
    # five cells each cost a third of the page's Python time on the country's list).
    rows = format_html_join(
        "",
        '<tr><td><a href="{}{}/">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class="text-end">{}</td></tr>',
        (
            (
                link,
                e.pk,
                e.full_name,
                e.position,
                e.organization.display_name if e.organization else "—",
                labels.get(e.category, ""),
                e.experience_years,
            )
            for e in page.object_list
        ),
    )
    audit_rows(
        actor=request.user,
        action=AuditAction.VIEW,
        model=Educator,
        region_ids=[e.region_id for e in page.object_list],
        description=_("List of educators, page %(n)s") % {"n": page.number},
        ip=client_ip(request),
    )
    choices = queries.filter_choices(request.user)
    regions, municipalities = list(choices["regions"]), list(choices["municipalities"])
    context = {
        "page": page,
        "rows": rows,
        "categories": EducatorCategory.choices,
        "regions": regions,
        "municipalities": municipalities,
        # Built once here: a template loop with a filter per option cost more than the page's rows.
        "region_options": _options(regions, request.GET.get("region")),
        "municipality_options": _options(municipalities, request.GET.get("municipality")),
    }
    template = "people/educators.html#results" if request.htmx else "people/educators.html"
    return render(request, template, context)


@login_required
def educators_export(request: AuthedRequest) -> HttpResponse:
    """The filtered list as XLSX — scoped and recorded in the audit log."""
    access.require_role(request.user, access.EDUCATOR_READERS - {Role.TEACHER})
    qs = _filtered_educators(request).prefetch_related("subjects")
    regions: list[int] = []

    def rows():
        for e in qs.iterator(chunk_size=2000):
            regions.append(e.region_id)
            yield [
                e.last_name,
                e.first_name,
                e.middle_name,
                e.birth_date.strftime("%d.%m.%Y") if e.birth_date else "",
                e.snils,
                e.email,
                e.get_category_display(),
                e.position,
                "; ".join(s.name for s in e.subjects.all()),
                e.experience_years,
                e.get_qualification_category_display(),
                (e.organization.inn or e.organization.name) if e.organization else "",
            ]

    content = xlsx.table_bytes("Педагоги", [h.header for h in imports.EDUCATOR_COLUMNS], rows())
    audit_rows(
        actor=request.user,
        action=AuditAction.EXPORT,
        model=Educator,
        region_ids=regions,
        description=_("Export of educators to Excel (with СНИЛС)"),
        ip=client_ip(request),
    )
    response = xlsx.response(content, f"educators-{timezone.localdate():%Y-%m-%d}.xlsx")
    return response


@login_required
def educator(request: AuthedRequest, pk: int) -> HttpResponse:
    person = queries.educator_visible(request.user, pk)
    audit_view(actor=request.user, obj=person, ip=client_ip(request))
    consents = person.consents.select_related("document").order_by("-given_at")[:20]
    is_self = person.user_id == request.user.pk
    if request.method == "POST":  # a refusal is its own status and Russian page (DomainErrorMiddleware)
        services.educator_update(
            actor=request.user,
            educator=person,
            changes={"email": request.POST.get("email", "").strip()[:254]},
            ip=client_ip(request),
        )
        messages.success(request, _("Saved."))
        return redirect("people:educator", pk=person.pk)
    return render(request, "people/educator.html", {"person": person, "consents": consents, "is_self": is_self})


@login_required
def organizations(request: AuthedRequest) -> HttpResponse:
    region_id = int_param(request, "region")
    if region_id is None:
        home = queries.home_region(request.user)
        region_id = home.pk if home else None
    kind = request.GET.get("kind", "")
    qs = queries.organizations_directory(
        region_id=region_id,
        municipality_id=int_param(request, "municipality"),
        kind=kind if kind in OrganizationKind.values else "",
        search=request.GET.get("q", "").strip(),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    context = {
        "page": page,
        "region": region,
        "regions": Region.objects.all(),
        "municipalities": region.municipalities.all() if region else [],
        "kinds": OrganizationKind.choices,
    }
    template = "people/organizations.html#results" if request.htmx else "people/organizations.html"
    return render(request, template, context)


def _own_record(request: AuthedRequest):
    return access.require_own_educator(request.user)


@login_required
@require_safe
def consents(request: AuthedRequest) -> HttpResponse:
    me = _own_record(request)
    documents = []
    for kind, label in ConsentKind.choices:
        try:
            document = services.consent_current_document(kind)
        except NotFound:
            continue
        documents.append(
            {"kind": kind, "label": label, "document": document, "active": services.consent_active(me, kind)}
        )
    history = me.consents.select_related("document").order_by("-given_at")
    context = {
        "documents": documents,
        "history": history,
        "consent_needed": services.consent_needed(me),
        "region": me.region,
    }
    return render(request, "people/consents.html", context)


# ---------------------------------------------------------------- import


@login_required
def import_list(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, imports.IMPORT_ROLES)
    regions = access.region_reach(request.user, roles=imports.IMPORT_ROLES).regions()
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        region = regions.filter(
            pk=int(request.POST["region"]) if request.POST.get("region", "").isdigit() else 0
        ).first()
        if upload is None:
            raise ValidationFailed(_("Choose a file to upload."), code="file_missing")
        if region is None:
            raise ValidationFailed(_("Choose the region to import into."), code="region_missing")
        batch = imports.import_preview(
            actor=request.user, region=region, kind=kind, file_name=upload_name(upload), content=upload.read()
        )
        return redirect("people:import", pk=batch.pk)
    batches = queries.import_batches(request.user)[:30]
    return render(request, "people/imports.html", {"regions": regions, "batches": batches, "kinds": ImportKind.choices})


def _consent_action(request: AuthedRequest, call, success: str) -> HttpResponse:
    me = _own_record(request)
    outcome = submit(
        request,
        ConsentForm(request.POST),
        lambda data: call(actor=request.user, educator=me, kind=data["kind"], ip=client_ip(request)),
        success,
    )
    return after(request, outcome, redirect("people:consents"))


@login_required
@require_POST
def consent_give(request: AuthedRequest) -> HttpResponse:
    return _consent_action(
        request, services.consent_give, _("Consent given. You can withdraw it at any time on this page.")
    )


@login_required
@require_POST
def consent_withdraw(request: AuthedRequest) -> HttpResponse:
    return _consent_action(request, services.consent_withdraw, _("Consent withdrawn."))


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    access.require_role(request.user, imports.IMPORT_ROLES)
    return queries.import_batch(request.user, pk)


@login_required
@require_safe
def import_batch(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(request, "people/import_batch.html", {"batch": batch, "errors": batch.errors[:500]})


@login_required
@require_POST
def import_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)

    def commit(data):
        done = imports.import_commit(
            actor=request.user, batch=batch, only_valid=data["only_valid"], ip=client_ip(request)
        )
        messages.success(request, _("Imported rows: %(n)s.") % {"n": done.imported_rows})

    outcome = submit(request, ImportCommitForm(request.POST), commit)
    return after(request, outcome, redirect("people:import", pk=batch.pk))


@login_required
@require_POST
def import_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    outcome = submit(
        request,
        ConfirmForm(request.POST),
        lambda _data: imports.import_discard(actor=request.user, batch=batch),
        _("The file was discarded; nothing was imported."),
    )
    return after(request, outcome, redirect("people:imports"))


@login_required
def import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    response = xlsx.response(imports.import_errors_xlsx(batch), f"import-{batch.pk}-errors.xlsx")
    return response


@login_required
def import_template(request: AuthedRequest, kind: str) -> HttpResponse:
    if kind not in ImportKind.values:
        raise NotFound(_("Unknown kind of import."))
    response = xlsx.response(imports.import_template(kind), f"template-{kind}.xlsx")
    return response


# ---------------------------------------------------------------- audit, macroregions, tokens


@login_required
def audit(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR])
    qs = queries.audit_events(request.user)
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        qs = qs.filter(action=action)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/audit.html", {"page": page, "actions": AuditAction.choices})


@login_required
def macroregions(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.FEDERAL_OPERATOR])
    edit = Macroregion.objects.filter(pk=int_param(request, "edit") or 0).first()
    if request.method == "POST":
        edit = Macroregion.objects.filter(pk=post_int(request, "id")).first()
        region_ids = [int(x) for x in request.POST.getlist("regions") if x.isdigit()]
        try:
            services.macroregion_save(
                actor=request.user,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
                regions=list(Region.objects.filter(pk__in=region_ids)),
                macroregion=edit,
            )
        except DomainError as exc:  # the form again, with the refusal's status and message
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Saved."))
            return redirect("people:macroregions")
    else:
        status = 200
    items = Macroregion.objects.prefetch_related("regions")
    return render(
        request,
        "people/macroregions.html",
        {"items": items, "regions": Region.objects.all(), "edit": edit},
        status=status,
    )


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    """The user's inbox; opening it marks everything as read (what was new stays highlighted once).

    The same page keeps the choice of which notifications also come by e-mail (``email_settings``)."""
    from . import mail

    user = request.user  # login_required
    if request.method == "POST":  # «mark all as read»; the e-mail settings post to email_settings
        services.notifications_read(user=request.user)
        return redirect("people:notifications")
    items = list(request.user.notifications.all()[:100])
    services.notifications_read(user=request.user)
    preference = mail.preference_of(user)
    kinds = [(value, label, value not in (preference.muted or [])) for value, label in MailKind.choices]
    return render(
        request,
        "people/notifications.html",
        {"items": items, "preference": preference, "kinds": kinds, "address": mail.address_of(user)},
    )


@login_required
@require_POST
def email_settings(request: AuthedRequest) -> HttpResponse:
    """Which notifications also come by e-mail (the form on the notifications page)."""
    form = EmailSettingsForm(request.POST)

    def save(data):
        muted = [kind for kind in MailKind.values if not data[f"kind_{kind}"]]
        services.email_preference_set(user=request.user, enabled=data["enabled"], muted=muted)

    outcome = submit(request, form, save, _("E-mail settings saved."))
    return after(request, outcome, redirect("people:notifications"))


@login_required
@require_POST
def token_revoke(request: AuthedRequest) -> HttpResponse:
    outcome = submit(
        request,
        TokenRevokeForm(request.POST),
        lambda data: services.api_token_revoke(user=request.user, token_id=data["id"]),
        _("Token revoked."),
    )
    return after(request, outcome, redirect("people:tokens"))


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    issued, status = None, 200
    if request.method == "POST":
        try:
            issued = services.api_token_create(user=request.user, name=request.POST.get("name", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
    items = request.user.api_tokens.all()
    return render(request, "people/tokens.html", {"items": items, "issued": issued}, status=status)

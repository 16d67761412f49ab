"""Pages of the bank of practices: search, the card, submission and editing, the expert
review, moderation and decisions, contests, «Мы внедрили» reports, the regional ranking and
the experts' leniency. Thin: forms validate, services decide."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efs.errors import NotFound, PermissionDenied
from efs.http import AuthedRequest, int_param
from efs.people import access as people_access
from efs.people.public import Organization, Region, Role, Subject, User
from efs.routes.public import routes_open_to_add
from efs.web.actions import after, back_to, form_page, on_object, submit

from . import queries, services
from .access import (
    MODERATORS,
    affiliations,
    is_author,
    may_moderate,
    practice_visible,
    require_author,
    require_contest_organizer,
    require_moderator,
)
from .forms import (
    AssignForm,
    ConfirmForm,
    ContestForm,
    DecideForm,
    EvidenceForm,
    PracticeForm,
    ReplicationForm,
    ReviewForm,
    RouteForm,
)
from .models import (
    PUBLIC_STATUSES,
    Competency,
    Contest,
    Practice,
    PracticeEvidence,
    PracticeLevel,
    PracticeReview,
    PracticeReviewStatus,
    PracticeStatus,
)
from .network import queries as network_queries


def _competencies():
    return (
        Competency.objects.filter(is_leaf=True, framework__status="published")
        .select_related("framework")
        .order_by("code")
    )


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    filters = queries.Filters(
        q=request.GET.get("q", "")[:200],
        competency=request.GET.get("competency", "")[:40],
        level=level if level in PracticeLevel.values else "",
        region_id=int_param(request, "region"),
        subject=request.GET.get("subject", "")[:40],
        status=PracticeStatus.RECOMMENDED if request.GET.get("recommended") else "",
    )
    page_number = int_param(request, "page") or 1
    practices, total = queries.practices_search(filters, limit=queries.PAGE, offset=(page_number - 1) * queries.PAGE)
    context = {
        "practices": practices,
        "total": total,
        "filters": filters,
        "page": page_number,
        "has_next": page_number * queries.PAGE < total,
        "competencies": _competencies(),
        "levels": PracticeLevel.choices,
        "regions": Region.objects.order_by("name"),
        "subjects": Subject.objects.order_by("name"),
        "is_moderator": bool(people_access.region_reach(request.user, roles=MODERATORS)),
        "is_expert": people_access.has_role(request.user, Role.EXPERT),
        "may_submit": bool(affiliations(request.user)),
    }
    return render(request, "practices/index.html", context)


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """«Практики, закрывающие мои дефициты»."""
    me = people_access.require_own_educator(request.user)
    deficits, matches = queries.practices_for_deficits(
        educator_id=me.pk, region_id=me.region_id, subject_codes=set(me.subjects.values_list("code", flat=True))
    )
    return render(request, "practices/mine.html", {"deficits": deficits, "matches": matches})


@login_required
def practice(request: AuthedRequest, pk: int) -> HttpResponse:
    item = practice_visible(request.user, pk)
    author = is_author(request.user, item)
    moderator = may_moderate(request.user, item)
    context = {
        "p": item,
        "is_author": author,
        "is_moderator": moderator,
        "editable": author and item.status in services.EDITABLE,
        "evidence": list(item.evidence.all()),
        "authors": list(item.authors.all()),
        "competencies": list(item.competencies.all()),
        "subjects": list(item.subjects.all()),
        "replications": list(queries.replications_of(item)[:100]),
        "map": queries.replication_map(item),
        "reviews": queries.reviews_for_authors(item) if author or moderator else [],
        "criteria": services.criteria_of(item),
        "transitions": list(item.transitions.select_related("by")) if author or moderator else [],
        "may_replicate": item.status in PUBLIC_STATUSES and bool(affiliations(request.user) - {item.organization_id}),
        "evidence_form": EvidenceForm(),
        "effect": queries.mean_effect(item),
        "project": _project_shown(request.user, item),
        "route_form": _route_form(request.user) if item.status in PUBLIC_STATUSES else None,
    }
    if moderator:
        context["assign_form"] = AssignForm(experts=services.experts_available(item))
        context["decide_form"] = DecideForm()
        context["assigned"] = list(item.reviews.filter(practice_version=item.version).select_related("expert"))
    return render(request, "practices/practice.html", context)


def _user(request: HttpRequest) -> User:
    """The logged-in user (the views are behind login_required)."""
    return cast(User, request.user)


def _project_shown(user, item):
    """The joint project the card is an output of, when the reader may see the project."""
    if item.project_id and network_queries.project_readable(user, item.project_id):
        return item.project
    return None


def _route_form(user, data=None) -> RouteForm | None:
    routes = routes_open_to_add(user)
    return RouteForm(data, routes=routes, user=user) if routes else None


@login_required
@require_POST
def practice_to_route(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add the practice to a route by hand: the educator's own draft, or a route of an
    educator the tutor supports."""
    item = practice_visible(request.user, pk)
    form = _route_form(request.user, request.POST)
    if form is None:
        raise NotFound(_("You have no route open to new activities."), code="route_none_open")
    outcome = submit(
        request,
        form,
        lambda data: services.practice_to_route(actor=_user(request), practice=item, route_id=data["route"]),
        _("The practice is added to the route."),
    )
    return after(request, outcome, redirect("practices:practice", pk=item.pk))


def _form_for(request, data, *, initial=None):
    organizations = Organization.objects.filter(pk__in=affiliations(request.user)).order_by("name")
    today = timezone.localdate()
    contests = Contest.objects.filter(region_id__in={o.region_id for o in organizations}, deadline__gte=today).order_by(
        "deadline"
    )
    projects = network_queries.projects_of_organizations(request.user, organizations)
    return PracticeForm(
        data,
        initial=initial,
        competencies=_competencies(),
        subjects=Subject.objects.order_by("name"),
        organizations=organizations,
        contests=contests,
        projects=projects,
    )


@login_required
def practice_new(request: AuthedRequest) -> HttpResponse:
    if not affiliations(request.user):
        raise PermissionDenied(_("Practices are submitted by educators and organizations."))
    initial = {"contest": int_param(request, "contest"), "project": int_param(request, "project")}
    form = _form_for(request, request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda data: services.practice_create(
            actor=request.user,
            organization=Organization.objects.get(pk=data["organization"]),
            data=form.data_object(),
        ),
        _("The draft is saved. Add files with the results and submit it for review."),
        then=lambda practice: redirect("practices:practice", pk=practice.pk),
        page=lambda status: render(request, "practices/practice_form.html", {"form": form, "new": True}, status=status),
        quiet=False,
    )


@login_required
def practice_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = practice_visible(request.user, pk)
    require_author(request.user, item)
    initial = {
        "title": item.title,
        "problem": item.problem,
        "target_group": item.target_group,
        "steps": "\n".join(item.steps),
        "resources": item.resources,
        "results": item.results,
        "conditions": item.conditions,
        "level": item.level,
        "hours": item.hours,
        "competencies": [c.code for c in item.competencies.all()],
        "subjects": [s.code for s in item.subjects.all()],
        "authors": "\n".join(a.name for a in item.authors.all()[1:]),
        "organization": item.organization_id,
        "contest": item.contest_id,
        "project": item.project_id,
    }
    form = _form_for(request, request.POST or None, initial=initial)
    form.fields["organization"].choices = [(item.organization_id, item.organization.display_name)]
    form.fields["contest"].choices = [("", "—")] + ([(item.contest_id, item.contest.title)] if item.contest else [])
    project = item.project
    form.fields["project"].choices = [("", "—")] + ([(str(project.pk), project.title)] if project else [])

    def update(_data):
        data = form.data_object()
        data.contest_id = item.contest_id
        data.project_id = item.project_id
        return services.practice_update(actor=request.user, practice=item, data=data)

    return form_page(
        request,
        form,
        update,
        _("The card is saved."),
        then=lambda _practice: redirect("practices:practice", pk=item.pk),
        page=lambda status: render(
            request, "practices/practice_form.html", {"form": form, "new": False, "p": item}, status=status
        ),
        quiet=False,
    )


@login_required
@require_POST
@on_object(
    practice_visible,
    ConfirmForm,
    gettext_lazy("The practice is submitted for expert review."),
    reply=back_to("practices:practice"),
)
def practice_submit(request: AuthedRequest, item: Practice, _data: Mapping[str, Any]) -> object:
    return services.practice_submit(actor=request.user, practice=item)


@login_required
@require_POST
def evidence_add(request: AuthedRequest, pk: int) -> HttpResponse:
    item = practice_visible(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        require_author(request.user, item)
    outcome = submit(
        request,
        form,
        lambda data: services.evidence_add(
            actor=request.user, practice=item, file=data["file"], caption=data["caption"]
        ),
        _("The file is added."),
    )
    return after(request, outcome, redirect("practices:practice", pk=item.pk))


@login_required
def evidence_file(request: AuthedRequest, pk: int, evidence_pk: int) -> FileResponse:
    item = practice_visible(request.user, pk)
    evidence = PracticeEvidence.objects.filter(practice=item, pk=evidence_pk).first()
    if evidence is None:
        raise NotFound(_("Not found, or you have no access to it."))
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def moderation(request: AuthedRequest) -> HttpResponse:
    people_access.require_role(request.user, MODERATORS)
    queue = list(queries.moderation_queue(request.user)[:200])
    return render(request, "practices/moderation.html", {"queue": queue})


@login_required
@require_POST
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    item = practice_visible(request.user, pk)
    require_moderator(request.user, item)
    form = AssignForm(request.POST, experts=services.experts_available(item))
    outcome = submit(
        request,
        form,
        lambda data: services.reviews_assign(
            actor=request.user, practice=item, experts=list(User.objects.filter(pk__in=data["experts"])) or None
        ),
    )
    if outcome:
        messages.success(request, _("Experts assigned: %(n)s.") % {"n": len(outcome.value)})
    return after(request, outcome, redirect("practices:practice", pk=item.pk))


@login_required
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    item = practice_visible(request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        require_moderator(request.user, item)
    outcome = submit(
        request,
        form,
        lambda data: services.practice_decide(
            actor=request.user,
            practice=item,
            decision=data["decision"],
            level=data["level"],
            comment=data["comment"],
        ),
        _("The decision is recorded; the authors are notified."),
    )
    return after(request, outcome, redirect("practices:practice", pk=item.pk))


@login_required
def reviews(request: AuthedRequest) -> HttpResponse:
    people_access.require_role(request.user, [Role.EXPERT])
    return render(request, "practices/reviews.html", {"reviews": list(queries.reviews_of_expert(request.user)[:200])})


@login_required
def review(request: AuthedRequest, pk: int) -> HttpResponse:
    """The expert's review of a blind card: no authors, no organization."""
    item = (
        PracticeReview.objects.select_related("practice__contest", "practice__region")
        .filter(pk=pk, expert=request.user)
        .first()
    )
    if item is None:
        raise NotFound(_("Not found, or you have no access to it."))
    criteria = services.criteria_of(item.practice)
    form = ReviewForm(request.POST or None, criteria=criteria)
    context = {
        "r": item,
        "p": item.practice,
        "form": form,
        "open": item.status == PracticeReviewStatus.ASSIGNED,
        "sent": [
            (
                criteria[code].title if code in criteria else code,
                score,
                criteria[code].max_score if code in criteria else None,
                (item.comments or {}).get(code, ""),
            )
            for code, score in (item.scores or {}).items()
        ],
        "competencies": list(item.practice.competencies.all()),
        "evidence": list(item.practice.evidence.all()),
    }
    return form_page(
        request,
        form,
        lambda data: services.review_submit(
            actor=request.user,
            review=item,
            scores=form.scores(),
            comments=form.comments(),
            verdict=data["verdict"],
            level=data["level"],
            comment=data["comment"],
        ),
        _("The review is submitted."),
        then=lambda _review: redirect("practices:reviews"),
        page=lambda status: render(request, "practices/review.html", context, status=status),
        quiet=False,
    )


@login_required
def contests(request: AuthedRequest) -> HttpResponse:
    rows = list(Contest.objects.select_related("region").order_by("-deadline", "pk")[:200])
    reach = people_access.region_reach(request.user, roles=MODERATORS)
    return render(
        request,
        "practices/contests.html",
        {"contests": rows, "today": timezone.localdate(), "may_announce": bool(reach)},
    )


@login_required
def contest(request: AuthedRequest, pk: int) -> HttpResponse:
    item = Contest.objects.select_related("region").filter(pk=pk).first()
    if item is None:
        raise NotFound(_("Not found, or you have no access to it."))
    public = list(item.practices.filter(status__in=PUBLIC_STATUSES).order_by("-status", "title"))
    context = {
        "c": item,
        "practices": public,
        "submitted": item.practices.exclude(status=PracticeStatus.DRAFT).count(),
        "open": timezone.localdate() <= item.deadline,
        "jury": list(item.jury.all()),
        "may_submit": bool(affiliations(request.user)),
    }
    return render(request, "practices/contest.html", context)


@login_required
def contest_new(request: AuthedRequest) -> HttpResponse:
    reach = people_access.region_reach(request.user, roles=MODERATORS)
    if not reach:
        raise PermissionDenied(_("A contest is announced by the operator of its region."))
    regions = list(reach.regions().order_by("name")[:100])
    experts = (
        User.objects.filter(role_assignments__role=Role.EXPERT, is_active=True).distinct().order_by("last_name", "pk")
    )
    form = ContestForm(request.POST or None, experts=experts)
    region_id = int_param(request, "region") or (regions[0].pk if regions else None)

    def announce(data):
        require_contest_organizer(request.user, region_id)
        return services.contest_create(
            actor=request.user,
            region_id=region_id,
            title=data["title"],
            description=data["description"],
            deadline=data["deadline"],
            jury=list(User.objects.filter(pk__in=data["jury"])),
            criteria=form.criteria_list(),
        )

    context = {"form": form, "regions": regions, "region_id": region_id}
    return form_page(
        request,
        form,
        announce,
        _("The contest is announced."),
        then=lambda contest: redirect("practices:contest", pk=contest.pk),
        page=lambda status: render(request, "practices/contest_new.html", context, status=status),
        quiet=False,
    )


@login_required
def replicate(request: AuthedRequest, pk: int) -> HttpResponse:
    """«Мы внедрили»."""
    item = practice_visible(request.user, pk)
    organizations = Organization.objects.filter(pk__in=affiliations(request.user) - {item.organization_id}).order_by(
        "name"
    )
    if not organizations:
        raise PermissionDenied(_("Replications are reported by educators and organizations other than the authors'."))
    form = ReplicationForm(request.POST or None, organizations=organizations)
    return form_page(
        request,
        form,
        lambda data: services.replication_report(
            actor=request.user,
            practice=item,
            organization=organizations.get(pk=data["organization"]),
            implemented_on=data["implemented_on"],
            adapted=data["adapted"],
            results=data["results"],
        ),
        _("Thank you: the replication is recorded and the authors are notified."),
        then=lambda _replication: redirect("practices:practice", pk=item.pk),
        page=lambda status: render(request, "practices/replicate.html", {"p": item, "form": form}, status=status),
        quiet=False,
    )


@login_required
def ranking(request: AuthedRequest) -> HttpResponse:
    """The region's practices ranked by replication and measured effect."""
    region_id = int_param(request, "region")
    if region_id is None:
        me = people_access.own_educator(request.user)
        reach = people_access.region_reach(request.user, roles=MODERATORS)
        region_id = me.region_id if me else (min(reach.region_ids) if reach.region_ids else None)
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    rows = queries.regional_ranking(region.pk) if region else []
    return render(
        request, "practices/ranking.html", {"region": region, "rows": rows, "regions": Region.objects.order_by("name")}
    )


@login_required
def leniency(request: AuthedRequest) -> HttpResponse:
    people_access.require_role(request.user, MODERATORS)
    rows = queries.leniency(request.user)
    return render(
        request, "practices/leniency.html", {"rows": Paginator(rows, 100).get_page(int_param(request, "page") or 1)}
    )

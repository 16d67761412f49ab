"""Writes of the bank of practices: cards, evidence, contests, the expert review (the
depository's rules, through catalog.public), decisions, replication reports, measured effects
and the route item source (routes.registry)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.catalog.public import (
    MIN_REVIEWS,
    expert_affiliations,
    require_enough_reviews,
    review_contradictions,
    review_scores,
    reviewers_pick,
)
from efs.errors import Conflict, PermissionDenied, ValidationFailed, check_fields
from efs.limits import FILE_NAME_MAX_CHARS
from efs.people import access as people_access
from efs.people.public import Organization, Role, Subject, User, notify
from efs.routes.public import (
    EVIDENCE_TYPES,
    ItemKind,
    ItemStatus,
    RouteItem,
    content_matches,
    item_add_sourced,
    item_effects,
)

from . import search
from .access import (
    affiliations,
    require_author,
    require_contest_organizer,
    require_moderator,
)
from .models import (
    PUBLIC_STATUSES,
    STEPS_MAX,
    TEXT_MAX,
    Competency,
    Contest,
    JointProject,
    Practice,
    PracticeAuthor,
    PracticeEvidence,
    PracticeLevel,
    PracticeReview,
    PracticeReviewStatus,
    PracticeRouteItem,
    PracticeStatus,
    PracticeTransition,
    PracticeVerdict,
    Replication,
)
from .network.services import require_project_editor

EDITABLE = (PracticeStatus.DRAFT, PracticeStatus.RETURNED)
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# The files a practice's results are shown with: documents, tables, slides, images, archives.
PRACTICE_FILE_TYPES = EVIDENCE_TYPES - {".mp4"}
AUTHORS_MAX = 10
CRITERION_COMMENT_MAX = 1000

# The bank's review criteria (a contest may publish its own).
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {
        "code": "relevance",
        "title": "Актуальность",
        "description": "Практика решает значимую проблему образования региона, проблема описана конкретно.",
        "max_score": 2,
    },
    {
        "code": "results",
        "title": "Результативность",
        "description": "Результаты измерены и подтверждены материалами (файлы, показатели до и после).",
        "max_score": 2,
    },
    {
        "code": "replicability",
        "title": "Воспроизводимость",
        "description": "Алгоритм внедрения по шагам позволяет коллеге повторить практику.",
        "max_score": 2,
    },
    {
        "code": "resources",
        "title": "Ресурсная реализуемость",
        "description": "Ресурсы, условия и риски тиражирования названы и реалистичны.",
        "max_score": 2,
    },
    {
        "code": "novelty",
        "title": "Новизна",
        "description": "Практика предлагает решение, которого нет в массовом опыте.",
        "max_score": 2,
    },
]
DECISIONS: dict[str, str] = {
    PracticeVerdict.RECOMMEND: PracticeStatus.RECOMMENDED,
    PracticeVerdict.INCLUDE: PracticeStatus.INCLUDED,
    PracticeVerdict.REVISE: PracticeStatus.RETURNED,
    PracticeVerdict.REJECT: PracticeStatus.REJECTED,
}
POSITIVE = (PracticeVerdict.RECOMMEND, PracticeVerdict.INCLUDE)


@dataclass
class PracticeData:
    """A practice card as its authors fill it in."""

    title: str
    problem: str
    target_group: str
    steps: list[str]
    resources: str
    results: str
    conditions: str
    level: str
    competencies: list[str] = field(default_factory=list)  # competency codes (leaves of a published framework)
    subjects: list[str] = field(default_factory=list)  # subject codes
    hours: int = 8
    authors: list[str] = field(default_factory=list)  # co-authors' names besides the submitter
    contest_id: int | None = None
    project_id: int | None = None  # a joint project the practice is an output of


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    description: str
    max_score: int


def criteria_of(practice: Practice) -> dict[str, Criterion]:
    contest = practice.contest
    rows = (contest.criteria if contest is not None and contest.criteria else None) or DEFAULT_CRITERIA
    return {
        c["code"]: Criterion(c["code"], c["title"], c.get("description", ""), int(c.get("max_score", 2))) for c in rows
    }


def _leaves(codes: list[str]) -> dict[str, Competency]:
    found = Competency.objects.filter(code__in=codes, is_leaf=True, framework__status="published")
    return {c.code: c for c in found}


def _text_problems(data: PracticeData) -> list[tuple[str, str]]:
    errors = []
    if len(data.title.strip()) < 10:
        errors.append(("title", _("The title is too short.")))
    for name, label in (
        ("problem", _("the problem")),
        ("resources", _("the resources")),
        ("results", _("the results")),
        ("conditions", _("the conditions and risks")),
    ):
        value = getattr(data, name).strip()
        if len(value) < 20:
            errors.append((name, _("Describe %(what)s in at least a sentence.") % {"what": label}))
        elif len(value) > TEXT_MAX:
            errors.append((name, _("At most %(n)s characters.") % {"n": TEXT_MAX}))
    if not data.target_group.strip() or len(data.target_group) > 500:
        errors.append(("target_group", _("Name the target group (up to 500 characters).")))
    steps = [s.strip() for s in data.steps if s.strip()]
    if len(steps) < 2:
        errors.append(("steps", _("Describe the replication as at least two steps a colleague can repeat.")))
    if len(steps) > STEPS_MAX or any(len(s) > 1000 for s in steps):
        errors.append(("steps", _("At most %(n)s steps of up to 1000 characters each.") % {"n": STEPS_MAX}))
    return errors


def validate_practice(data: PracticeData) -> list[tuple[str, str]]:
    """(field, Russian message) for every problem of the card; empty when it is fine."""
    errors = _text_problems(data)
    if data.level not in PracticeLevel.values:
        errors.append(("level", _("Choose the level: school, municipal, regional or federal.")))
    if not 1 <= data.hours <= 500:
        errors.append(("hours", _("Hours to master: from 1 to 500.")))
    if not data.competencies:
        errors.append(("competencies", _("Link the practice to at least one competency of the framework.")))
    unknown = set(data.competencies) - set(_leaves(data.competencies))
    if unknown:
        errors.append(
            (
                "competencies",
                _("Not diagnosed competencies of a published framework: %(c)s.") % {"c": ", ".join(sorted(unknown))},
            )
        )
    unknown_subjects = set(data.subjects) - set(
        Subject.objects.filter(code__in=data.subjects).values_list("code", flat=True)
    )
    if unknown_subjects:
        errors.append(("subjects", _("Unknown subjects: %(s)s.") % {"s": ", ".join(sorted(unknown_subjects))}))
    names = [a.strip() for a in data.authors if a.strip()]
    if len(names) > AUTHORS_MAX or any(len(a) > 200 for a in names):
        errors.append(("authors", _("At most %(n)s co-authors, each name up to 200 characters.") % {"n": AUTHORS_MAX}))
    return errors


def _contest_open(contest: Contest, region_id: int, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if contest.region_id != region_id:
        raise ValidationFailed(_("The contest is announced for another region."), code="contest_other_region")
    if today > contest.deadline:
        raise Conflict(
            _("Submissions to «%(title)s» closed on %(date)s.")
            % {"title": contest.title, "date": contest.deadline.strftime("%d.%m.%Y")},
            code="contest_closed",
        )


def _write_card(practice: Practice, data: PracticeData) -> Practice:
    leaves = _leaves(data.competencies)
    for name in ("title", "problem", "target_group", "resources", "results", "conditions"):
        setattr(practice, name, getattr(data, name).strip())
    practice.steps = [s.strip() for s in data.steps if s.strip()]
    practice.level = data.level
    practice.hours = data.hours
    subjects = list(Subject.objects.filter(code__in=data.subjects))
    practice.search_document = search.document(practice, [c.title for c in leaves.values()], [s.name for s in subjects])
    practice.save()
    practice.competencies.set(leaves.values())
    practice.subjects.set(subjects)
    return practice


def _write_authors(practice: Practice, actor: User, names: list[str]) -> None:
    practice.authors.all().delete()
    rows = [PracticeAuthor(practice=practice, name=actor.display_name(), user=actor, order=0)]
    rows += [
        PracticeAuthor(practice=practice, name=n.strip(), order=i) for i, n in enumerate(names, start=1) if n.strip()
    ]
    PracticeAuthor.objects.bulk_create(rows)


@transaction.atomic
def practice_create(*, actor: User, organization: Organization, data: PracticeData) -> Practice:
    """A draft card of the organization's practice; the submitter is its first author."""
    if organization.pk not in affiliations(actor):
        raise PermissionDenied(_("You can submit practices of your own organization only."))
    check_fields(validate_practice(data), code="practice_invalid")
    contest = None
    if data.contest_id is not None:
        contest = Contest.objects.filter(pk=data.contest_id).first()
        if contest is None:
            raise ValidationFailed(_("No such contest."), code="contest_unknown")
        _contest_open(contest, organization.region_id)
    project = _project_of(data.project_id, organization) if data.project_id is not None else None
    practice = Practice(
        region_id=organization.region_id,
        organization=organization,
        municipality_id=organization.municipality_id,
        contest=contest,
        project=project,
        submitted_by=actor,
        status=PracticeStatus.DRAFT,
    )
    _write_card(practice, data)
    _write_authors(practice, actor, data.authors)
    return practice


def _project_of(project_id: int, organization: Organization) -> JointProject:
    """The joint project a card of ``organization`` is an output of: one it takes part in."""
    project = JointProject.objects.filter(pk=project_id).first()
    if project is None:
        raise ValidationFailed(_("No such joint project."), code="practice_project_unknown")
    if not project.participants.filter(organization_id=organization.pk).exists():
        raise ValidationFailed(
            _("The practice's organization does not take part in this joint project."),
            code="practice_project_not_participant",
        )
    return project


@transaction.atomic
def practice_project_link(*, actor: User, practice: Practice, project: JointProject) -> Practice:
    """Register a bank card as an output of the joint project (its coordinator or the lead
    region's operator): a published card of a participating organization."""
    require_project_editor(actor, project)
    practice = Practice.objects.select_for_update(of=("self",)).get(pk=practice.pk)
    if practice.status not in PUBLIC_STATUSES:
        raise Conflict(
            _("Only a card published in the bank is registered as a project's output."),
            code="practice_not_public",
        )
    if practice.project_id not in (None, project.pk):
        raise Conflict(_("The practice is already an output of another joint project."), code="practice_project_taken")
    practice.project = _project_of(project.pk, practice.organization)
    practice.save(update_fields=["project", "updated_at"])
    return practice


@transaction.atomic
def practice_project_unlink(*, actor: User, practice: Practice) -> Practice:
    """Take the card off its joint project's outputs (the project's coordinator or operator)."""
    practice = Practice.objects.select_for_update(of=("self",)).select_related("project").get(pk=practice.pk)
    if practice.project is None:
        raise Conflict(_("The practice is not an output of a joint project."), code="practice_project_none")
    require_project_editor(actor, practice.project)
    practice.project = None
    practice.save(update_fields=["project", "updated_at"])
    return practice


@transaction.atomic
def practice_update(*, actor: User, practice: Practice, data: PracticeData) -> Practice:
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    require_author(actor, practice)
    if practice.status not in EDITABLE:
        raise Conflict(
            _("The card can be changed only while it is a draft or returned for revision."),
            code="practice_not_editable",
        )
    check_fields(validate_practice(data), code="practice_invalid")
    _write_card(practice, data)
    if practice.submitted_by_id == actor.pk:
        _write_authors(practice, actor, data.authors)
    return practice


def _file_problem(file) -> tuple[str, str] | None:
    name = (getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if len(name) > FILE_NAME_MAX_CHARS:
        return _("The file name is longer than %(max)s characters; rename the file.") % {
            "max": FILE_NAME_MAX_CHARS
        }, "practice_file_name_too_long"
    if extension not in PRACTICE_FILE_TYPES:
        return _(
            "Files of this type are not accepted. Upload PDF, office documents, images or ZIP."
        ), "practice_file_type"
    if file.size > EVIDENCE_MAX_BYTES:
        return _("The file is larger than 10 MB."), "practice_file_too_large"
    if file.size == 0:
        return _("The file is empty."), "practice_file_empty"
    if not content_matches(file, extension):
        return _("The file's content does not match its extension."), "practice_file_type"
    return None


@transaction.atomic
def evidence_add(*, actor: User, practice: Practice, file, caption: str) -> PracticeEvidence:
    """A file showing the results; checked by its content, stored under a name of our own."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    require_author(actor, practice)
    if practice.status not in EDITABLE:
        raise Conflict(
            _("Files are added while the card is a draft or returned for revision."), code="practice_not_editable"
        )
    if not caption.strip() or len(caption) > 300:
        raise ValidationFailed(_("Say what the file shows (up to 300 characters)."), code="practice_file_caption")
    if file is None:
        raise ValidationFailed(_("Attach a file."), code="practice_file_empty")
    problem = _file_problem(file)
    if problem is not None:
        raise ValidationFailed(problem[0], code=problem[1])
    name = file.name.replace("\\", "/").rsplit("/", 1)[-1]
    size = file.size
    file.name = f"{uuid.uuid4().hex}.{name.rsplit('.', 1)[-1].lower()}"
    return PracticeEvidence.objects.create(
        practice=practice, file=file, file_name=name, caption=caption.strip(), size=size, uploaded_by=actor
    )


def _transition(practice: Practice, to: str, actor: User | None, comment: str = "", level: str = "") -> None:
    previous = practice.status
    PracticeTransition.objects.create(
        practice=practice, from_status=previous, to_status=to, by=actor, comment=comment, level=level
    )
    practice.status = to
    if to in PUBLIC_STATUSES and practice.published_at is None:
        practice.published_at = timezone.now()
    practice.save(update_fields=["status", "published_at", "confirmed_level", "updated_at"])
    if to in PUBLIC_STATUSES or previous in PUBLIC_STATUSES:
        search.reindex(practice)


def _moderators_of(region_id: int) -> list[User]:
    """The region's operators told of a practice to moderate: those of the region and of a
    macroregion holding it (the federal operator reads the queue of every region untold)."""
    return list(people_access.region_actors(region_id, roles=[Role.REGIONAL_OPERATOR]).order_by("pk"))


def _practice_url(practice: Practice) -> str:
    return reverse("practices:practice", args=[practice.pk])


def _notify_authors(practice: Practice, title: str, key: str = "") -> int:
    sent = 0
    users = {a.user for a in practice.authors.select_related("user") if a.user is not None}
    if practice.submitted_by is not None:
        users.add(practice.submitted_by)
    for user in users:
        sent += notify(user=user, title=title, url=_practice_url(practice), key=f"{key}-{user.pk}" if key else "")
    return sent


@transaction.atomic
def practice_submit(*, actor: User, practice: Practice) -> Practice:
    practice = Practice.objects.select_for_update(of=("self",)).select_related("contest").get(pk=practice.pk)
    require_author(actor, practice)
    if practice.status not in EDITABLE:
        raise Conflict(_("Only a draft or a returned card can be submitted."), code="practice_not_editable")
    if practice.contest is not None:
        _contest_open(practice.contest, practice.region_id)
    if practice.status == PracticeStatus.RETURNED:
        practice.version += 1
        practice.save(update_fields=["version"])
    _transition(practice, PracticeStatus.SUBMITTED, actor)
    for moderator in _moderators_of(practice.region_id):
        notify(
            user=moderator,
            title=_("A practice is submitted for review: %(t)s") % {"t": practice.title[:150]},
            url=reverse("practices:moderation"),
        )
    return practice


def _conflicted(expert: User, practice: Practice) -> bool:
    """An expert of the authors' organization, or an author, may not review the practice."""
    if practice.organization_id in expert_affiliations(expert) | affiliations(expert):
        return True
    return practice.submitted_by_id == expert.pk or practice.authors.filter(user=expert).exists()


def experts_available(practice: Practice) -> list[User]:
    """Experts without a conflict of interest, least loaded first; a contest's jury only."""
    experts = User.objects.filter(role_assignments__role=Role.EXPERT, is_active=True)
    if practice.contest_id:
        experts = experts.filter(practice_juries=practice.contest_id)
    experts = (
        experts.annotate(
            load=Count("practice_reviews", filter=Q(practice_reviews__status=PracticeReviewStatus.ASSIGNED))
        )
        .order_by("load", "pk")
        .distinct()
    )
    return [e for e in experts if not _conflicted(e, practice)]


@transaction.atomic
def reviews_assign(*, actor: User, practice: Practice, experts: list[User] | None = None) -> list[PracticeReview]:
    """Assign experts (at least two, without a conflict of interest) to the submitted card."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    require_moderator(actor, practice)
    if practice.status not in (PracticeStatus.SUBMITTED, PracticeStatus.IN_REVIEW):
        raise Conflict(_("Experts are assigned to a submitted practice."), code="practice_not_submitted")
    current = list(
        practice.reviews.filter(practice_version=practice.version).exclude(status=PracticeReviewStatus.WITHDRAWN)
    )
    taken = {r.expert_id for r in current}
    chosen = reviewers_pick(
        experts=experts,
        available=lambda: experts_available(practice),
        current=len(current),
        taken=taken,
        conflicted=lambda e: _conflicted(e, practice),
        conflict_message=_("%(name)s works for the authors' organization or is an author: a conflict of interest."),
    )
    created = [
        PracticeReview.objects.create(practice=practice, practice_version=practice.version, expert=e, assigned_by=actor)
        for e in chosen
    ]
    if practice.status == PracticeStatus.SUBMITTED:
        _transition(practice, PracticeStatus.IN_REVIEW, actor)
    for review in created:
        notify(
            user=review.expert,
            title=_("A practice is assigned to you for review"),
            url=reverse("practices:review", args=[review.pk]),
        )
    return created


def _score_problems(
    criteria: dict[str, Criterion], scores: dict, comments: dict
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """The scores by the depository's rule (catalog.public.review_scores), then each
    criterion's comment."""
    clean, problems = review_scores(criteria, scores, named=comments)
    notes = {}
    for code, criterion in criteria.items():
        note = comments.get(code, "")
        if not isinstance(note, str) or len(note) > CRITERION_COMMENT_MAX:
            problems.append(
                _("«%(title)s»: a comment of up to %(n)s characters.")
                % {"title": criterion.title, "n": CRITERION_COMMENT_MAX}
            )
        elif note.strip():
            notes[code] = note.strip()
    return clean, notes, problems


def _contradictions(criteria: dict[str, Criterion], scores: dict[str, int], verdict: str, comment: str) -> list[str]:
    """The depository's rules (catalog.public.review_contradictions): a positive verdict with a
    failed criterion, a rejection with every score full, and a negative or low-score review
    without an explanation are refused."""
    return review_contradictions(
        criteria,
        scores,
        comment,
        positive=verdict in POSITIVE,
        rejected=verdict == PracticeVerdict.REJECT,
        negative=verdict in (PracticeVerdict.REVISE, PracticeVerdict.REJECT),
        fails=_(
            "The practice does not meet %(criteria)s: a practice that fails a criterion does not "
            "enter the bank; return it for revision or reject it."
        ),
        explain=_("Explain to the authors what to change or why the practice is rejected (at least %(n)s characters)."),
    )


@transaction.atomic
def review_submit(
    *,
    actor: User,
    review: PracticeReview,
    scores: dict,
    verdict: str,
    level: str = "",
    comment: str = "",
    comments: dict | None = None,
) -> PracticeReview:
    """The expert's scores with comments, verdict and level, checked by the depository's rules."""
    review = (
        PracticeReview.objects.select_for_update(of=("self",)).select_related("practice__contest").get(pk=review.pk)
    )
    practice = review.practice
    if review.expert_id != actor.pk:
        raise PermissionDenied(_("This review is assigned to another expert."))
    if (
        review.status != PracticeReviewStatus.ASSIGNED
        or review.practice_version != practice.version
        or practice.status != PracticeStatus.IN_REVIEW
    ):
        raise Conflict(_("This review is closed."), code="review_closed")
    if _conflicted(actor, practice):
        raise ValidationFailed(
            _(
                "You work for the authors' organization or are an author: a conflict of "
                "interest; the operator will reassign the review."
            ),
            code="review_conflict_of_interest",
        )
    criteria = criteria_of(practice)
    clean, notes, problems = _score_problems(criteria, scores, comments or {})
    if verdict not in PracticeVerdict.values:
        problems.append(_("Choose a verdict."))
    elif verdict in POSITIVE and level not in PracticeLevel.values:
        problems.append(_("Give the level at which the practice is effective."))
    elif len(comment) > TEXT_MAX:
        problems.append(_("At most %(n)s characters.") % {"n": TEXT_MAX})
    else:
        problems += _contradictions(criteria, clean, verdict, comment)
    if problems:
        raise ValidationFailed(" ".join(problems), code="review_invalid", details=problems)
    maximum = sum(c.max_score for c in criteria.values()) or 1
    review.scores, review.comments, review.verdict, review.comment = clean, notes, verdict, comment.strip()
    review.level = level if verdict in POSITIVE else ""
    review.share = round(sum(clean.values()) / maximum, 4)
    review.status = PracticeReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.save()
    return review


@transaction.atomic
def practice_decide(*, actor: User, practice: Practice, decision: str, level: str = "", comment: str = "") -> Practice:
    """The operator's decision on the experts' reviews: «рекомендовано к тиражированию» (with
    the level it is recommended at), included in the bank, returned, rejected."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    require_moderator(actor, practice)
    if practice.status != PracticeStatus.IN_REVIEW:
        raise Conflict(_("A decision is taken on a practice under review."), code="practice_not_in_review")
    if decision not in DECISIONS:
        raise ValidationFailed(_("Choose a decision."), code="decision_unknown")
    done = practice.reviews.filter(practice_version=practice.version, status=PracticeReviewStatus.SUBMITTED).count()
    require_enough_reviews(done)
    if decision in POSITIVE and level not in PracticeLevel.values:
        raise ValidationFailed(_("Give the level the decision confirms."), code="decision_level_required")
    if decision not in POSITIVE and len(comment.strip()) < 10:
        raise ValidationFailed(_("Explain the decision to the authors."), code="decision_comment_required")
    if len(comment) > TEXT_MAX:
        raise ValidationFailed(_("At most %(n)s characters.") % {"n": TEXT_MAX}, code="decision_comment_too_long")
    practice.reviews.filter(practice_version=practice.version, status=PracticeReviewStatus.ASSIGNED).update(
        status=PracticeReviewStatus.WITHDRAWN
    )
    practice.confirmed_level = level if decision in POSITIVE else practice.confirmed_level
    _transition(practice, DECISIONS[decision], actor, comment.strip(), level=level if decision in POSITIVE else "")
    _notify_authors(
        practice,
        _("Decision on your practice «%(t)s»: %(d)s")
        % {"t": practice.title[:120], "d": PracticeStatus(practice.status).label},
    )
    return practice


@transaction.atomic
def practice_archive(*, actor: User, practice: Practice, comment: str = "") -> Practice:
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    require_moderator(actor, practice)
    if practice.status not in PUBLIC_STATUSES:
        raise Conflict(_("Only a practice in the bank is archived."), code="practice_not_public")
    _transition(practice, PracticeStatus.ARCHIVED, actor, comment.strip()[:TEXT_MAX])
    return practice


# ---------------------------------------------------------------- contests


@transaction.atomic
def contest_create(
    *,
    actor: User,
    region_id: int,
    title: str,
    description: str,
    deadline: dt.date,
    jury: list[User],
    criteria: list[str] | None = None,
    today: dt.date | None = None,
) -> Contest:
    """A region's contest: its criteria (titles; the bank's when none), deadline and jury of experts."""
    require_contest_organizer(actor, region_id)
    today = today or timezone.localdate()
    problems = []
    if len(title.strip()) < 5 or len(title) > 300:
        problems.append(_("The title: from 5 to 300 characters."))
    if not description.strip() or len(description) > TEXT_MAX:
        problems.append(_("Describe the contest (up to %(n)s characters).") % {"n": TEXT_MAX})
    if deadline < today or deadline > today + dt.timedelta(days=730):
        problems.append(_("The deadline: from today to two years ahead."))
    not_experts = [u.display_name() for u in jury if not people_access.has_role(u, Role.EXPERT)]
    if not_experts:
        problems.append(_("Not experts: %(names)s.") % {"names": ", ".join(not_experts)})
    if len(jury) < MIN_REVIEWS:
        problems.append(_("The jury needs at least %(n)s experts.") % {"n": MIN_REVIEWS})
    titles = [t.strip() for t in (criteria or []) if t.strip()]
    if len(titles) > 12 or any(len(t) > 300 for t in titles):
        problems.append(_("At most 12 criteria of up to 300 characters."))
    if problems:
        raise ValidationFailed(" ".join(problems), code="contest_invalid", details=problems)
    rows = [
        {"code": f"c{i}", "title": t, "description": "", "max_score": 2} for i, t in enumerate(titles, start=1)
    ] or DEFAULT_CRITERIA
    contest = Contest.objects.create(
        region_id=region_id,
        title=title.strip(),
        description=description.strip(),
        deadline=deadline,
        criteria=rows,
        announced_by=actor,
    )
    contest.jury.set(jury)
    return contest


# ---------------------------------------------------------------- replication


@transaction.atomic
def replication_report(
    *,
    actor: User,
    practice: Practice,
    organization: Organization,
    implemented_on: dt.date,
    adapted: str,
    results: str,
    today: dt.date | None = None,
) -> Replication:
    """«Мы внедрили»: an organization reports it replicated a practice of the bank; the authors are told."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    if organization.pk not in affiliations(actor):
        raise PermissionDenied(_("You can report for your own organization only."))
    if practice.status not in PUBLIC_STATUSES:
        raise Conflict(_("Replications are reported for practices of the bank."), code="practice_not_public")
    if organization.pk == practice.organization_id:
        raise ValidationFailed(
            _("The authors' own organization does not replicate its practice."), code="replication_own_practice"
        )
    today = today or timezone.localdate()
    problems = []
    if implemented_on > today or implemented_on < practice.created_at.date() - dt.timedelta(days=3650):
        problems.append(_("The date of implementation cannot be in the future."))
    for value, what in ((adapted, _("what was adapted")), (results, _("the results"))):
        if len(value.strip()) < 10 or len(value) > TEXT_MAX:
            problems.append(_("Describe %(what)s (from 10 to %(n)s characters).") % {"what": what, "n": TEXT_MAX})
    if problems:
        raise ValidationFailed(" ".join(problems), code="replication_invalid", details=problems)
    if Replication.objects.filter(practice=practice, organization=organization).exists():
        raise Conflict(_("Your organization has already reported this replication."), code="replication_exists")
    replication = Replication.objects.create(
        practice=practice,
        organization=organization,
        region_id=organization.region_id,
        municipality_id=organization.municipality_id,
        implemented_on=implemented_on,
        adapted=adapted.strip(),
        results=results.strip(),
        reported_by=actor,
    )
    practice.replication_count = practice.replications.count()
    practice.save(update_fields=["replication_count", "updated_at"])
    _notify_authors(
        practice,
        _("«%(org)s» replicated your practice «%(t)s»") % {"org": organization.display_name, "t": practice.title[:120]},
        key=f"replication-{replication.pk}",
    )
    return replication


# ---------------------------------------------------------------- measured effect and routes


def practice_effects_update() -> int:
    """The measured effect of every practice that educators had in their routes (routes'
    item_effects: gain at re-diagnosis against comparable educators; docs/practices.md)."""
    groups: dict[int, set[int]] = {}
    for practice_id, item_id in PracticeRouteItem.objects.values_list("practice_id", "route_item_id"):
        groups.setdefault(practice_id, set()).add(item_id)
    effects = item_effects(groups)
    updated = 0
    for practice in Practice.objects.filter(Q(pk__in=effects) | ~Q(effect={})):
        new = effects.get(practice.pk, {})
        if practice.effect != new:
            practice.effect = new
            practice.save(update_fields=["effect"])
        updated += 1
    return updated


def route_item_linked(route_item_id: int, practice_id: int) -> None:
    """Record that the route item is the practice; a route holds a practice once."""
    route_ids = RouteItem.objects.filter(pk=route_item_id).values("route_id")
    twice = (
        PracticeRouteItem.objects.filter(practice_id=practice_id, route_item__route_id__in=route_ids)
        .exclude(route_item_id=route_item_id)
        .exclude(route_item__status=ItemStatus.CANCELLED)
    )
    if twice.exists():
        raise Conflict(_("The route already has this practice."), code="route_practice_twice")
    PracticeRouteItem.objects.get_or_create(route_item_id=route_item_id, defaults={"practice_id": practice_id})


def practice_to_route(*, actor: User, practice: Practice, route_id: int) -> RouteItem:
    """Add a published practice to a route by hand (the educator, or their tutor): through
    the routes registry, with the route's rules (its deficits, its hours, its status)."""
    if practice.status not in PUBLIC_STATUSES:
        raise Conflict(_("Only a practice published in the bank goes into a route."), code="practice_not_public")
    return item_add_sourced(actor=actor, route_id=route_id, kind=ItemKind.PRACTICE, key=str(practice.pk))

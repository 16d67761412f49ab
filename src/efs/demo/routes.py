"""Individual routes in the demo region, made through the real services.

- The demo teacher takes the adaptive diagnostics (answers simulated from a profile with
  three weak competencies, scored by the real engine), builds the optimal route, sends it
  to the tutor, who approves it; the teacher starts the first activity and sends evidence,
  so the tutor has something to review.
- The regional operator runs a region-wide plan for every other diagnosed educator: the
  routes it proposes are drafts the educators can accept or rebuild.
- The «novice» login stays undiagnosed, for the whole path from the beginning.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import numpy as np
from django.db.models import F, Q
from django.utils import timezone

from efs.catalog.models import Cohort
from efs.catalog.queries import open_cohorts
from efs.competencies.models import Competency, FrameworkStatus
from efs.demo.diagnostics import simulated_answer
from efs.diagnostics.models import Assessment, AttemptStatus, Response
from efs.diagnostics.services import attempt_answer, attempt_start
from efs.financing import services as financing
from efs.financing.public import Account
from efs.people import access
from efs.people.models import ConsentKind, Educator, Region, User
from efs.people.services import consent_give
from efs.routes import regional, services
from efs.routes.models import ItemStatus, RouteItem

WEAK_THETA, STRONG_THETA = -1.8, 1.0
REGION_FUND = 450_000_000  # 4.5 million roubles, in kopecks
BUDGET_PER_EDUCATOR = 3_000_000  # 30 000 roubles
PLAN_SECONDS = 25.0  # the demo's plan is time-boxed; a real one gets regional.TIME_LIMIT_S


def _weak_competencies(rng: np.random.Generator) -> set[str]:
    """Three general competencies that published programs of the depository address."""
    leaves = (
        Competency.objects.filter(
            framework__audience="teacher",
            framework__status=FrameworkStatus.PUBLISHED,
            is_leaf=True,
            subjects__isnull=True,
        )
        .filter(program_outcomes__program__status="published")
        .distinct()
        .order_by("order")
    )
    codes = [c.code for c in leaves]
    return set(rng.choice(codes, size=min(3, len(codes)), replace=False).tolist())


def diagnose(user: User, *, rng: np.random.Generator, started: dt.datetime) -> int:
    """The demo teacher's own adaptive attempt; returns the number of answers."""
    educator = cast(Educator, access.own_educator(user))  # demo.users gives every demo teacher an educator
    for kind in (ConsentKind.PERSONAL_DATA, ConsentKind.DIAGNOSTICS):
        consent_give(actor=user, educator=educator, kind=kind)
    assessment = Assessment.objects.get(code="teacher-adaptive")
    weak = _weak_competencies(rng)
    attempt = attempt_start(
        actor=user, educator=educator, assessment=assessment, now=started, seed=int(rng.integers(1, 2**31))
    )
    at = started
    while attempt.status == AttemptStatus.IN_PROGRESS:
        # an attempt in progress always has its next, unanswered response
        response = cast(
            Response, attempt.responses.filter(answered_at__isnull=True).select_related("item__competency").first()
        )
        theta = WEAK_THETA if response.item.competency.code in weak else STRONG_THETA
        at += dt.timedelta(seconds=int(rng.integers(25, 70)))
        attempt = attempt_answer(
            actor=user,
            attempt=attempt,
            position=response.position,
            answer=simulated_answer(response.item, theta, rng),
            now=at,
        ).attempt
    return attempt.answered


def create_demo_routes(region: Region, *, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    teacher, tutor, operator = (User.objects.get(username=name) for name in ("teacher", "tutor", "regional"))
    answered = diagnose(teacher, rng=rng, started=timezone.now() - dt.timedelta(days=12, hours=3))

    educator = cast(Educator, access.own_educator(teacher))  # demo.users gives the teacher an educator
    route = services.route_build(actor=teacher, educator=educator, options=services.default_options(educator))
    services.route_propose(actor=teacher, route=route, comment="Прошу согласовать: начну с практики, курсы — осенью.")
    services.route_approve(
        actor=tutor,
        route=route,
        comment="Согласовано. Материалы по первой практике присылайте сюда, обсудим на встрече.",
    )
    # a route just built from the demo's deficits has planned activities
    first = cast(RouteItem, route.items.filter(status=ItemStatus.PLANNED).order_by("planned_start", "order").first())
    services.item_start(actor=teacher, item=first)
    services.evidence_submit(
        actor=teacher,
        item=first,
        note=f"{first.evidence_form}. Идеи мероприятия опробовала на двух уроках в 7-х классах: листы самооценки "
             "сработали, "
        "с рефлексией в конце урока не хватает времени — прошу совета на встрече.",
        file=_lesson_notes(educator.full_name, first.title),
    )

    enrollments = _enroll(teacher, route)

    run = regional.allocation_start(
        actor=operator, region=region, fund=REGION_FUND, max_hours=144, budget_per_educator=BUDGET_PER_EDUCATOR
    )
    regional.allocation_execute(run.pk, time_limit_s=PLAN_SECONDS)
    run.refresh_from_db()
    return {
        "answered": answered,
        "items": route.items.count(),
        "plan": run.status,
        "routes": run.routes_created,
        "results": run.results,
        "enrollments": enrollments,
    }


def _lesson_notes(name: str, activity: str):
    """A real PDF the tutor opens from the route: the teacher's notes of the lesson."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from weasyprint import HTML

    html = (
        "<h1 style='font-family: sans-serif'>Конспект урока с рефлексией</h1><p style='font-family: "
        f"sans-serif'>{name}</p>"
        f"<p style='font-family: sans-serif'>Мероприятие маршрута: «{activity}».</p>"
        "<ol style='font-family: sans-serif'><li>Цель урока и критерии успеха на доске.</li><li>Работа в парах, лист "
        "самооценки.</li>"
        "<li>Рефлексия: «что получилось, что было трудно, что сделаю иначе».</li></ol>"
    )
    return SimpleUploadedFile("konspekt-uroka.pdf", HTML(string=html).write_pdf(), content_type="application/pdf")


def _enroll(teacher: User, route) -> int:
    """The teacher enrolls in a cohort of her route with the certificate (its provider accepts);
    the mentor asks for a seat at the regional institute (waiting for the `provider` login)."""
    made = 0
    item = route.items.filter(kind="cohort").order_by("-price", "planned_start").first()
    if item is not None:
        enrollment = financing.enrollment_request(
            actor=teacher,
            educator=route.educator,
            cohort=item.cohort,
            request_id=f"demo-{item.pk}",
            copay_payer="school",
        )
        staff = (
            User.objects.filter(
                role_assignments__role="provider", role_assignments__organization=enrollment.provider_id
            )
            .order_by("pk")
            .first()
        )
        if staff is not None:
            financing.enrollment_accept(actor=staff, enrollment=enrollment)
        made += 1
    available = cast(Account, financing.certificate_of(route.educator)).available  # demo.financing issued it
    codes = [goal.competency.code for goal in route.goals.all()]
    paid = (
        open_cohorts(route.educator.region_id)
        .filter(
            program__status="published",
            program__for_teachers=True,
            price__gt=0,
            price__lte=available,
            seats__gt=F("seats_taken"),
            program__outcomes__competency__code__in=codes,
        )
        .exclude(program__in=route.items.filter(program__isnull=False).values("program"))
        .order_by("start_date", "pk")
        .first()
    )
    if paid is not None:  # a paid course beyond the route: the certificate's money is held until completion
        financing.enrollment_request(
            actor=teacher, educator=route.educator, cohort=paid, request_id=f"demo-paid-{paid.pk}"
        )
        made += 1
    mentor = User.objects.get(username="mentor")
    educator = cast(Educator, access.own_educator(mentor))  # demo.users gives the mentor an educator
    cohort = (
        Cohort.objects.filter(
            program__provider__short_name="ККИПК и ППРО",
            program__status="published",
            program__for_teachers=True,
            price__gt=0,
            status="open",
            enrollment_deadline__gte=timezone.localdate(),
            seats__gt=F("seats_taken"),
        )
        .filter(Q(program__subjects__isnull=True) | Q(program__subjects__in=educator.subjects.all()))
        .order_by("start_date", "pk")
        .first()
    )
    if cohort is not None:
        financing.enrollment_request(
            actor=mentor, educator=educator, cohort=cohort, request_id=f"demo-mentor-{cohort.pk}", copay_payer="school"
        )
        made += 1
    return made

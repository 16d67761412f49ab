"""A season that has already run, so the demo shows settlement end to end, made through the
real services:

- two cohorts of the regional institute (the `provider` login) that started and ended
  earlier this year, each with teachers of the region who enrolled with their certificates;
- the first cohort's outcomes are recorded (completed: the held money is posted to the
  provider; one not completed: it goes back to the certificate), and the region has paid
  part of what it owes, so the month's statement shows services rendered and a payment;
- the second cohort ended a few days ago: the provider still has to record its outcomes.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from efs.catalog.public import CohortData, Program, cohort_create
from efs.financing import public as financing
from efs.financing.public import Contract, Enrollment, EnrollmentStatus
from efs.people.public import ConsentKind, Educator, Organization, Region, User, consent_give

PEOPLE_PER_COHORT = 6
SEASON_START = (1, 15)  # the season's earliest date: certificates and contracts of the year exist by then


def _participants(region: Region, count: int, skip: set[int]) -> list[Educator]:
    """Teachers of the region who have a certificate and no login yet get one (they registered
    on the platform to enroll); the demo logins' own people are left alone."""
    chosen = list(
        Educator.objects.filter(
            region=region,
            category="teacher",
            is_active=True,
            user__isnull=True,
            accounts__kind="certificate",
            accounts__year=timezone.localdate().year,
        )
        .exclude(pk__in=skip)
        .order_by("pk")[:count]
    )
    for educator in chosen:
        user = User.objects.create(
            username=f"educator-{educator.pk}",
            first_name=educator.first_name,
            last_name=educator.last_name,
            password=make_password(None),
        )
        educator.user = user
        educator.save(update_fields=["user"])
        consent_give(
            actor=user, educator=educator, kind=ConsentKind.PERSONAL_DATA
        )  # they consented when they registered
    return chosen


def create_demo_settlement(region: Region) -> dict[str, int]:
    today = timezone.localdate()
    earliest = dt.date(today.year, *SEASON_START)
    first_start, second_start = today - dt.timedelta(days=75), today - dt.timedelta(days=50)
    if first_start - dt.timedelta(days=10) < earliest:
        return {"cohorts": 0, "completed": 0, "waiting": 0}  # too early in the year for a past season
    regional, staff = User.objects.get(username="regional"), User.objects.get(username="provider")
    ipk = Organization.objects.get(region=region, kind="ipk")
    contract = Contract.objects.filter(region=region, provider=ipk).order_by("pk").first()
    programs = list(
        Program.objects.filter(
            provider=ipk, status="published", for_teachers=True, price__gt=0, subjects__isnull=True
        ).order_by("price", "pk")[:2]
    )
    if contract is None or len(programs) < 2:
        return {"cohorts": 0, "completed": 0, "waiting": 0}
    taken: set[int] = set()
    cohorts = []
    for program, start, days in ((programs[0], first_start, 40), (programs[1], second_start, 45)):
        cohort = cohort_create(
            actor=staff,
            program=program,
            data=CohortData(
                start_date=start,
                end_date=start + dt.timedelta(days=days),
                enrollment_deadline=start - dt.timedelta(days=3),
                seats=25,
                price=program.price,
                online=True,
            ),
        )
        people = _participants(region, PEOPLE_PER_COHORT, taken)
        taken |= {p.pk for p in people}
        enrollments = []
        for p in people:
            assert p.user is not None  # _participants gave each a login
            enrollments.append(
                financing.enrollment_request(
                    actor=p.user,
                    educator=p,
                    cohort=cohort,
                    request_id=f"demo-season-{cohort.pk}-{p.pk}",
                    copay_payer="school",
                    today=start - dt.timedelta(days=8),
                )
            )
        for enrollment in enrollments:
            financing.enrollment_accept(actor=staff, enrollment=enrollment)
        cohorts.append((cohort, enrollments))
    first = cohorts[0][1]
    outcomes = [(e, True) for e in first[:-1]] + [(first[-1], False)]
    for enrollment, _completed in outcomes:
        enrollment.refresh_from_db()
    financing.cohort_outcomes_record(actor=staff, outcomes=outcomes)
    rendered = sum(e.certificate_amount + e.copay_amount for e, done in outcomes if done)
    financing.payment_register(
        actor=regional,
        contract=contract,
        amount=rendered // 2,
        tid=f"demo-season-pay-{region.code}-{today.year}",
        document=f"{today.month * 31 + 5}",
        paid_on=today,
    )
    return {
        "cohorts": len(cohorts),
        "completed": sum(1 for _e, done in outcomes if done),
        "waiting": Enrollment.objects.filter(cohort=cohorts[1][0], status=EnrollmentStatus.ACCEPTED).count(),
    }

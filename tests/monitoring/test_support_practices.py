"""Monitoring's data elements from support and practices: each value equals a count made
independently over the records, children add up to their parents, small cells are hidden."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.competencies.models import Competency
from efs.monitoring import queries, services
from efs.monitoring.elements import ELEMENTS
from efs.monitoring.models import Fact, Indicator, Level
from efs.people.models import Educator, Organization, SupportAssignment
from efs.periods import add_months, month_start
from efs.practices.models import Practice, PracticeLevel, PracticeStatus, Replication
from efs.practices.network.models import Community, Event, EventKind, Membership, MemberStatus
from efs.support.models import (
    Consultation,
    ConsultationStatus,
    CycleStage,
    Mentorship,
    MentorshipForm,
    MentorshipStatus,
    ReflectionCycle,
)
from tests.conftest import make_educator, make_user
from tests.diagnostics.conftest import small_framework

NEW_ELEMENTS = [
    "consultations_held",
    "mentoring_pairs",
    "cycles_closed",
    "educators_with_tutor",
    "practices_in_bank",
    "practice_replications",
    "network_events_held",
    "community_members",
]


def _at(months_ago: int, day: int = 10) -> dt.datetime:
    month = add_months(month_start(timezone.now().date()), -months_ago)
    return dt.datetime(month.year, month.month, day, 12, tzinfo=dt.UTC)


def _consultation(educator, status, held_at=None):
    c = Consultation.objects.create(
        educator=educator,
        region=educator.region,
        organization=educator.organization,
        tutor=make_user(f"t{Consultation.objects.count()}"),
        topic="Разбор урока",
        format="online",
        status=status,
        starts_at=held_at,
        ends_at=held_at and held_at + dt.timedelta(hours=1),
        held_at=held_at,
    )
    return c


def _mentorship(mentee, status, decided_at, finished_at=None):
    return Mentorship.objects.create(
        mentor=make_user(f"m{Mentorship.objects.count()}"),
        mentee=mentee,
        region=mentee.region,
        organization=mentee.organization,
        form=MentorshipForm.TEACHER_TEACHER,
        status=status,
        decided_at=decided_at,
        finished_at=finished_at,
    )


def _practice(org, status, published_at):
    return Practice.objects.create(
        region=org.region,
        organization=org,
        title="Практика",
        problem="п",
        target_group="учителя",
        resources="р",
        results="р",
        conditions="у",
        level=PracticeLevel.SCHOOL,
        status=status,
        published_at=published_at,
    )


@pytest.fixture
def active(world):
    """Support and practice records in three organizations of region 24 and one of region 54,
    in different months and states (some of which must not be counted)."""
    w = world
    small_framework()
    competency = Competency.objects.filter(is_leaf=True).first()
    services.starter_indicators_load()
    extra = [make_educator(w.org_a, f"Орлова{i}") for i in range(6)]  # org_a: 8 educators
    # Consultations: held (counted in their month), cancelled and requested (not counted).
    for months_ago, educator in [
        (1, w.self_educator),
        (1, w.same_org),
        (1, extra[0]),
        (2, w.other_muni),
        (0, w.other_region),
        (3, extra[1]),
    ]:
        _consultation(educator, ConsultationStatus.HELD, _at(months_ago))
    _consultation(w.same_org, ConsultationStatus.CANCELLED)
    _consultation(w.other_org, ConsultationStatus.REQUESTED)
    # Mentorships: active since 3 months ago; finished last month; proposed (not a pair).
    for mentee in extra[:5]:
        _mentorship(mentee, MentorshipStatus.ACTIVE, _at(3))
    _mentorship(w.other_org, MentorshipStatus.FINISHED, _at(4), finished_at=_at(1))
    _mentorship(w.other_muni, MentorshipStatus.PROPOSED, None)
    # Reflective cycles: two closed (months 1 and 2 ago), one open.
    for educator, closed in [(w.self_educator, _at(1)), (w.other_muni, _at(2)), (w.same_org, None)]:
        ReflectionCycle.objects.create(
            educator=educator,
            region=educator.region,
            organization=educator.organization,
            competency=competency,
            stage=CycleStage.CLOSED if closed else CycleStage.ACT,
            before_p_deficit=0.8,
            before_measured_at=_at(5),
            after_p_deficit=0.3 if closed else None,
            after_measured_at=closed,
            closed_at=closed,
        )
    # Tutors: the world assigns one to other_org; three more in org_a, one inactive.
    tutor = w.users["tutor"]
    for educator in extra[:3]:
        SupportAssignment.objects.create(supporter=tutor, educator=educator, kind="tutor", region=w.r1)
    SupportAssignment.objects.create(supporter=tutor, educator=extra[3], kind="tutor", region=w.r1, active=False)
    SupportAssignment.objects.filter(kind="tutor").update(assigned_at=_at(6))
    # Practices: two in the bank in org_a, one in org_c, a draft (not counted).
    bank_a = _practice(w.org_a, PracticeStatus.INCLUDED, _at(5))
    _practice(w.org_a, PracticeStatus.RECOMMENDED, _at(2))
    bank_c = _practice(w.org_c, PracticeStatus.INCLUDED, _at(4))
    _practice(w.org_b, PracticeStatus.DRAFT, None)
    for practice, org, months_ago in [(bank_c, w.org_b, 1), (bank_c, w.org_d, 1), (bank_a, w.org_b, 2)]:
        Replication.objects.create(
            practice=practice,
            organization=org,
            region=org.region,
            implemented_on=_at(months_ago).date(),
            adapted="a",
            results="r",
        )
    # Network: a community hosted by org_a, one without a host (its events count at the
    # creator's organization), events ended in past months and one still ahead.
    hosted = Community.objects.create(region=w.r1, organization=w.org_a, title="МО", created_by=w.users["regional"])
    unhosted = Community.objects.create(region=w.r1, title="Сеть", created_by=w.users["teacher"])
    for community, months_ago in [(hosted, 1), (hosted, 1), (hosted, 2), (unhosted, 1)]:
        starts = _at(months_ago)
        Event.objects.create(
            community=community,
            region=w.r1,
            kind=EventKind.WEBINAR,
            title="Вебинар",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            capacity=30,
            registration_deadline=starts,
            created_by=community.created_by,
        )
    ahead = timezone.now() + dt.timedelta(days=40)
    Event.objects.create(
        community=hosted,
        region=w.r1,
        kind=EventKind.WEBINAR,
        title="Потом",
        starts_at=ahead,
        ends_at=ahead + dt.timedelta(hours=1),
        capacity=30,
        registration_deadline=ahead,
        created_by=w.users["regional"],
    )
    for educator in [w.self_educator, *extra[:4]]:
        if educator.user is None:
            educator.user = make_user(f"u{educator.pk}")
            educator.save(update_fields=["user"])
        for community in (hosted, unhosted):  # two communities, one person: counted once
            Membership.objects.create(community=community, user=educator.user, region=w.r1, status=MemberStatus.ACTIVE)
    other = make_educator(w.org_c, "Ждущая", user=make_user("waiting"))
    Membership.objects.create(community=hosted, user=other.user, region=w.r1, status=MemberStatus.PENDING)
    Membership.objects.update(created_at=_at(2))
    Educator.objects.update(created_at=_at(12))  # in the directory for a year: the history has denominators
    return w


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    after = add_months(month, 1)
    return (
        dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC),
        dt.datetime(after.year, after.month, 1, tzinfo=dt.UTC),
    )


def _event_host(e: Event) -> int:
    return e.community.organization_id or Educator.objects.get(user=e.created_by).organization_id


# Each element recounted in Python over every record: (organization id, person or None) pairs.
INDEPENDENT = {
    "consultations_held": lambda start, end: [
        (c.educator.organization_id, None)
        for c in Consultation.objects.all()
        if c.status == "held" and start <= c.held_at < end
    ],
    "mentoring_pairs": lambda start, end: [
        (m.mentee.organization_id, None)
        for m in Mentorship.objects.all()
        if m.status in ("active", "finished") and m.decided_at < end and (m.finished_at is None or m.finished_at >= end)
    ],
    "cycles_closed": lambda start, end: [
        (c.educator.organization_id, None)
        for c in ReflectionCycle.objects.all()
        if c.stage == "closed" and start <= c.closed_at < end
    ],
    "educators_with_tutor": lambda start, end: [
        (a.educator.organization_id, a.educator_id)
        for a in SupportAssignment.objects.all()
        if a.kind == "tutor" and a.active and a.assigned_at < end
    ],
    "practices_in_bank": lambda start, end: [
        (p.organization_id, None)
        for p in Practice.objects.all()
        if p.status in ("included", "recommended") and p.published_at < end
    ],
    "practice_replications": lambda start, end: [
        (r.organization_id, None) for r in Replication.objects.all() if start.date() <= r.implemented_on < end.date()
    ],
    "network_events_held": lambda start, end: [
        (_event_host(e), None) for e in Event.objects.all() if start <= e.ends_at < min(end, timezone.now())
    ],
    "community_members": lambda start, end: [
        (m.user.educator.organization_id, m.user_id)
        for m in Membership.objects.all()
        if m.status == "active" and m.created_at < end
    ],
}


def _independent(code: str, month: dt.date) -> dict[int, int]:
    """The element at each organization in a month, counted in Python over the records."""
    pairs = INDEPENDENT[code](*_bounds(month))
    counts: dict[int, int] = {}
    seen = set()
    for org_id, person in pairs:
        if person is not None:  # people counted once
            if person in seen:
                continue
            seen.add(person)
        counts[org_id] = counts.get(org_id, 0) + 1
    return counts


@pytest.mark.parametrize("code", NEW_ELEMENTS)
def test_each_element_equals_an_independent_count_and_rolls_up(active, code):
    build = services.analytics_build()
    now = month_start(timezone.now().date())
    facts = Fact.objects.filter(build=build, element=code)
    seen = 0
    for months_ago in range(7):
        month = add_months(now, -months_ago)
        expected = _independent(code, month)
        got = dict(facts.filter(level=Level.ORGANIZATION, month=month).values_list("unit_id", "value"))
        assert got == expected, (code, month)
        seen += sum(expected.values())
        regions: dict[int, int] = {}
        munis: dict[int, int] = {}
        for org_id, n in expected.items():
            org = Organization.objects.get(pk=org_id)
            regions[org.region_id] = regions.get(org.region_id, 0) + n
            munis[org.municipality_id] = munis.get(org.municipality_id, 0) + n
        assert dict(facts.filter(level=Level.MUNICIPALITY, month=month).values_list("unit_id", "value")) == munis
        assert dict(facts.filter(level=Level.REGION, month=month).values_list("unit_id", "value")) == regions
        federal = facts.filter(level=Level.FEDERAL, month=month).values_list("value", flat=True).first()
        assert (federal or 0) == sum(expected.values())
    assert seen, f"the fixture gives {code} no value in any month"


PASSPORTS = {
    "consultations_per_1000": (["consultations_held"], ["educators"]),
    "mentoring_pairs": (["mentoring_pairs"], []),
    "tutor_share": (["educators_with_tutor"], ["educators"]),
    "cycles_closed": (["cycles_closed"], []),
    "practices_in_bank": (["practices_in_bank"], []),
    "practices_replicated": (["practice_replications"], []),
    "events_held": (["network_events_held"], []),
    "community_share": (["community_members"], ["educators"]),
}


@pytest.mark.parametrize("code", PASSPORTS)
def test_passports_over_the_new_elements_add_up_from_organizations_to_the_country(active, code):
    services.analytics_build()
    indicator = Indicator.objects.get(code=code)
    version = indicator.versions.order_by("-version").first()
    assert (version.numerator, version.denominator) == PASSPORTS[code]
    period = str(timezone.now().year)
    prior = str(timezone.now().year - 1)
    for when in (period, prior):
        country = queries.indicator_values(indicator=indicator, level=Level.FEDERAL, period=when, unit_ids=[0])
        regions = queries.indicator_values(indicator=indicator, level=Level.REGION, period=when)
        total = country[0].numerator if country else 0
        assert sum(r.numerator for r in regions) == total
        for region in regions:
            munis = queries.indicator_values(
                indicator=indicator, level=Level.MUNICIPALITY, period=when, region_id=region.unit_id
            )
            assert sum(m.numerator for m in munis) == region.numerator
            if PASSPORTS[code][1]:
                assert sum(m.denominator for m in munis) == region.denominator


def test_consultations_per_1000_and_the_counts_behind_it(active):
    w = active
    services.analytics_build()
    month = add_months(month_start(timezone.now().date()), -1)
    row = queries.indicator_values(
        indicator=Indicator.objects.get(code="consultations_per_1000"),
        level=Level.REGION,
        period=f"{month:%Y-%m}",
        unit_ids=[w.r1.pk],
    )[0]
    educators = Educator.objects.filter(region=w.r1, is_active=True).count()
    assert (row.numerator, row.denominator) == (3, educators)
    assert row.value == pytest.approx(3000 / educators)


def test_small_groups_are_hidden_below_the_region_but_things_are_not(active):
    """Mentoring pairs count people (5 in org_a: shown; 1 in org_b: hidden); practices in the
    bank count things, not people, and are shown however few."""
    w = active
    services.analytics_build()
    month = add_months(month_start(timezone.now().date()), -2)

    def value(code, level, unit):
        return queries.indicator_values(
            indicator=Indicator.objects.get(code=code),
            level=level,
            period=f"{month:%Y-%m}",
            unit_ids=[unit],
            suppress=True,
        )[0]

    assert value("mentoring_pairs", Level.ORGANIZATION, w.org_a.pk).numerator == 5
    hidden = value("mentoring_pairs", Level.ORGANIZATION, w.org_b.pk)
    assert hidden.suppressed and hidden.numerator is None and hidden.value is None
    assert not value("mentoring_pairs", Level.REGION, w.r1.pk).suppressed
    bank = value("practices_in_bank", Level.ORGANIZATION, w.org_a.pk)
    assert not bank.suppressed and bank.numerator == 2


def test_the_registry_names_the_publishing_apps():
    assert {ELEMENTS[c].app for c in NEW_ELEMENTS} == {"support", "practices"}
    assert {c for c in NEW_ELEMENTS if ELEMENTS[c].aggregation == "flow"} == {
        "consultations_held",
        "cycles_closed",
        "practice_replications",
        "network_events_held",
    }


def test_the_elements_one_query_forms_give_the_rows_of_their_monthly_counts(active):
    from tests.monitoring.element_queries import assert_element_queries_match_sources

    assert assert_element_queries_match_sources() > 0

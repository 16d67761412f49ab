"""The demo generator: deterministic, believable, and within every model constraint."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from statistics import mean

import pytest
from django.core.management import call_command
from django.utils import timezone

from efs.demo import generator
from efs.people.models import Educator, Municipality, Organization, Region, RoleAssignment, User
from efs.people.validators import inn_is_valid, snils_is_valid

pytestmark = pytest.mark.xdist_group("demo")


def _regions():
    return {code: (i, "Столица") for i, code in enumerate(generator.region_targets(1), start=1)}


def _rows(seed: int, educators: int = 1500):
    return list(generator.generate(seed=seed, regions=_regions(), scale="region", educators=educators))[0]


def test_same_seed_same_rows_and_another_seed_other_rows():
    first, again, other = _rows(7), _rows(7), _rows(8)
    assert first == again
    assert first.educators != other.educators


def test_default_region_reads_like_krasnoyarsk_krai():
    rows = _rows(2026, educators=5000)
    assert len(rows.educators) == 5000
    names = {m.name for m in rows.municipalities}
    assert {
        "Красноярск",
        "Норильск",
        "Ачинск",
        "ЗАТО г. Железногорск",
        "Таймырский Долгано-Ненецкий муниципальный район",
        "Эвенкийский муниципальный район",
    } <= names
    kinds = Counter(o.kind for o in rows.organizations)
    assert kinds["ipk"] == kinds["cnppm"] == kinds["ministry"] == 1
    assert 180 <= kinds["school"] + kinds["kindergarten"] <= 230
    short = {o.short_name for o in rows.organizations}
    assert {"ККИПК и ППРО", "КГПУ им. В.П. Астафьева"} <= short
    every_municipality_has_a_school = {o.municipality_id for o in rows.organizations if o.kind == "school"}
    assert every_municipality_has_a_school == {m.id for m in rows.municipalities}


def test_distributions_are_plausible():
    rows = _rows(2026, educators=5000)
    teachers = [e for e in rows.educators if e.category == "teacher"]
    ages = [(generator.REFERENCE_DATE - e.birth_date).days / 365.25 for e in teachers]
    assert 43 <= mean(ages) <= 50
    assert min(ages) >= 21 and max(ages) < 74
    categories = Counter(e.category for e in rows.educators)
    assert 0.85 <= categories["teacher"] / 5000 <= 0.95
    assert 0.03 <= categories["manager"] / 5000 <= 0.08
    assert 0.02 <= categories["student"] / 5000 <= 0.05
    positions = Counter(e.position for e in teachers)
    assert positions["воспитатель"] > positions["учитель математики"] > positions["учитель физики"]
    assert all(e.experience_years <= (generator.REFERENCE_DATE - e.birth_date).days // 365 - 18 for e in teachers)
    young = [e for e in teachers if e.experience_years < 2]
    assert all(e.qualification_category in ("none", "compliance") for e in young)
    assert all(e.subjects for e in rows.educators if e.position.startswith("учитель "))


def test_identifiers_are_valid_and_unique():
    rows = _rows(3, educators=3000)
    snils = [e.snils for e in rows.educators]
    inns = [o.inn for o in rows.organizations]
    assert len(set(snils)) == len(snils) and all(snils_is_valid(s) for s in snils)
    assert len(set(inns)) == len(inns) and all(inn_is_valid(i) and i.startswith("24") for i in inns)


def test_country_targets_add_up_and_follow_population():
    targets = generator.region_targets(1_200_000)
    assert len(targets) == 89 and sum(targets.values()) == 1_200_000
    assert targets["77"] > targets["24"] > targets["87"]


def test_demo_command_writes_a_region_that_passes_model_validation(demo):
    assert "teacher" in demo and "regional" in demo
    region = Region.objects.get(code="24")
    assert Educator.objects.filter(region=region).count() == 1200
    assert Municipality.objects.filter(region=region).count() == 61
    for educator in Educator.objects.select_related("organization")[:400]:
        educator.full_clean(exclude=["user"])
        assert educator.organization.region_id == educator.region_id
    for organization in Organization.objects.all()[:100]:
        organization.full_clean()
    # the region's own passports, with values from the build that followed them
    from efs.monitoring.models import Indicator
    from efs.monitoring.queries import indicator_values

    own = Indicator.objects.filter(region=region).prefetch_related("versions")
    assert {i.code for i in own} == {"r24_trained_per_1000", "r24_remeasured_share"}
    trained = indicator_values(
        indicator=own.get(code="r24_trained_per_1000"), level="region", period=str(dt.date.today().year)
    )
    assert trained and trained[0].denominator and trained[0].formula_version == 1
    assert Educator.objects.filter(subjects__isnull=False).distinct().count() > 1000
    # one login per role, and the teacher is a real person of the region
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == {
        "teacher",
        "tutor",
        "mentor",
        "school_head",
        "municipal_operator",
        "provider",
        "expert",
        "regional_operator",
        "federal_operator",
    }
    teacher = User.objects.get(username="teacher")
    assert teacher.educator.position == "учитель математики" and teacher.check_password("demo")
    # the head takes the managers' diagnostics, the student the students'
    from django.test import Client

    head, student = User.objects.get(username="head"), User.objects.get(username="student")
    assert (head.educator.category, student.educator.category) == ("manager", "student")
    for user, assessment in ((head, "manager-adaptive"), (student, "student-adaptive")):
        client = Client()
        client.force_login(user)
        page = client.get("/diagnostics/")
        from efs.diagnostics.models import Assessment

        assert page.status_code == 200 and Assessment.objects.get(code=assessment).title in page.content.decode()
    assert "| `student` |" in (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    # the region processes personal data on the basis of consent; the people the demo supports gave it
    from efs.people.models import SupportAssignment

    assert region.personal_data_basis == "consent"
    supported = SupportAssignment.objects.values_list("educator_id", flat=True)
    assert not Educator.objects.filter(pk__in=supported).exclude(consents__document__kind="personal_data").exists()
    # macroregions: the federal districts and the strategic-session team
    from efs.people.models import Macroregion

    assert Macroregion.objects.count() == 9
    assert Macroregion.objects.get(name="Сибирский федеральный округ").regions.filter(code="24").exists()
    # ids continue after the generated rows
    Educator.objects.create(
        region=region, last_name="Новая", first_name="Запись", category="teacher", position="учитель"
    )


def test_demo_refuses_a_second_run_unless_if_empty(demo, capsys):
    from django.core.management.base import CommandError

    count = Educator.objects.count()
    call_command("demo", if_empty=True)
    assert "already has data" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("demo", educators=300, no_diagnostics=True)
    assert Educator.objects.count() == count


def test_reference_date_is_fixed():
    assert generator.REFERENCE_DATE == dt.date(2026, 9, 1)


def test_demo_simulates_a_first_wave_of_diagnostics(demo):
    from django.db.models import Count

    from efs.diagnostics.models import Attempt, CompetencyResult, Response

    assert "first wave" in demo
    attempts = Attempt.objects.all()
    # a first wave of about a third to three fifths of the region (of 1 200: 375–750 people);
    # the second wave re-measures some of them (support's effects)
    assert 375 <= attempts.values("educator").distinct().count() <= 750
    # the demo teacher has taken the adaptive diagnostics; every other demo login starts fresh
    logins = attempts.filter(educator__user__isnull=False).exclude(
        educator__user__username__startswith="educator"
    )  # not the logins the past season and support gave people
    assert list(logins.values_list("educator__user__username", "assessment__code")) == [("teacher", "teacher-adaptive")]
    attempts = attempts.filter(educator__user__isnull=True)
    assert all(
        a.consent.document.kind == "diagnostics" and a.consent.given_at <= a.started_at
        for a in attempts.select_related("consent__document")[:50]
    )
    per_attempt = set(
        Response.objects.filter(attempt__in=attempts)
        .values("attempt_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert min(per_attempt) >= 8 * 3  # at least three competencies, eight items each
    decisions = set(CompetencyResult.objects.values_list("decision", flat=True))
    assert decisions == {"deficit", "uncertain", "no_deficit"}
    _the_past_season_is_settled()
    # the data elements' one-query forms (monitoring's build) count the demo's year as their
    # monthly forms do: routes, re-diagnoses, certificates, enrollments, support, practices
    from tests.monitoring.element_queries import assert_element_queries_match_sources

    assert assert_element_queries_match_sources() > 0
    # whoever took part, or has a route or an enrollment, consented to the processing of personal data
    from efs.financing.models import Enrollment
    from efs.routes.models import Route

    processed = set(Attempt.objects.values_list("educator_id", flat=True)) | set(
        Route.objects.values_list("educator_id", flat=True)
    )
    processed |= set(Enrollment.objects.values_list("educator_id", flat=True))
    consented = set(
        Educator.objects.filter(
            consents__document__kind="personal_data", consents__withdrawn_at__isnull=True
        ).values_list("pk", flat=True)
    )
    assert processed and processed <= consented
    # the tutor has a real file to open among the demo teacher's evidence
    from efs.routes.models import Evidence

    evidence = Evidence.objects.get(item__route__educator__user__username="teacher")
    assert evidence.file_name.endswith(".pdf") and evidence.file.open("rb").read(4) == b"%PDF"


def _the_past_season_is_settled():
    """Cohorts that ran and finished: outcomes posted, a payment made, the act shows the services
    rendered, the same figure on the fund page; one ended cohort waits for the provider."""
    from django.test import Client

    from efs.financing.models import Enrollment
    from efs.financing.queries import federal_summary, overview, statement

    if timezone.localdate() < dt.date(timezone.localdate().year, 4, 10):
        return  # too early in the year for a past season
    region = Region.objects.get(code="24")
    done = Enrollment.objects.filter(status="completed")
    assert done.count() == 5 and Enrollment.objects.filter(status="not_completed").count() == 1
    waiting = Enrollment.objects.filter(status="accepted", cohort__end_date__lt=timezone.localdate())
    assert waiting.count() == 6
    provider = done.first().provider
    act = statement(provider, region, timezone.localdate().replace(day=1))
    assert act.rendered == sum(e.certificate_amount + e.copay_amount for e in done) and 0 < act.paid < act.rendered
    fund = overview(region, timezone.localdate().year)
    assert fund.rendered == sum(e.certificate_amount for e in done) > 0
    assert [r.rendered for r in federal_summary(timezone.localdate().year) if r.region == region] == [fund.rendered]
    staff = Client()
    staff.force_login(User.objects.get(username="provider"))
    page = staff.get("/financing/provider/").content.decode()
    assert f"/financing/provider/cohorts/{waiting.first().cohort_id}/outcomes/" in page

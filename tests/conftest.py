"""Shared fixtures. Data is made through the real services wherever one exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from efs.people.models import (
    Educator,
    Macroregion,
    Municipality,
    Organization,
    Region,
    Role,
    Scope,
    Subject,
    User,
)
from efs.people.services import role_grant, support_assign
from efs.people.validators import inn_with_checksum, snils_with_checksum


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_use_migrations, django_db_keepdb
):
    """Each worker's test database is a copy of one migrated template (tests/dbtemplate.py)."""
    from django.db import connections

    from tests import dbtemplate

    if dbtemplate.enabled() and django_db_use_migrations and not django_db_keepdb:
        for connection in connections.all():
            dbtemplate.install(connection)


@dataclass
class World:
    """Two regions; in the first, two municipalities; orgs A and B in M1, C in M2, D in R2.
    The macroregion «Сибирь» holds both regions; its regional operator (`macroregional`, home
    region R2) acts on both through the one grant."""

    r1: Region
    r2: Region
    m1: Municipality
    m2: Municipality
    org_a: Organization
    org_b: Organization
    org_c: Organization
    org_d: Organization
    self_educator: Educator  # the teacher's own record, org A
    same_org: Educator  # org A
    other_org: Educator  # org B, same municipality
    other_muni: Educator  # org C, other municipality of R1
    other_region: Educator  # org D, region R2
    users: dict[str, User]

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(self.users[who])
        return client


_counter = {"n": 100}


def make_org(region: Region, municipality: Municipality | None, name: str, kind: str = "school") -> Organization:
    _counter["n"] += 1
    return Organization.objects.create(
        region=region,
        municipality=municipality,
        kind=kind,
        name=name,
        short_name=name,
        inn=inn_with_checksum(f"{region.code}55{_counter['n']:05d}"),
    )


def make_educator(
    org: Organization,
    last_name: str,
    *,
    category: str = "teacher",
    user: User | None = None,
    subjects=(),
    consent: bool = True,
) -> Educator:
    """An educator; `consent`: they gave consent to the processing of personal data (the
    regions of the tests process on that basis, the default)."""
    _counter["n"] += 1
    educator = Educator.objects.create(
        region=org.region,
        organization=org,
        user=user,
        last_name=last_name,
        first_name="Анна",
        middle_name="Петровна",
        birth_date=dt.date(1985, 3, 12),
        snils=snils_with_checksum(f"{123000000 + _counter['n']:09d}"),
        category=category,
        position="учитель математики",
        experience_years=12,
        qualification_category="first",
    )
    if subjects:
        educator.subjects.set(Subject.objects.filter(code__in=subjects))
    if consent:
        give_personal_data_consent(educator)
    return educator


def give_personal_data_consent(educator: Educator) -> None:
    """The consent as the person gives it on paper or on the «My consents» page."""
    from django.utils import timezone

    from efs.people.models import Consent, ConsentDocument, ConsentKind

    document = ConsentDocument.objects.filter(kind=ConsentKind.PERSONAL_DATA).order_by("-published_at").first()
    Consent.objects.create(
        educator=educator,
        document=document,
        region_id=educator.region_id,
        given_at=timezone.now(),
        given_by=educator.user,
    )


def make_user(username: str) -> User:
    return User.objects.create_user(username=username, password="pw-" + username, first_name=username.title())


@pytest.fixture
def reference_data(db) -> None:
    """Regions, subjects, consent texts and the review criteria; reloaded when a transactional
    test flushed them (a flush also empties what data migrations wrote)."""
    load_reference_data()


def load_reference_data() -> None:
    if not Region.objects.exists():
        from django.apps import apps

        from efs.people.reference import load

        load(apps)
    from efs.catalog.models import ReviewCriterion

    if not ReviewCriterion.objects.exists():
        from importlib import import_module

        criteria = import_module("efs.catalog.migrations.0002_search_and_criteria").CRITERIA
        for order, (code, title, description) in enumerate(criteria, start=1):
            ReviewCriterion.objects.create(code=code, title=title, description=description, max_score=2, order=order)


@pytest.fixture
def world(reference_data) -> World:
    r1 = Region.objects.get(code="24")
    r2 = Region.objects.get(code="54")
    m1 = Municipality.objects.create(region=r1, name="Красноярск", kind="city_district")
    m2 = Municipality.objects.create(region=r1, name="Ачинск", kind="city_district")
    m3 = Municipality.objects.create(region=r2, name="Новосибирск", kind="city_district")
    org_a = make_org(r1, m1, "МБОУ СШ № 1")
    org_b = make_org(r1, m1, "МБОУ СШ № 2")
    org_c = make_org(r1, m2, "МБОУ СОШ № 3")
    org_d = make_org(r2, m3, "МБОУ СОШ № 4")
    from tests.matrix import LOGGED_IN

    users = {name: make_user(name) for name in LOGGED_IN}
    self_educator = make_educator(org_a, "Иванова", user=users["teacher"], subjects=["mathematics"])
    same_org = make_educator(org_a, "Петрова")
    other_org = make_educator(org_b, "Сидорова")
    other_muni = make_educator(org_c, "Кузнецова")
    other_region = make_educator(org_d, "Смирнова")
    role_grant(user=users["teacher"], role=Role.TEACHER, scope=Scope.SELF, region=r1)
    role_grant(user=users["school_head"], role=Role.SCHOOL_HEAD, scope=Scope.ORGANIZATION, organization=org_a)
    role_grant(user=users["municipal"], role=Role.MUNICIPAL_OPERATOR, scope=Scope.MUNICIPALITY, municipality=m1)
    role_grant(user=users["regional"], role=Role.REGIONAL_OPERATOR, scope=Scope.REGION, region=r1)
    role_grant(user=users["regional_other"], role=Role.REGIONAL_OPERATOR, scope=Scope.REGION, region=r2)
    siberia = Macroregion.objects.create(name="Сибирь (тестовый мир)")
    siberia.regions.set([r1, r2])
    role_grant(
        user=users["macroregional"],
        role=Role.REGIONAL_OPERATOR,
        scope=Scope.MACROREGION,
        region=r2,
        macroregion=siberia,
    )
    role_grant(user=users["federal"], role=Role.FEDERAL_OPERATOR, scope=Scope.FEDERAL)
    role_grant(user=users["tutor"], role=Role.TUTOR, scope=Scope.ASSIGNED, region=r1)
    role_grant(user=users["mentor"], role=Role.MENTOR, scope=Scope.ASSIGNED, region=r1)
    role_grant(
        user=users["provider"],
        role=Role.PROVIDER,
        scope=Scope.ORGANIZATION,
        organization=make_org(r1, m1, "ККИПК", kind="ipk"),
    )
    role_grant(user=users["expert"], role=Role.EXPERT, scope=Scope.ASSIGNED, region=r1)
    support_assign(supporter=users["tutor"], educator=other_org, kind=Role.TUTOR)
    support_assign(supporter=users["mentor"], educator=same_org, kind=Role.MENTOR)
    return World(
        r1, r2, m1, m2, org_a, org_b, org_c, org_d, self_educator, same_org, other_org, other_muni, other_region, users
    )


def queries_of(client: Client, url: str) -> int:
    """How many SQL queries one GET makes (the page must answer 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached aggregates (the deficit map's daily snapshots, home figures) never outlive a test:
    row ids repeat after a rollback, so a stale entry could look like this test's data."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# The pure engines' tests (import-linter keeps the engines free of Django) touch no database:
# the PostgreSQL pass would repeat them to the same result, so it leaves them to the SQLite pass.
# A test there that asks for a database fixture still runs on both.
DATABASE_FREE_PACKAGES = ("tests/psychometrics/", "tests/planner/")
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # `--dist loadgroup` sends an `xdist_group` to one worker by a suffix pytest-xdist adds to
    # each node id; where the pytest in use ignores it, the demo region (tests/demo) would be
    # made once per worker. Fail instead of slowing down unnoticed.
    if config.getoption("loadgroup", default=False) and any(
        item.get_closest_marker("xdist_group") and "@" not in item.nodeid for item in items
    ):
        raise pytest.UsageError("pytest-xdist could not group the xdist_group tests with this pytest version")
    _leave_database_free_tests_to_sqlite(config, items)
    _skip_postgres_only_elsewhere(items)


def _skip_postgres_only_elsewhere(items):
    """`@pytest.mark.postgres_only`: what exists only on PostgreSQL (the analytics build's
    worker sessions, partitions) is skipped on SQLite, saying so."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: this pass runs on SQLite")
    for item in items:
        if item.get_closest_marker("postgres_only"):
            item.add_marker(skip)


def _leave_database_free_tests_to_sqlite(config, items):
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    repeated = [
        item
        for item in items
        if item.nodeid.startswith(DATABASE_FREE_PACKAGES)
        and not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        and not item.get_closest_marker("django_db")
    ]
    if repeated:
        config.hook.pytest_deselected(items=repeated)
        chosen = set(map(id, repeated))
        items[:] = [item for item in items if id(item) not in chosen]

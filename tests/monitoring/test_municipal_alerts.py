"""Targets cascade to municipalities; a municipality that falls behind tells its operators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.monitoring import services
from efs.monitoring.models import Indicator, Level
from efs.people.models import Notification, Role, Scope
from efs.people.services import role_grant
from tests.conftest import make_educator, make_org, make_user
from tests.monitoring.test_monitoring import _diagnose, diagnosed  # noqa: F401  (the fixture)

# December: the trajectory expects the whole target by then, so a value below it is behind
# whatever the month the test runs in.
DECEMBER = dt.date(timezone.now().year, 12, 20)


@pytest.fixture
def krasnoyarsk(diagnosed):  # noqa: F811
    """Municipality m1 with 10 educators, 5 of them diagnosed (50 %, shown: no cell under 5);
    m2 with its one educator, diagnosed (hidden below the region level); an operator for each."""
    w = diagnosed
    for n in range(7):
        educator = make_educator(make_org(w.r1, w.m1, f"МБОУ СОШ № {10 + n}"), f"Новикова{n}")
        if n < 3:
            _diagnose(educator)
    w.users["municipal_m2"] = make_user("municipal_m2")
    role_grant(user=w.users["municipal_m2"], role=Role.MUNICIPAL_OPERATOR, scope=Scope.MUNICIPALITY, municipality=w.m2)
    services.analytics_build(today=DECEMBER)
    return w


def _told(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, key__startswith="monitoring-behind:"))


def test_a_cascaded_target_missed_tells_the_municipal_operator_once_a_month(krasnoyarsk):
    w = krasnoyarsk
    indicator = Indicator.objects.get(code="diagnosed_share")
    services.target_set(
        actor=w.users["regional"],
        indicator=indicator,
        year=DECEMBER.year,
        level=Level.REGION,
        unit_id=w.r1.pk,
        value="90",
        cascade=True,
    )

    assert services.alert_municipalities_behind(today=DECEMBER) == 1

    (message,) = _told(w.users["municipal"])
    assert message.key == f"monitoring-behind:diagnosed_share:m{w.m1.pk}:{DECEMBER:%Y-%m}"
    assert "Красноярск" in message.title and indicator.name in message.title
    assert "50" in message.body and "90" in message.body
    assert message.url == f"/monitoring/indicators/diagnosed_share/?level=municipality&unit={w.m1.pk}"
    # m2 rests on one person: hidden, so not judged; the regional operator is not a municipality's owner
    assert _told(w.users["municipal_m2"]) == []
    assert _told(w.users["regional"]) == []
    # once a month
    assert services.alert_municipalities_behind(today=DECEMBER) == 0
    assert len(_told(w.users["municipal"])) == 1


def test_a_municipality_at_its_own_target_is_not_told(krasnoyarsk):
    w = krasnoyarsk
    indicator = Indicator.objects.get(code="diagnosed_share")
    services.target_set(
        actor=w.users["regional"],
        indicator=indicator,
        year=DECEMBER.year,
        level=Level.REGION,
        unit_id=w.r1.pk,
        value="90",
        cascade=True,
    )
    services.target_set(  # the municipality's own target, which it has reached
        actor=w.users["municipal"],
        indicator=indicator,
        year=DECEMBER.year,
        level=Level.MUNICIPALITY,
        unit_id=w.m1.pk,
        value="40",
    )

    assert services.alert_municipalities_behind(today=DECEMBER) == 0
    assert _told(w.users["municipal"]) == []


def test_the_monthly_job_tells_regions_owners_and_municipalities(krasnoyarsk):
    w = krasnoyarsk
    indicator = Indicator.objects.get(code="diagnosed_share")
    indicator.owner = w.users["regional"]
    indicator.save()
    services.target_set(
        actor=w.users["regional"],
        indicator=indicator,
        year=DECEMBER.year,
        level=Level.REGION,
        unit_id=w.r1.pk,
        value="90",
        cascade=True,
    )

    assert services.alert_owners_behind(today=DECEMBER) == 2  # the region to its owner, m1 to its operator

    assert [n.key for n in _told(w.users["regional"])] == [
        f"monitoring-behind:diagnosed_share:{w.r1.pk}:{DECEMBER:%Y-%m}"
    ]
    assert len(_told(w.users["municipal"])) == 1

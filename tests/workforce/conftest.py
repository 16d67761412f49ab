"""A small staffed region on top of the World fixture, made through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from efs.people.models import Subject
from efs.workforce import services
from efs.workforce.models import ClassCount, FirstGradeEntry, Post
from tests.web.test_browser import browser_page  # noqa: F401 (the browser tests' fixture)

START = dt.date(2020, 9, 1)


@dataclass
class Staffed:
    math_a: Post  # org A (M1): the teacher holds 1.75 (overloaded)
    math_b: Post  # org A (M1): same_org holds 1.0
    physics_b: Post  # org B (M1): other_org holds 1.0 outside their field
    math_c: Post  # org C (M2): other_muni holds 1.0
    physics_c: Post  # org C (M2): vacant


def staff_world(world) -> Staffed:
    regional = world.users["regional"]
    services.federal_curriculum_load()
    services.leave_rates_set(
        actor=regional,
        region=world.r1,
        bands=[services.Band(14, 59, Decimal("0.05")), services.Band(60, 70, Decimal("0.2"))],
    )
    math, physics = Subject.objects.get(code="mathematics"), Subject.objects.get(code="physics")
    posts = {}
    for name, org, subject, fte in (
        ("math_a", world.org_a, math, "2.00"),
        ("math_b", world.org_a, math, "1.00"),
        ("physics_b", world.org_b, physics, "1.00"),
        ("math_c", world.org_c, math, "1.00"),
        ("physics_c", world.org_c, physics, "1.00"),
    ):
        posts[name] = services.post_open(
            actor=regional,
            organization=org,
            subject=subject,
            position="учитель",
            fte=Decimal(fte),
            opened_on=START,
        )
    services.post_fill(
        actor=regional,
        post=posts["math_a"],
        educator=world.self_educator,
        fte=Decimal("1.75"),
        started_on=START,
    )
    services.post_fill(
        actor=regional,
        post=posts["math_b"],
        educator=world.same_org,
        fte=Decimal("1.00"),
        started_on=START,
    )
    services.post_fill(
        actor=regional,
        post=posts["physics_b"],
        educator=world.other_org,
        fte=Decimal("1.00"),
        started_on=START,
        out_of_field=True,
    )
    services.post_fill(
        actor=regional,
        post=posts["math_c"],
        educator=world.other_muni,
        fte=Decimal("1.00"),
        started_on=START,
    )
    for org in (world.org_a, world.org_c):
        for grade in range(1, 12):
            ClassCount.objects.create(
                region=world.r1,
                organization=org,
                year=2026,
                grade=grade,
                classes=2,
                pupils=50 - grade,
            )
    FirstGradeEntry.objects.create(region=world.r1, municipality=world.m1, year=2027, pupils=80)
    return Staffed(**posts)


@pytest.fixture
def staffed(world) -> Staffed:
    return staff_world(world)

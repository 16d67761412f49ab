"""A coordination council of region 24 made through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from efs.coordination import services
from efs.coordination.models import Council, CouncilMember
from efs.people.models import Organization, User
from tests.conftest import make_org, make_user


@dataclass
class Board:
    council: Council
    ministry: Organization
    ipk: Organization
    cnppm: Organization
    chair: CouncilMember
    secretary: CouncilMember
    head: CouncilMember  # the school head of org A, a member
    methodist: CouncilMember  # CNPPM
    teacher_member: CouncilMember  # the teacher of org A (a school's voice)
    outsider: User  # a login that is not on the council


def make_board(world) -> Board:
    regional = world.users["regional"]
    council = services.council_create(
        actor=regional,
        region=world.r1,
        name="Координационный совет РС НМС Красноярского края",
        basis="Приказ министерства образования № 1-к от 10.01.2026",
        address="Красноярск, ул. Ленина, 123",
    )
    ministry = make_org(world.r1, None, "Министерство образования", kind="ministry")
    ipk = make_org(world.r1, world.m1, "ККИПК", kind="ipk")
    cnppm = make_org(world.r1, world.m1, "ЦНППМ", kind="cnppm")
    start = timezone.localdate() - dt.timedelta(days=400)

    def add(user, org, role):
        return services.member_add(
            actor=regional, council=council, user=user, organization=org, role=role, term_start=start
        )

    return Board(
        council=council,
        ministry=ministry,
        ipk=ipk,
        cnppm=cnppm,
        chair=add(make_user("chair"), ministry, "chair"),
        secretary=add(make_user("secretary"), ipk, "secretary"),
        head=add(world.users["school_head"], world.org_a, "member"),
        methodist=add(make_user("methodist"), cnppm, "member"),
        teacher_member=add(world.users["teacher"], world.org_a, "member"),
        outsider=make_user("outsider"),
    )


@pytest.fixture
def board(world) -> Board:
    return make_board(world)


def held_meeting(board: Board, present: list[CouncilMember], *, days_ago: int = 1):
    meeting = services.meeting_schedule(
        actor=board.chair.user,
        council=board.council,
        starts_at=timezone.now() - dt.timedelta(days=days_ago),
        place="Министерство, зал 1",
    )
    return services.attendance_record(actor=board.secretary.user, meeting=meeting, present=present)


def logged_in(user) -> Client:
    """A test client with `user` logged in."""
    client = Client()
    client.force_login(user)
    return client

"""One owner of what a user may do with a post (issue 12): ``access.post_actions``. The post page
shows a form exactly when ``GET /api/workforce/posts/{id}`` says the action is open, for every
role and state; an action it says is closed is refused by its service, and nothing changes.
And the FTE on the page reads as Russian writes it (a decimal comma, no «1.0»)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook

from efs.errors import DomainError
from efs.workforce import importexport, services
from efs.workforce.models import Post, PostEvent
from tests.workforce.conftest import START

pytestmark = pytest.mark.django_db

FORMS = {"can_fill": "fill", "can_end_holdings": "end", "can_change": "change", "can_close": "close"}


def _calls(world):
    return {
        "can_fill": lambda user, post: services.post_fill(
            actor=user, post=post, educator=world.other_org, fte=Decimal("0.25"), started_on=START
        ),
        "can_end_holdings": lambda user, post: services.assignment_end(
            actor=user,
            assignment=post.assignments.filter(ended_on__isnull=True).get(),
            ended_on=dt.date(2026, 6, 30),
            reason="retired",
        ),
        "can_change": lambda user, post: services.post_change(actor=user, post=post, fte=post.fte, position="учитель"),
        "can_close": lambda user, post: services.post_close(actor=user, post=post, closed_on=dt.date(2026, 10, 1)),
    }


def _held(world, staffed) -> Post:
    return staffed.math_a  # org A: the teacher holds 1.75 of 2


def _full(world, staffed) -> Post:
    post = staffed.math_a
    services.post_fill(
        actor=world.users["regional"], post=post, educator=world.same_org, fte=Decimal("0.25"), started_on=START
    )
    return post  # 2 of 2 held: nothing left to fill


def _vacant(world, staffed) -> Post:
    return services.post_open(
        actor=world.users["regional"],
        organization=world.org_a,
        subject=None,
        position="педагог-психолог",
        fte=Decimal("0.5"),
        opened_on=START,
    )


def _closed(world, staffed) -> Post:
    post = _vacant(world, staffed)
    return services.post_close(actor=world.users["regional"], post=post, closed_on=dt.date(2026, 1, 1))


STATES = {"held": _held, "full": _full, "vacant": _vacant, "closed": _closed}
EDITORS = ("school_head", "municipal", "regional", "federal")
EXPECTED = {
    "held": {"can_fill", "can_end_holdings", "can_change"},
    "full": {"can_end_holdings", "can_change"},
    "vacant": {"can_fill", "can_change", "can_close"},
    "closed": set(),
}


def _snapshot(post: Post) -> tuple:
    post = Post.objects.get(pk=post.pk)
    holdings = tuple(post.assignments.values_list("pk", "ended_on"))
    return post.fte, post.position, post.closed_on, holdings, post.events.count()


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("who", EDITORS)
def test_the_post_page_and_the_api_offer_the_same_actions_and_the_services_refuse_the_others(
    world, staffed, state, who
) -> None:
    post = STATES[state](world, staffed)
    client = world.client(who)
    page = client.get(f"/workforce/posts/{post.pk}/").content.decode()
    answer = client.get(f"/api/workforce/posts/{post.pk}")
    assert answer.status_code == 200
    actions = answer.json()["actions"]
    assert {key for key, on in actions.items() if on} == EXPECTED[state]
    for key, address in FORMS.items():
        assert (f'"/workforce/posts/{post.pk}/{address}/"' in page) is actions[key], key
    for key, call in _calls(world).items():
        if actions[key] or (key == "can_end_holdings" and not post.assignments.filter(ended_on__isnull=True).exists()):
            continue  # (nobody holds the post: there is no holding to end)
        before = _snapshot(post)
        with pytest.raises(DomainError):
            call(world.users[who], Post.objects.get(pk=post.pk))
        assert _snapshot(post) == before, key


def test_a_reader_outside_the_posts_school_gets_neither_page_nor_actions(world, staffed) -> None:
    """The school head of A cannot see a post of C: not found on the page and in the API; the
    service refuses to change it."""
    head = world.client("school_head")
    assert head.get(f"/workforce/posts/{staffed.physics_c.pk}/").status_code == 404
    assert head.get(f"/api/workforce/posts/{staffed.physics_c.pk}").status_code == 404
    assert world.client("teacher").get(f"/api/workforce/posts/{staffed.math_a.pk}").status_code == 403
    with pytest.raises(DomainError):
        services.post_close(actor=world.users["school_head"], post=staffed.physics_c, closed_on=dt.date(2026, 10, 1))
    assert Post.objects.get(pk=staffed.physics_c.pk).closed_on is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1.00"), "1"), (Decimal("1.0"), "1"), (Decimal("0.50"), "0,5"), (Decimal("1.25"), "1,25"), (10, "10")],
)
def test_fte_text_writes_a_decimal_comma_and_no_trailing_zeros(value, text) -> None:
    assert services.fte_text(value) == text


def test_the_post_page_writes_fte_with_a_comma_in_its_history_and_both_forms(world, staffed) -> None:
    book = Workbook()
    book.active.append([title for _, title in importexport.STAFFING_COLUMNS])
    book.active.append([world.org_a.inn, "Физика", "учитель физики", 1, "01.09.2024", "", "", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    importexport.staffing_import(actor=world.users["regional"], region=world.r1, content=buffer.getvalue())
    imported = Post.objects.get(position="учитель физики")
    assert imported.events.get().note == "1"
    page = world.client("regional").get(f"/workforce/posts/{imported.pk}/").content.decode()
    assert re.search(r"импортировано: 1[ <(]", page)
    assert "импортировано: 1.0" not in page and 'value="1.00"' not in page
    assert 'id="f-fte" name="fte" inputmode="decimal" value="1,00"' in page
    assert 'id="c-fte" name="fte" inputmode="decimal" value="1,00"' in page
    opened = PostEvent.objects.filter(post=staffed.math_a).values_list("kind", "note")
    assert list(opened) == [("opened", "2"), ("filled", f"{world.self_educator.pk}: 1,75")]


def test_the_fte_of_both_forms_is_read_back_with_a_comma(world, staffed) -> None:
    """The change form shows «2,00»; sent back as shown it is accepted (it was refused as «not a
    number» before the field was localized), and so is the fill form's «0,25»."""
    regional = world.client("regional")
    post = staffed.math_a
    changed = regional.post(f"/workforce/posts/{post.pk}/change/", {"position": "учитель математики", "fte": "2,50"})
    assert changed.status_code == 302
    post.refresh_from_db()
    assert post.fte == Decimal("2.50") and post.position == "учитель математики"
    filled = regional.post(
        f"/workforce/posts/{post.pk}/fill/",
        {"educator": world.other_org.pk, "fte": "0,25", "started_on": "2026-09-01"},
    )
    assert filled.status_code == 302
    assert post.assignments.filter(educator=world.other_org, fte=Decimal("0.25")).exists()

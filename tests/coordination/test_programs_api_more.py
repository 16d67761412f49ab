"""The programs' API beside the pages: the federal template published through the API (typed,
versioned, the federal operator only), the macroregions list and an expert's assigned reviews."""

from __future__ import annotations

import datetime as dt

import pytest

from efs.coordination.programs.models import ProgramTemplate
from tests.coordination.conftest import logged_in
from tests.coordination.programs_routes import _template_body, make_program, template

pytestmark = pytest.mark.django_db
URL = "/api/coordination/programs/template"


def test_the_federal_operator_publishes_a_template_version_through_the_api(world):
    template(world)
    federal, regional = logged_in(world.users["federal"]), logged_in(world.users["regional"])
    body = _template_body("Шаблон программы 2027")

    refused = regional.post(URL, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"]
    assert ProgramTemplate.objects.count() == 1

    bad = {**body, "components": [{**body["components"][0], "code": "Bad Code"}]}
    assert federal.post(URL, bad, content_type="application/json").status_code == 422
    twice = {**body, "criteria": body["criteria"][:1] * 2}
    repeated = federal.post(URL, twice, content_type="application/json")
    assert repeated.status_code == 422 and repeated.json()["error"]["code"] == "template_invalid"
    assert "Коды повторяются" in repeated.json()["error"]["message"]
    assert ProgramTemplate.objects.count() == 1

    made = federal.post(URL, body, content_type="application/json")
    assert made.status_code == 201
    assert (made.json()["version"], made.json()["title"], made.json()["note"]) == (2, "Шаблон программы 2027", "из API")
    read = regional.get(URL).json()
    assert read["current"]["version"] == 2 and [t["version"] for t in read["history"]] == [2, 1]
    assert read["current"]["criteria"] == body["criteria"]


def test_macroregions_and_assigned_reviews_are_listed_as_on_the_pages(world):
    template(world)
    make_program(world, 2031, "in_review")
    reviews = logged_in(world.users["expert"]).get("/api/coordination/programs/reviews").json()
    assert reviews and reviews[0]["region_code"] == "24" and reviews[0]["status"]
    assert logged_in(world.users["regional"]).get("/api/coordination/programs/reviews").status_code == 403
    assert logged_in(world.users["federal"]).get("/api/coordination/programs/macroregions").status_code == 200


def test_a_program_is_discussed_and_put_on_a_councils_agenda(world):
    from django.utils import timezone

    from efs.coordination import services as council
    from efs.coordination.models import AgendaItem
    from efs.errors import ValidationFailed

    template(world)
    program = make_program(world, 2030, "draft")
    regional = logged_in(world.users["regional"])
    url = f"/coordination/programs/{program.pk}/"
    response = regional.post(f"{url}discussion/", {"body": "Нужна цель по наставничеству"}, follow=True)
    assert "Нужна цель по наставничеству" in response.content.decode()
    assert logged_in(world.users["regional_other"]).post(f"{url}discussion/", {"body": "чужой"}).status_code == 404

    board = council.council_create(actor=world.users["regional"], region=world.r1, name="Совет")
    meeting = council.meeting_schedule(
        actor=world.users["regional"], council=board, starts_at=timezone.now() + dt.timedelta(days=3)
    )
    page = regional.post(
        f"/coordination/meetings/{meeting.pk}/agenda/",
        {"title": "О программе края", "program": program.pk},
        follow=True,
    ).content.decode()
    assert AgendaItem.objects.get(meeting=meeting).program == program
    assert f"/coordination/programs/{program.pk}/" in page
    other = make_program(world, 2030, "draft", region=world.r2)
    with pytest.raises(ValidationFailed) as refused:
        council.agenda_add(actor=world.users["regional"], meeting=meeting, title="Чужая", program=other)
    assert refused.value.code == "program_other_region"
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1

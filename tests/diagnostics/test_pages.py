"""The pages a teacher, a tutor and a school head use."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import F

from efs.diagnostics.itemformat import full_answer
from efs.diagnostics.models import Attempt, AttemptStatus, Response
from efs.people.models import ConsentKind
from tests.diagnostics.test_attempts import WRONG


def _form(item, correct=True) -> dict:
    answer = full_answer(item.as_format()) if correct else WRONG[item.kind]
    if item.kind in ("single", "case"):
        return {"choice": answer}
    if item.kind == "multiple":
        return {"choice": answer}
    if item.kind == "numeric":
        return {"value": str(answer).replace(".", ",")}
    if item.kind == "matching":
        return {f"match_{k}": v for k, v in answer.items()}
    return {f"rank_{option}": str(place) for place, option in enumerate(answer, start=1)}


def test_consent_on_the_page_then_a_whole_test_without_javascript(world, bank):
    client = world.client("teacher")
    page = client.get("/diagnostics/").content.decode()
    assert "Даю согласие на участие" in page and "Чтобы начать, дайте согласие" in page
    refused = client.post("/diagnostics/start/t-adaptive/")  # no consent yet: its status and message
    assert refused.status_code == 422 and "согласие" in refused.content.decode()
    assert not Attempt.objects.exists()
    client.post("/diagnostics/")
    response = client.post("/diagnostics/start/t-adaptive/")
    attempt = Attempt.objects.get()
    assert response.url == f"/diagnostics/attempts/{attempt.pk}/"
    for _ in range(40):
        current = Response.objects.select_related("item").filter(attempt=attempt, answered_at__isnull=True).first()
        if current is None:
            break
        page = client.get(response.url).content.decode()
        assert current.item.content["stem"] in page and f"Задание {current.position}" in page
        response = client.post(
            f"/diagnostics/attempts/{attempt.pk}/", {"position": current.position, **_form(current.item)}
        )
        assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.COMPLETED
    assert response.url == f"/diagnostics/attempts/{attempt.pk}/result/"
    result = client.get(response.url).content.decode()
    assert "Профиль дефицитов" in result and "<svg" in result and "дефицита нет" in result


def test_htmx_answer_returns_the_next_item_fragment_and_errors_in_russian(world, bank):
    world.self_educator.consents.filter(document__kind=ConsentKind.DIAGNOSTICS).delete()
    from efs.people.services import consent_give

    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    client = world.client("teacher")
    client.post("/diagnostics/start/t-adaptive/")
    attempt = Attempt.objects.get()
    current = Response.objects.select_related("item").get(attempt=attempt, answered_at__isnull=True)
    empty = client.post(f"/diagnostics/attempts/{attempt.pk}/", {"position": current.position}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 422
    text = empty.content.decode()
    assert '<div id="attempt">' in text and "<html" not in text
    assert any(
        m in text
        for m in (
            "Выберите один из вариантов",
            "Отметьте хотя бы один",
            "Введите число",
            "Сопоставьте",
            "Укажите место",
        )
    )
    current.refresh_from_db()
    assert current.answered_at is None
    ok = client.post(
        f"/diagnostics/attempts/{attempt.pk}/",
        {"position": current.position, **_form(current.item)},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200 and "Задание 2" in ok.content.decode()
    # the same answer sent again (a retry after a lost connection) changes nothing
    again = client.post(
        f"/diagnostics/attempts/{attempt.pk}/",
        {"position": current.position, **_form(current.item)},
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 200 and "Задание 2" in again.content.decode()
    assert Response.objects.filter(attempt=attempt, answered_at__isnull=False).count() == 1


def test_ordering_with_a_repeated_place_is_refused(world, bank):
    import pytest
    from django.http import QueryDict

    from efs.diagnostics.itemformat import AnswerError
    from efs.diagnostics.models import Item
    from efs.diagnostics.presentation import answer_from_form

    item = Item.objects.filter(kind="ordering").first()
    data = QueryDict(mutable=True)
    data.update({"rank_a": "1", "rank_b": "1", "rank_c": "2", "rank_d": "3"})
    with pytest.raises(AnswerError) as error:
        answer_from_form(item, data)
    assert error.value.code == "rank_twice"


def test_result_pdf_is_a_pdf(world, bank):
    from efs.people.services import consent_give

    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    client = world.client("teacher")
    client.post("/diagnostics/start/t-adaptive/")
    attempt = Attempt.objects.get()
    client.post(f"/diagnostics/attempts/{attempt.pk}/finish/")
    pdf = client.get(f"/diagnostics/attempts/{attempt.pk}/result.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"


def test_deficit_map_hides_small_groups_and_never_names_people(world, bank):
    from efs.diagnostics.queries import MIN_GROUP, deficit_map
    from efs.diagnostics.services import attempt_answer, attempt_start
    from efs.people.models import Role, Scope, User
    from efs.people.services import consent_give, role_grant
    from tests.conftest import make_educator

    people = [world.self_educator]
    for i in range(MIN_GROUP - 1):
        user = User.objects.create_user(username=f"t{i}", password="x")
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
        people.append(make_educator(world.org_a, f"Учитель{i}", user=user))
    for n, educator in enumerate(people):
        consent_give(actor=educator.user, educator=educator, kind=ConsentKind.DIAGNOSTICS)
        attempt = attempt_start(actor=educator.user, educator=educator, assessment=bank["adaptive"])
        while attempt.status == AttemptStatus.IN_PROGRESS:
            current = attempt.responses.filter(answered_at__isnull=True).select_related("item").first()
            answer = WRONG[current.item.kind] if n % 2 else full_answer(current.item.as_format())
            attempt = attempt_answer(
                actor=educator.user, attempt=attempt, position=current.position, answer=answer
            ).attempt
        if n == 0:
            assert not any(r.shown for r in deficit_map(world.users["regional"]))  # one person: nothing shown
    # Below region level the map is published from yesterday's snapshot: let a day pass.
    Attempt.objects.update(finished_at=F("finished_at") - dt.timedelta(days=1))
    cache.clear()
    rows = {r.competency_code: r for r in deficit_map(world.users["school_head"])}
    assert all(rows[c].shown and rows[c].people == MIN_GROUP for c in ("T.NP", "T.RO", "T.COM"))
    assert "T.MATH" not in rows  # only she teaches maths: below region level not even published
    assert rows["T.NP"].deficit == 2 and rows["T.NP"].no_deficit == 3
    assert deficit_map(world.users["regional_other"]) == []
    page = world.client("school_head").get("/diagnostics/map/").content.decode()
    assert "Нормативно-правовые основы" in page and "40&nbsp;%" in page
    assert "Иванова" not in page and "Учитель0" not in page
    home = world.client("school_head").get("/").content.decode()
    assert "Самые частые дефициты" in home


def test_the_result_counts_agree_with_the_number_in_russian(world, bank):
    """«2 дефицита», «1 дефицит», «5 дефицитов»: the label under a figure follows the Russian plural."""
    import re

    from django.template import Context, Template
    from django.utils import translation

    from tests.diagnostics.conftest import finished_attempt

    attempt = finished_attempt(world.users["teacher"], world.self_educator, {"T.NP": 0.99, "T.RO": 0.99, "T.COM": 0.01})
    page = world.client("teacher").get(f"/diagnostics/attempts/{attempt.pk}/result/").content.decode()
    label = re.search(r'efs-stat text-danger">\s*2\s*</div><div class="efs-stat-label">([^<]*)<', page)
    assert label and label.group(1).strip() == "дефицита"
    counted = Template(
        '{% load i18n %}{% blocktranslate count n=n context "counted" %}educator{% plural %}educators'
        "{% endblocktranslate %}"
    )
    with translation.override("ru"):
        said = [counted.render(Context({"n": n})) for n in (1, 3, 5, 11, 21, 5000)]
    assert said == ["педагог", "педагога", "педагогов", "педагогов", "педагог", "педагогов"]

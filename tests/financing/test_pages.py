"""What the educator, the provider and the operators see; the API's idempotency and error codes."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from efs.catalog.models import Cohort
from efs.financing import services
from efs.financing.models import Transfer, TransferKind
from efs.people.models import Role, Scope
from efs.people.services import role_grant
from tests.conftest import make_educator, make_user, queries_of
from tests.financing.conftest import PRICE
from tests.matrix import xlsx_rows


def _completed(money):
    world, staff = money["world"], money["provider_user"]
    enrollment = services.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="p-1"
    )
    services.enrollment_accept(actor=staff, enrollment=enrollment)
    today = timezone.localdate()
    Cohort.objects.filter(pk=money["cohort"].pk).update(
        start_date=today - dt.timedelta(days=5), enrollment_deadline=today - dt.timedelta(days=6), end_date=today
    )
    enrollment.refresh_from_db()
    services.enrollment_complete(actor=staff, enrollment=enrollment, completed=True)
    return enrollment


def test_the_educator_sees_the_certificate_and_enrolls_from_the_page(money):
    client = money["world"].client("teacher")
    page = client.get("/financing/").content.decode()
    assert "30\u202f000\u00a0₽" in page and "выдача сертификата" in page
    form = client.get(f"/financing/enroll/{money['cohort'].pk}/")
    request_id = form.context["request_id"]
    assert "18\u202f000\u00a0₽" in form.content.decode() and "Подать заявку" in form.content.decode()
    response = client.post(f"/financing/enroll/{money['cohort'].pk}/", {"request_id": request_id})
    again = client.post(f"/financing/enroll/{money['cohort'].pk}/", {"request_id": request_id})  # a double click
    assert response.url == again.url and Transfer.objects.filter(kind=TransferKind.HOLD).count() == 1
    detail = client.get(response.url).content.decode()
    assert "ждёт решения провайдера" in detail and "Отменить запись" in detail
    assert "12\u202f000\u00a0₽" in client.get("/financing/").content.decode()  # available after the hold


def test_provider_statement_as_page_pdf_and_excel(money):
    _completed(money)
    staff = money["world"].client("teacher")
    provider = money["depot"]["staff"]
    client = Client()
    client.force_login(provider)
    page = client.get("/financing/provider/").content.decode()
    assert "Ежемесячные акты" in page and "ДПО-7/26" in page
    provider, region = money["depot"]["provider"].pk, money["world"].r1.pk
    url = f"/financing/statement/?provider={provider}&region={region}&month={timezone.localdate():%Y-%m}"
    statement = client.get(url).content.decode()
    assert "Иванова Анна Петровна" in statement and "18\u202f000\u00a0₽" in statement
    pdf = client.get(url + "&format=pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    rows = xlsx_rows(client.get(url + "&format=xlsx"))
    assert rows[0][:2] == ("Дата", "Педагог") and rows[1][1] == "Иванова Анна Петровна" and rows[1][5] == PRICE / 100
    assert rows[-1][4:] == ("Задолженность на конец месяца", PRICE / 100)
    assert staff.get(url).status_code == 403


def test_the_region_page_shows_the_fund_and_takes_actions(money):
    world = money["world"]
    client = world.client("regional")
    page = client.get(f"/financing/region/?region={world.r1.pk}").content.decode()
    assert (
        "Расходование фонда" in page and "80\u202f000\u00a0₽" in page and "ДПО-7/26" in page
    )  # one month: a table, no chart
    body = {
        "region": world.r1.pk,
        "year": money["year"],
        "amount": "12 500,50",
        "tid": "web-top-1",
        "document_number": "ПП-12",
        "document_date": "2026-01-15",
    }
    asked = client.post("/financing/region/top-up/", body)
    assert (
        asked.status_code == 200
        and "12\u202f500,50\u00a0₽" in asked.content.decode()
        and not Transfer.objects.filter(tid="web-top-1").exists()
    )
    response = client.post("/financing/region/top-up/", body | {"confirmed": "on"})
    assert response.status_code == 302
    made = Transfer.objects.get(tid="web-top-1")
    assert made.amount == 1_250_050 and "ПП-12" in made.memo and "15.01.2026" in made.memo
    bad = client.post(
        "/financing/region/top-up/", body | {"tid": "web-top-2", "amount": "-5", "confirmed": "on"}, follow=True
    )
    assert "Введите сумму в рублях" in bad.content.decode() and not Transfer.objects.filter(tid="web-top-2").exists()
    assert "Финансирование по регионам" in world.client("federal").get("/financing/federal/").content.decode()


def test_api_is_idempotent_and_speaks_in_stable_codes(money):
    world = money["world"]
    client = world.client("regional")
    body = {
        "transfer_id": "api-1",
        "region": world.r1.code,
        "year": money["year"],
        "amount_kopecks": 500_000,
        "document": "ПП-7",
        "document_date": "2026-01-15",
    }
    first = client.post("/api/financing/funds/top-up", json.dumps(body), content_type="application/json")
    second = client.post("/api/financing/funds/top-up", json.dumps(body), content_type="application/json")
    assert first.status_code == second.status_code == 201 and first.json()["number"] == second.json()["number"]
    reused = client.post(
        "/api/financing/funds/top-up", json.dumps(body | {"amount_kopecks": 1}), content_type="application/json"
    )
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "transfer_id_reused")
    zero = client.post(
        "/api/financing/funds/top-up",
        json.dumps(body | {"transfer_id": "api-2", "amount_kopecks": 0}),
        content_type="application/json",
    )
    # The range is part of the schema (minimum 1), so the schema refuses it and names the field.
    assert (zero.status_code, zero.json()["error"]["code"]) == (422, "invalid_request")
    assert zero.json()["error"]["details"][0]["loc"][-1] == "amount_kopecks"
    nowhere = client.post(
        "/api/financing/funds/top-up",
        json.dumps(body | {"transfer_id": "api-3", "region": "99"}),
        content_type="application/json",
    )
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (404, "region_not_found")
    teacher = world.client("teacher")
    enroll = {"request_id": "api-e", "cohort": money["cohort"].pk}
    made = teacher.post("/api/financing/enrollments", json.dumps(enroll), content_type="application/json")
    assert made.status_code == 201 and made.json()["from_certificate_kopecks"] == PRICE
    action = teacher.post(
        f"/api/financing/enrollments/{made.json()['id']}/actions",
        json.dumps({"action": "approve"}),
        content_type="application/json",
    )
    # The allowed actions are an enum of the schema.
    assert (action.status_code, action.json()["error"]["code"]) == (422, "invalid_request")
    assert teacher.get("/api/financing/me").json()["certificates"][0]["held_kopecks"] == PRICE


def test_enrollment_list_endpoint_makes_a_fixed_number_of_queries(money):
    world = money["world"]
    staff = Client()
    staff.force_login(money["provider_user"])
    services.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="q-0"
    )
    staff.get("/api/financing/enrollments")
    counts = [queries_of(staff, "/api/financing/enrollments")]
    services.fund_top_up(
        actor=money["regional"],
        region=world.r1,
        year=money["year"],
        amount=20_000_000,
        tid="q-fund",
        document="ПП-1",
        document_date=dt.date(2026, 1, 15),
    )
    for n in range(4):
        user = make_user(f"q{n}")
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
        other = make_educator(world.org_b, f"Очередникова{n}", user=user)
        services.certificates_issue(actor=money["regional"], region=world.r1, year=money["year"], category="teacher")
        services.enrollment_request(actor=user, educator=other, cohort=money["cohort"], request_id=f"q-{n + 1}")
    counts.append(queries_of(staff, "/api/financing/enrollments"))
    assert len(staff.get("/api/financing/enrollments").json()) == 5
    # session, user, grants, the page of enrollments with their educators, cohorts, programs, providers and holds
    assert counts == [4, 4]


def test_absurd_top_ups_are_refused_and_nothing_moves(money):
    world = money["world"]
    client = world.client("regional")
    before = Transfer.objects.count()
    for typed in ("1e12", "inf", "nan", "1000000000,01", "12,505"):
        body = {
            "region": world.r1.pk,
            "year": money["year"],
            "amount": typed,
            "tid": f"web-bad-{len(typed)}",
            "document_number": "1",
            "document_date": "2026-01-15",
            "confirmed": "on",
        }
        response = client.post("/financing/region/top-up/", body, follow=True)
        assert response.status_code == 400 and "alert-danger" in response.content.decode(), typed
    no_document = {"region": world.r1.pk, "year": money["year"], "amount": "100", "tid": "web-nodoc", "confirmed": "on"}
    assert "Номер документа" in client.post("/financing/region/top-up/", no_document, follow=True).content.decode()
    assert Transfer.objects.count() == before


def test_a_mistaken_top_up_is_reversed_by_a_correcting_transfer(money):
    world = money["world"]
    client = world.client("regional")
    body = {
        "region": world.r1.pk,
        "year": money["year"],
        "amount": "5 000",
        "tid": "web-mistake",
        "document_number": "ПП-9",
        "document_date": "2026-01-15",
        "confirmed": "on",
    }
    client.post("/financing/region/top-up/", body)
    mistake = Transfer.objects.get(tid="web-mistake")
    from efs.financing.queries import overview

    topped = overview(world.r1, money["year"]).topped_up
    refused = client.post(
        f"/financing/region/top-up/{mistake.pk}/reverse/",
        {"region": world.r1.pk, "year": money["year"], "reason": ""},
        follow=True,
    )
    assert (
        "alert-danger" in refused.content.decode() and Transfer.objects.filter(tid=f"storno:{mistake.pk}").count() == 0
    )
    for _ in range(2):  # a double click reverses once
        client.post(
            f"/financing/region/top-up/{mistake.pk}/reverse/",
            {"region": world.r1.pk, "year": money["year"], "reason": "ошибка в сумме"},
        )
    correction = Transfer.objects.get(tid=f"storno:{mistake.pk}")
    mistake.refresh_from_db()
    assert (correction.amount, correction.debit_id, correction.credit_id) == (
        mistake.amount,
        mistake.credit_id,
        mistake.debit_id,
    )
    assert overview(world.r1, money["year"]).topped_up == topped - 500_000
    page = client.get(f"/financing/region/?region={world.r1.pk}").content.decode()
    assert "сторнировано" in page and "ошибка в сумме" in page
    assert world.client("teacher").post(
        f"/financing/region/top-up/{mistake.pk}/reverse/", {"region": world.r1.pk, "year": money["year"], "reason": "x"}
    ).status_code in (403, 404)


def test_the_provider_records_a_cohort_outcome_person_by_person(money):
    world, staff = money["world"], money["provider_user"]
    first = services.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="o-1"
    )
    other = make_educator(world.org_a, "Петров", user=make_user("petrov"))
    role_grant(user=other.user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
    services.certificates_issue(actor=money["regional"], region=world.r1, year=money["year"], category="teacher")
    second = services.enrollment_request(actor=other.user, educator=other, cohort=money["cohort"], request_id="o-2")
    for e in (first, second):
        services.enrollment_accept(actor=staff, enrollment=e)
    today = timezone.localdate()
    Cohort.objects.filter(pk=money["cohort"].pk).update(
        start_date=today - dt.timedelta(days=30), enrollment_deadline=today - dt.timedelta(days=31), end_date=today
    )
    client = Client()
    client.force_login(staff)
    assert (
        f"/financing/provider/cohorts/{money['cohort'].pk}/outcomes/"
        in client.get("/financing/provider/").content.decode()
    )
    page = client.get(f"/financing/provider/cohorts/{money['cohort'].pk}/outcomes/").content.decode()
    assert "Иванова Анна Петровна" in page and "Петров" in page
    client.post(
        f"/financing/provider/cohorts/{money['cohort'].pk}/outcomes/",
        {f"outcome_{first.pk}": "completed", f"outcome_{second.pk}": "not_completed"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("completed", "not_completed")
    assert first.hold.resolution.kind == "post" and second.hold.resolution.kind == "void"
    url = f"/financing/statement/?provider={money['depot']['provider'].pk}&region={world.r1.pk}&month={today:%Y-%m}"
    assert "Иванова Анна Петровна" in client.get(url).content.decode()
    from efs.financing.queries import federal_summary, overview

    fund = overview(world.r1, money["year"])
    assert fund.rendered == PRICE and [r.rendered for r in federal_summary(money["year"]) if r.region == world.r1] == [
        PRICE
    ]


def test_each_enrollment_action_is_its_own_view(money):
    world, staff = money["world"], money["provider_user"]
    enrollment = services.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="v-1"
    )
    client = Client()
    client.force_login(staff)
    refused = client.post(f"/financing/enrollments/{enrollment.pk}/decline/", {"comment": ""})
    assert refused.status_code == 422 and "alert-danger" in refused.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == "requested"  # a decline needs a reason
    client.post(f"/financing/enrollments/{enrollment.pk}/accept/", {})
    enrollment.refresh_from_db()
    assert enrollment.status == "accepted"
    assert client.post(f"/financing/enrollments/{enrollment.pk}/accept/", {"comment": "x" * 1001}).status_code == 400
    assert client.get(f"/financing/enrollments/{enrollment.pk}/accept/").status_code == 405

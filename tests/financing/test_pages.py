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
    enrollment = services.enrollment_request(actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="p-1")
    services.enrollment_accept(actor=staff, enrollment=enrollment)
    today = timezone.localdate()
    Cohort.objects.filter(pk=money["cohort"].pk).update(start_date=today - dt.timedelta(days=5), enrollment_deadline=today - dt.timedelta(days=6), end_date=today)
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
    url = f"/financing/statement/?provider={money['depot']['provider'].pk}&region={money['world'].r1.pk}&month={timezone.localdate():%Y-%m}"
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
    assert "Расходование фонда" in page and "80\u202f000\u00a0₽" in page and "ДПО-7/26" in page  # one month: a table, no chart
    response = client.post("/financing/region/", {"action": "top_up", "region": world.r1.pk, "year": money["year"], "amount": "12 500,50", "tid": "web-top-1"})
    assert response.status_code == 302
    assert Transfer.objects.get(tid="web-top-1").amount == 1_250_050
    bad = client.post("/financing/region/", {"action": "top_up", "region": world.r1.pk, "year": money["year"], "amount": "-5", "tid": "web-top-2"}, follow=True)
    assert "Проверьте суммы и даты" in bad.content.decode() and not Transfer.objects.filter(tid="web-top-2").exists()
    assert "Финансирование по регионам" in world.client("federal").get("/financing/federal/").content.decode()


def test_api_is_idempotent_and_speaks_in_stable_codes(money):
    world = money["world"]
    client = world.client("regional")
    body = {"transfer_id": "api-1", "region": world.r1.code, "year": money["year"], "amount_kopecks": 500_000}
    first = client.post("/api/financing/funds/top-up", json.dumps(body), content_type="application/json")
    second = client.post("/api/financing/funds/top-up", json.dumps(body), content_type="application/json")
    assert first.status_code == second.status_code == 201 and first.json()["number"] == second.json()["number"]
    reused = client.post("/api/financing/funds/top-up", json.dumps(body | {"amount_kopecks": 1}), content_type="application/json")
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "transfer_id_reused")
    zero = client.post("/api/financing/funds/top-up", json.dumps(body | {"transfer_id": "api-2", "amount_kopecks": 0}), content_type="application/json")
    # The range is part of the schema (minimum 1), so the schema refuses it and names the field.
    assert (zero.status_code, zero.json()["error"]["code"]) == (422, "invalid_request")
    assert zero.json()["error"]["details"][0]["loc"][-1] == "amount_kopecks"
    nowhere = client.post("/api/financing/funds/top-up", json.dumps(body | {"transfer_id": "api-3", "region": "99"}), content_type="application/json")
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (404, "region_not_found")
    teacher = world.client("teacher")
    enroll = {"request_id": "api-e", "cohort": money["cohort"].pk}
    made = teacher.post("/api/financing/enrollments", json.dumps(enroll), content_type="application/json")
    assert made.status_code == 201 and made.json()["from_certificate_kopecks"] == PRICE
    action = teacher.post(f"/api/financing/enrollments/{made.json()['id']}/actions", json.dumps({"action": "approve"}), content_type="application/json")
    # The allowed actions are an enum of the schema.
    assert (action.status_code, action.json()["error"]["code"]) == (422, "invalid_request")
    assert teacher.get("/api/financing/me").json()["certificates"][0]["held_kopecks"] == PRICE


def test_enrollment_list_endpoint_makes_a_fixed_number_of_queries(money):
    world = money["world"]
    staff = Client()
    staff.force_login(money["provider_user"])
    services.enrollment_request(actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="q-0")
    staff.get("/api/financing/enrollments")
    counts = [queries_of(staff, "/api/financing/enrollments")]
    services.fund_top_up(actor=money["regional"], region=world.r1, year=money["year"], amount=20_000_000, tid="q-fund")
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

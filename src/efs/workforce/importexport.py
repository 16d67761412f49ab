"""XLSX import of the staffing registry and of classes, and the XLSX exports.

The staffing layout follows the regional staffing reports: one row per post (ставки by
subject or position); a row with a SNILS is a post held by that educator (who must be in
the people directory), a row without one is a vacancy. Every row is checked first; any
error rejects the whole file with the Russian reason per row and column, so a file is
imported all or nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from efs import xlsx
from efs.errors import ValidationFailed
from efs.people.public import Educator, Organization, Region, Subject, User

from .models import Assignment, ClassCount, Education, Post, PostEvent, Profile
from .services import fte_text, require_region_operator

MAX_ROWS = 20_000

STAFFING_COLUMNS = (
    ("inn", "ИНН организации"),
    ("subject", "Предмет"),
    ("position", "Должность"),
    ("fte", "Ставок"),
    ("opened", "Дата открытия"),
    ("snils", "СНИЛС работника"),
    ("load", "Нагрузка по ставке"),
    ("started", "Дата назначения"),
    ("out_of_field", "Вне профиля образования"),
    ("education", "Образование"),
    ("diploma", "Предмет по диплому"),
)
CLASS_COLUMNS = (
    ("inn", "ИНН организации"),
    ("year", "Учебный год"),
    ("grade", "Класс"),
    ("classes", "Классов"),
    ("pupils", "Учащихся"),
)

EDUCATION_WORDS = {
    "высшее педагогическое": Education.HIGHER_PEDAGOGICAL,
    "высшее непедагогическое": Education.HIGHER_OTHER,
    "высшее": Education.HIGHER_OTHER,
    "спо педагогическое": Education.COLLEGE_PEDAGOGICAL,
    "среднее профессиональное педагогическое": Education.COLLEGE_PEDAGOGICAL,
    "другое": Education.OTHER,
}


def _norm(value: Any) -> str:
    return " ".join(str(value).replace("\xa0", " ").split()).lower() if value is not None else ""


def _rows(content: bytes, columns: tuple[tuple[str, str], ...]) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed(_("The file is not an XLSX workbook.")) from None
    rows = sheet.iter_rows(values_only=True)
    header = [_norm(cell) for cell in next(rows, ())]
    position = {}
    for key, title in columns:
        if _norm(title) not in header:
            raise ValidationFailed(_("The first row has no column «%(title)s».") % {"title": title})
        position[key] = header.index(_norm(title))
    result: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in row):
            continue
        if len(result) >= MAX_ROWS:
            raise ValidationFailed(_("A file holds at most %(n)s rows.") % {"n": MAX_ROWS})
        result.append(
            (
                number,
                {key: row[index] if index < len(row) else None for key, index in position.items()},
            )
        )
    return result


class _Errors:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.rows.append({"row": row, "column": column, "message": message})

    def raise_if_any(self) -> None:
        if self.rows:
            first = self.rows[0]
            raise ValidationFailed(
                _("Nothing was imported: %(n)s error(s). Row %(row)s, column «%(column)s»: %(message)s")
                % {"n": len(self.rows), **first},
                details=self.rows,
            )


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _integer(value: Any, low: int, high: int) -> int | None:
    number = _decimal(value)
    if number is None or number != number.to_integral_value() or not (low <= number <= high):
        return None
    return int(number)


def _title(columns: tuple[tuple[str, str], ...], key: str) -> str:
    return dict(columns)[key]


def _holding(number: int, values: dict, fte: Decimal | None, educators: dict, errors: _Errors) -> tuple:
    """The holder of a staffing row's post, their load and start date (all None when the row names nobody)."""
    holder = None
    load = started = None
    snils_text = str(values["snils"] or "").strip()
    if snils_text:
        holder = educators.get("".join(ch for ch in snils_text if ch.isdigit()))
        if holder is None:
            errors.add(
                number,
                _title(STAFFING_COLUMNS, "snils"),
                _("no educator of the region has this SNILS; import people first"),
            )
        load = _decimal(values["load"])
        if load is None or not (Decimal(0) < load <= 3) or (fte is not None and load > fte):
            errors.add(
                number,
                _title(STAFFING_COLUMNS, "load"),
                _("a number above 0, at most 3 and at most the post's FTE is needed"),
            )
        started = _date(values["started"])
        if started is None:
            errors.add(number, _title(STAFFING_COLUMNS, "started"), _("a date DD.MM.YYYY is needed"))
    return holder, load, started


def staffing_import(*, actor: User, region: Region, content: bytes) -> int:
    """Import posts and holdings; returns the number of posts created."""
    require_region_operator(actor, region)
    rows = _rows(content, STAFFING_COLUMNS)
    organizations = {o.inn: o for o in Organization.objects.filter(region=region).exclude(inn="")}
    subjects = {_norm(s.name): s for s in Subject.objects.all()}
    educators = {e.snils: e for e in Educator.objects.filter(region=region).exclude(snils="")}
    errors = _Errors()
    title = lambda key: _title(STAFFING_COLUMNS, key)  # noqa: E731
    checked = []
    for number, values in rows:
        organization = organizations.get(str(values["inn"] or "").strip())
        if organization is None:
            errors.add(number, title("inn"), _("no organization of the region has this INN"))
        subject = subjects.get(_norm(values["subject"])) if values["subject"] not in (None, "") else None
        if values["subject"] not in (None, "") and subject is None:
            errors.add(number, title("subject"), _("unknown subject"))
        position = str(values["position"] or "").strip()
        if not position:
            errors.add(number, title("position"), _("empty"))
        fte = _decimal(values["fte"])
        if fte is None or not (Decimal(0) < fte <= 10):
            errors.add(number, title("fte"), _("a number above 0 and at most 10 is needed"))
        opened = _date(values["opened"])
        if opened is None:
            errors.add(number, title("opened"), _("a date DD.MM.YYYY is needed"))
        holder, load, started = _holding(number, values, fte, educators, errors)
        education = EDUCATION_WORDS.get(_norm(values["education"])) if values["education"] not in (None, "") else None
        if values["education"] not in (None, "") and education is None:
            errors.add(
                number,
                title("education"),
                _("one of: %(words)s") % {"words": ", ".join(EDUCATION_WORDS)},
            )
        diploma = subjects.get(_norm(values["diploma"])) if values["diploma"] not in (None, "") else None
        if values["diploma"] not in (None, "") and diploma is None:
            errors.add(number, title("diploma"), _("unknown subject"))
        out_of_field = _norm(values["out_of_field"]) in ("да", "1", "true", "yes")
        if organization is None or fte is None or opened is None:
            continue  # the row has its error: nothing is saved
        checked.append(
            (
                organization,
                subject,
                position,
                fte,
                opened,
                holder,
                load,
                started,
                out_of_field,
                education,
                diploma,
            )
        )
    errors.raise_if_any()
    with transaction.atomic():
        for (
            organization,
            subject,
            position,
            fte,
            opened,
            holder,
            load,
            started,
            out_of_field,
            education,
            diploma,
        ) in checked:
            post = Post.objects.create(
                region=region,
                organization=organization,
                subject=subject,
                position=position[:200],
                fte=fte,
                opened_on=opened,
            )
            PostEvent.objects.create(post=post, actor=actor, kind=PostEvent.Kind.IMPORTED, note=fte_text(fte))
            if holder is not None:
                Assignment.objects.create(
                    post=post,
                    region=region,
                    educator=holder,
                    fte=load,
                    started_on=started,
                    out_of_field=out_of_field,
                )
                if education is not None:
                    Profile.objects.update_or_create(
                        educator=holder,
                        defaults={
                            "region": region,
                            "education": education,
                            "education_subject": diploma,
                        },
                    )
    return len(checked)


def classes_import(*, actor: User, region: Region, content: bytes) -> int:
    """Import pupils and classes per organization, year and grade (a row replaces its match)."""
    require_region_operator(actor, region)
    rows = _rows(content, CLASS_COLUMNS)
    organizations = {o.inn: o for o in Organization.objects.filter(region=region).exclude(inn="")}
    errors = _Errors()
    title = lambda key: _title(CLASS_COLUMNS, key)  # noqa: E731
    checked = []
    seen: dict[tuple[int, int, int], int] = {}
    for number, values in rows:
        organization = organizations.get(str(values["inn"] or "").strip())
        if organization is None:
            errors.add(number, title("inn"), _("no organization of the region has this INN"))
        year = _integer(values["year"], 2000, 2100)
        grade = _integer(values["grade"], 1, 11)
        classes = _integer(values["classes"], 0, 200)
        pupils = _integer(values["pupils"], 0, 10_000)
        for key, value in (
            ("year", year),
            ("grade", grade),
            ("classes", classes),
            ("pupils", pupils),
        ):
            if value is None:
                errors.add(number, title(key), _("a whole number in range is needed"))
        if organization is not None and year is not None and grade is not None:
            place = (organization.pk, year, grade)
            if place in seen:
                errors.add(number, title("grade"), _("repeats row %(row)s") % {"row": seen[place]})
            seen[place] = number
            if classes is not None and pupils is not None:  # a row with a gap has its error: nothing is saved
                checked.append((organization, year, grade, classes, pupils))
    errors.raise_if_any()
    with transaction.atomic():
        for organization, year, grade, classes, pupils in checked:
            ClassCount.objects.update_or_create(
                organization=organization,
                year=year,
                grade=grade,
                defaults={"region": region, "classes": classes, "pupils": pupils},
            )
    return len(checked)


def template(columns: tuple[tuple[str, str], ...]) -> bytes:
    return xlsx.table_bytes("Шаблон", [title for _, title in columns], [])


def safe(value: Any) -> Any:
    """A spreadsheet cell that never starts a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def forecast_xlsx(rows: Iterable[tuple]) -> bytes:
    header = [
        "Муниципалитет",
        "Предмет",
        "Год",
        "Предложение, ставок",
        "Потребность, ставок",
        "Скрытый дефицит, ставок",
        "Дефицит, ставок",
        "Уходят",
        "Приходят",
    ]
    return xlsx.table_bytes("Прогноз", header, ([safe(v) for v in row] for row in rows))


def risk_xlsx(rows: Iterable[tuple]) -> bytes:
    header = [
        "Муниципалитет",
        "Предмет",
        "Индекс риска",
        "Доля 60+",
        "Доля вакансий",
        "Доля перегруженных",
        "Доля прогнозного дефицита",
        "Доля с незакрытыми дефицитами",
    ]
    return xlsx.table_bytes("Риск", header, ([safe(v) for v in row] for row in rows))

"""Import and export of program cards (JSON and XLSX) with row-level errors.

Import creates drafts of the importing provider in one transaction: all cards when
every card is valid, or — only when asked — just the valid ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from efs import xlsx
from efs.errors import ValidationFailed
from efs.people.models import Organization, User

from .models import Program
from .services import ProgramData, program_card, program_create, program_register, validate_card

XLSX_COLUMNS = [
    "Код", "Вид", "Название", "Аннотация", "Категории", "Должности", "Предметы", "Часы", "Форма", "ДОТ", "ЭО",
    "Итоговая аттестация", "Цена, руб.", "Разработчик", "Результаты (компетенция:вес)", "Модули (название: часы)",
    "Сетевая форма: организации-партнёры (ИНН)",
]
# Files exported before the network form was added end with the modules; they still import.
REQUIRED_COLUMNS = XLSX_COLUMNS[:16]
KIND_WORDS = {
    "пк": "upgrade",
    "повышение квалификации": "upgrade",
    "upgrade": "upgrade",
    "пп": "retraining",
    "профессиональная переподготовка": "retraining",
    "retraining": "retraining",
}
FORM_WORDS = {
    "очная": "full_time",
    "очно-заочная": "blended",
    "заочная": "part_time",
    "full_time": "full_time",
    "blended": "blended",
    "part_time": "part_time",
}
CATEGORY_WORDS = {
    "педагоги": "teacher",
    "педагог": "teacher",
    "teacher": "teacher",
    "руководители": "manager",
    "руководитель": "manager",
    "manager": "manager",
    "студенты": "student",
    "студент": "student",
    "student": "student",
}


def card_to_data(card: dict[str, Any]) -> ProgramData:
    audience = card.get("audience") or {}
    categories = set(audience.get("categories") or [])
    return ProgramData(
        code=str(card.get("code", "")),
        kind=str(card.get("kind", "")),
        title=str(card.get("title", "")),
        annotation=str(card.get("annotation", "")),
        hours=int(card.get("hours") or 0),
        form=str(card.get("form", "")),
        final_assessment=str(card.get("final_assessment", "")),
        for_teachers="teacher" in categories,
        for_managers="manager" in categories,
        for_students="student" in categories,
        positions=list(audience.get("positions") or []),
        subjects=list(audience.get("subjects") or []),
        distance_learning=bool(card.get("distance_learning")),
        e_learning=bool(card.get("e_learning")),
        price=round(float(card.get("price_rub") or 0) * 100),
        developer=str(card.get("developer", "")),
        outcomes=[
            (str(o["competency"]), float(o["weight"]), str(o.get("text", ""))) for o in card.get("outcomes") or []
        ],
        modules=[(str(m["title"]), int(m["hours"])) for m in card.get("modules") or []],
        network_partners=[
            str(p["inn"] if isinstance(p, dict) else p).strip() for p in card.get("network_partners") or []
        ],
    )


def programs_to_xlsx(programs) -> bytes:
    def rows():
        for program in programs:
            c = program_card(program)
            yield [
                c["code"],
                "ПК" if c["kind"] == "upgrade" else "ПП",
                c["title"],
                c["annotation"],
                ", ".join(
                    {"teacher": "педагоги", "manager": "руководители", "student": "студенты"}[x]
                    for x in c["audience"]["categories"]
                ),
                ", ".join(c["audience"]["positions"]),
                ", ".join(c["audience"]["subjects"]),
                c["hours"],
                {"full_time": "очная", "blended": "очно-заочная", "part_time": "заочная"}[c["form"]],
                "да" if c["distance_learning"] else "нет",
                "да" if c["e_learning"] else "нет",
                c["final_assessment"],
                c["price_rub"],
                c["developer"],
                "; ".join(f"{o['competency']}:{o['weight']}" for o in c["outcomes"]),
                "; ".join(f"{m['title']}: {m['hours']}" for m in c["modules"]),
                ", ".join(p["inn"] for p in c["network_partners"]),
            ]

    return xlsx.workbook_bytes(xlsx.Sheet("Программы", XLSX_COLUMNS, rows(), bold_columns=()))


def _cards_from_xlsx(content: bytes) -> list[tuple[int, dict[str, Any] | str]]:
    rows = list(xlsx.xlsx_rows(content, broken_code="programs_file_broken"))
    headers = [str(h or "").strip() for h in rows[0][: len(XLSX_COLUMNS)]] if rows else []
    if headers[: len(REQUIRED_COLUMNS)] != REQUIRED_COLUMNS or headers[len(REQUIRED_COLUMNS) :] not in (
        [],
        [""],
        XLSX_COLUMNS[len(REQUIRED_COLUMNS) :],
    ):
        raise ValidationFailed(
            _("The first row must hold the columns of an exported file: %(c)s.") % {"c": ", ".join(XLSX_COLUMNS)},
            code="programs_columns",
        )
    cards: list[tuple[int, dict[str, Any] | str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not any(row):
            continue
        v = [("" if x is None else str(x).strip()) for x in list(row) + [None] * (len(XLSX_COLUMNS) - len(row))]
        try:
            outcomes = []
            for part in filter(None, (p.strip() for p in v[14].split(";"))):
                code, weight = part.rsplit(":", 1)
                outcomes.append({"competency": code.strip(), "weight": float(weight.replace(",", "."))})
            modules = []
            for part in filter(None, (p.strip() for p in v[15].split(";"))):
                title, hours = part.rsplit(":", 1)
                modules.append({"title": title.strip(), "hours": int(float(hours))})
            card = {
                "code": v[0],
                "kind": KIND_WORDS.get(v[1].lower(), v[1]),
                "title": v[2],
                "annotation": v[3],
                "audience": {
                    "categories": [
                        CATEGORY_WORDS.get(x.strip().lower(), x.strip()) for x in v[4].split(",") if x.strip()
                    ],
                    "positions": [x.strip() for x in v[5].split(",") if x.strip()],
                    "subjects": [x.strip() for x in v[6].split(",") if x.strip()],
                },
                "hours": int(float(v[7] or 0)),
                "form": FORM_WORDS.get(v[8].lower(), v[8]),
                "distance_learning": v[9].lower() in ("да", "1", "true"),
                "e_learning": v[10].lower() in ("да", "1", "true"),
                "final_assessment": v[11],
                "price_rub": float((v[12] or "0").replace(",", ".")),
                "developer": v[13],
                "outcomes": outcomes,
                "modules": modules,
                "network_partners": [x.strip() for x in v[16].replace(";", ",").split(",") if x.strip()],
            }
        except ValueError:
            cards.append(
                (
                    number,
                    _(
                        "outcomes are written as «T.FG:0.8; T.PL:0.3», modules as «Название: 8; …», hours and price as "
                        "numbers"
                    ),
                )
            )
            continue
        cards.append((number, card))
    return cards


@dataclass
class ImportReport:
    total: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: list[Program] = field(default_factory=list)

    @property
    def valid(self) -> int:
        return self.total - len({e["row"] for e in self.errors})


def _cards(file_name: str, content: bytes) -> list[tuple[int, dict[str, Any] | str]]:
    if file_name.lower().endswith(".xlsx"):
        return _cards_from_xlsx(content)
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            _("The JSON file could not be read: %(error)s") % {"error": exc}, code="programs_file_broken"
        ) from None
    if not isinstance(data, list):
        raise ValidationFailed(_("The JSON file must hold a list of program cards."), code="programs_file_broken")
    return list(enumerate(data, start=1))


def _check(
    file_name: str, content: bytes, provider: Organization | None = None
) -> tuple[ImportReport, list[ProgramData]]:
    """Every card of the file checked with the rules of the form: the report of errors by
    row and the valid cards."""
    cards = _cards(file_name, content)
    if not cards:
        raise ValidationFailed(_("The file has no program cards."), code="programs_empty")
    report = ImportReport(total=len(cards))
    valid: list[ProgramData] = []
    codes: dict[str, int] = {}
    for row, card in cards:
        if isinstance(card, str):
            report.errors.append({"row": row, "code": "", "field": "", "message": card})
            continue
        try:
            data = card_to_data(card)
        except (KeyError, TypeError, ValueError, AttributeError):
            report.errors.append(
                {
                    "row": row,
                    "code": str(card.get("code", "")) if isinstance(card, dict) else "",
                    "field": "",
                    "message": _("the card does not follow the format"),
                }
            )
            continue
        problems = validate_card(data, provider=provider)
        if data.code in codes:
            problems.append(("code", _("repeats the card in row %(row)s") % {"row": codes[data.code]}))
        codes.setdefault(data.code, row)
        for field_name, message in problems:
            report.errors.append(
                {"row": row, "code": data.code, "field": field_name, "message": re.sub(r"\s+", " ", message)}
            )
        if not problems:
            valid.append(data)
    return report, valid


def _refuse(report: ImportReport, message: str) -> None:
    raise ValidationFailed(message, code="programs_have_errors", details=report.errors)


@transaction.atomic
def programs_import(
    *,
    actor: User,
    provider: Organization,
    file_name: str,
    content: bytes,
    only_valid: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    report, valid = _check(file_name, content, provider)
    if dry_run:
        return report
    if report.errors and not only_valid:
        _refuse(
            report,
            _("The file has errors, so nothing was imported. Fix the file, or choose to import only the valid cards."),
        )
    report.created = [program_create(actor=actor, provider=provider, data=data) for data in valid]
    return report


@transaction.atomic
def programs_register(*, provider: Organization, file_name: str, content: bytes, publish: bool) -> ImportReport:
    """Cards of a registry the region already keeps (`efs catalog import`): all of them or,
    when any card has an error, none; `publish` puts them straight into the depository
    as having passed review elsewhere."""
    report, valid = _check(file_name, content, provider)
    if report.errors:
        _refuse(report, _("The file has errors, so nothing was imported."))
    report.created = [
        program_register(provider=provider, data=data, publish=publish, source=file_name) for data in valid
    ]
    return report

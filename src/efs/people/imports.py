"""Import of organizations and educators from XLSX and CSV.

Two steps, both services:

1. :func:`import_preview` reads the file, checks every row and stores the file with
   its row-level errors (in Russian) as an :class:`ImportBatch`. Nothing else is saved.
2. :func:`import_commit` checks the stored file again (the directory may have changed
   meanwhile) and imports it in one transaction: the whole file when every row is
   valid, or, only when the user explicitly asks, just the valid rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, ValidationFailed
from efs.xlsx import Sheet, csv_rows, workbook_bytes, xlsx_rows

from . import access
from .audit import audit_record
from .models import (
    AuditAction,
    Educator,
    EducatorCategory,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Municipality,
    Organization,
    OrganizationKind,
    QualificationCategory,
    Region,
    Role,
    Subject,
    User,
    search_key,
)
from .validators import inn_is_valid, snils_is_valid, snils_normalize

MAX_ROWS = 100_000
# Only the first errors are kept for the page; the counts are always exact.
MAX_STORED_ERRORS = 2_000

IMPORT_ROLES = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})


class RowError(Exception):
    pass


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).replace("ё", "е").replace("Ё", "Е")).strip().lower()


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def matches(self, header: str) -> bool:
        return _norm(header) in {_norm(self.header), *(_norm(a) for a in self.aliases)}


ORGANIZATION_COLUMNS = (
    Column("name", "Наименование", required=True, aliases=("Полное наименование",)),
    Column("short_name", "Краткое наименование"),
    Column("kind", "Тип", required=True, aliases=("Тип организации", "Вид")),
    Column("municipality", "Муниципалитет", aliases=("Муниципальное образование",)),
    Column("inn", "ИНН"),
    Column("address", "Адрес"),
    Column("licensed_for_dpo", "Лицензия ДПО", aliases=("Лицензия на ДПО",)),
)

EDUCATOR_COLUMNS = (
    Column("last_name", "Фамилия", required=True),
    Column("first_name", "Имя", required=True),
    Column("middle_name", "Отчество"),
    Column("birth_date", "Дата рождения"),
    Column("snils", "СНИЛС"),
    Column("email", "Email", aliases=("Электронная почта", "E-mail")),
    Column("category", "Категория", required=True),
    Column("position", "Должность", required=True),
    Column("subjects", "Предметы", aliases=("Предмет",)),
    Column("experience_years", "Стаж", aliases=("Педагогический стаж",)),
    Column("qualification_category", "Квалификационная категория"),
    Column("organization", "Организация", required=True, aliases=("ИНН организации", "Образовательная организация")),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.ORGANIZATIONS: ORGANIZATION_COLUMNS,
    ImportKind.EDUCATORS: EDUCATOR_COLUMNS,
}

ORGANIZATION_KIND_WORDS = {
    "школа": OrganizationKind.SCHOOL,
    "общеобразовательная организация": OrganizationKind.SCHOOL,
    "детский сад": OrganizationKind.KINDERGARTEN,
    "доо": OrganizationKind.KINDERGARTEN,
    "колледж": OrganizationKind.COLLEGE,
    "техникум": OrganizationKind.COLLEGE,
    "вуз": OrganizationKind.UNIVERSITY,
    "университет": OrganizationKind.UNIVERSITY,
    "иро": OrganizationKind.IPK,
    "ипк": OrganizationKind.IPK,
    "иро/ипк": OrganizationKind.IPK,
    "цнппм": OrganizationKind.CNPPM,
    "орган управления образованием": OrganizationKind.MINISTRY,
    "министерство": OrganizationKind.MINISTRY,
    "муниципальная методическая служба": OrganizationKind.MUNICIPAL_SERVICE,
    "ммс": OrganizationKind.MUNICIPAL_SERVICE,
    "иная организация дпо": OrganizationKind.OTHER_PROVIDER,
    "провайдер дпо": OrganizationKind.OTHER_PROVIDER,
}
CATEGORY_WORDS = {
    "педагог": EducatorCategory.TEACHER,
    "педагогический работник": EducatorCategory.TEACHER,
    "учитель": EducatorCategory.TEACHER,
    "руководитель": EducatorCategory.MANAGER,
    "управленческие кадры": EducatorCategory.MANAGER,
    "студент": EducatorCategory.STUDENT,
    "студент педвуза": EducatorCategory.STUDENT,
}
QUALIFICATION_WORDS = {
    "": QualificationCategory.NONE,
    "без категории": QualificationCategory.NONE,
    "нет": QualificationCategory.NONE,
    "соответствие": QualificationCategory.COMPLIANCE,
    "соответствие занимаемой должности": QualificationCategory.COMPLIANCE,
    "сзд": QualificationCategory.COMPLIANCE,
    "первая": QualificationCategory.FIRST,
    "высшая": QualificationCategory.HIGHEST,
    "педагог-методист": QualificationCategory.METHODIST,
    "педагог-наставник": QualificationCategory.MENTOR,
}
YES_WORDS = {"да", "есть", "1", "true", "yes", "+"}
NO_WORDS = {"", "нет", "0", "false", "no", "-"}


# ---------------------------------------------------------------- reading files


def _read_rows(file_name: str, content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and data rows of an XLSX or CSV file; ValidationFailed if unreadable."""
    if not content:
        raise ValidationFailed(_("The file is empty."), code="import_file_empty")
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(content)
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return _read_csv(content)
    raise ValidationFailed(_("Upload an XLSX or CSV file."), code="import_file_type")


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    rows = xlsx_rows(
        content, broken_code="import_file_broken", too_big_code="import_file_too_large", empty_code="import_file_empty"
    )
    header = next(rows, None)
    if header is None:
        raise ValidationFailed(_("The first sheet of the workbook is empty."), code="import_file_empty")
    return [str(h or "").strip() for h in header], rows


def _read_csv(content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    rows = csv_rows(content, encoding_code="import_file_encoding", broken_code="import_file_broken")
    header = next(rows, None)
    if not header:
        raise ValidationFailed(_("The file is empty."), code="import_file_empty")
    return [h.strip() for h in header], rows


# ---------------------------------------------------------------- cell parsers


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RowError(_("wrong date «%(value)s»: expected DD.MM.YYYY") % {"value": text})


def _int(value: Any, low: int, high: int) -> int:
    text = _text(value)
    if text == "":
        return 0
    try:
        number = int(float(text.replace(",", ".")))
    except ValueError:
        raise RowError(_("«%(value)s» is not a number") % {"value": text}) from None
    if not low <= number <= high:
        raise RowError(_("%(value)s is outside %(low)s–%(high)s") % {"value": number, "low": low, "high": high})
    return number


def _choice(value: Any, words: Mapping[str, str], choices) -> str:
    text = _norm(_text(value))
    if text in words:
        return words[text]
    for code, label in choices:
        if text in (_norm(code), _norm(str(label))):
            return code
    allowed = ", ".join(sorted({k for k in words if k}))
    raise RowError(_("unknown value «%(value)s»; allowed: %(allowed)s") % {"value": _text(value), "allowed": allowed})


def _yes_no(value: Any) -> bool:
    text = _norm(_text(value))
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise RowError(_("write «да» or «нет», not «%(value)s»") % {"value": _text(value)})


# ---------------------------------------------------------------- checking


@dataclass
class Checked:
    total: int = 0
    valid: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    invalid_rows: int = 0

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})


class _Context:
    """What row checks need to know, loaded once per file."""

    def __init__(self, *, actor: User, region: Region, kind: str) -> None:
        self.region = region
        self.municipalities = {_norm(m.name): m for m in Municipality.objects.filter(region=region)}
        if kind == ImportKind.EDUCATORS:
            orgs = list(access.scoped(Organization.objects.filter(region=region), actor, roles=IMPORT_ROLES))
            self.orgs_by_inn = {o.inn: o for o in orgs if o.inn}
            by_name: dict[str, list[Organization]] = {}
            for o in orgs:
                for name in {_norm(o.name), _norm(o.short_name)} - {""}:
                    by_name.setdefault(name, []).append(o)
            self.orgs_by_name = by_name
            self.subjects = {}
            for s in Subject.objects.all():
                self.subjects[_norm(s.name)] = s
                self.subjects[_norm(s.code)] = s
            self.existing_snils: set[str] = set()
            self.existing_people: set[tuple[str, dt.date | None, int]] = set()
        else:
            self.existing_inns = set(Organization.objects.exclude(inn="").values_list("inn", flat=True))
            self.existing_names = {
                _norm(n) for n in Organization.objects.filter(region=region).values_list("name", flat=True)
            }

    def load_existing_people(self, snils: set[str], org_ids: set[int]) -> None:
        self.existing_snils = (
            set(Educator.objects.filter(snils__in=snils).values_list("snils", flat=True)) if snils else set()
        )
        self.existing_people = {
            (_norm(f"{ln} {fn} {mn}"), bd, org)
            for ln, fn, mn, bd, org in Educator.objects.filter(organization_id__in=org_ids).values_list(
                "last_name", "first_name", "middle_name", "birth_date", "organization_id"
            )
        }


def _map_header(kind: str, header: list[str]) -> dict[str, int]:
    columns = COLUMNS[kind]
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        for column in columns:
            if column.key not in positions and column.matches(title):
                positions[column.key] = index
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        raise ValidationFailed(
            _(
                "Required columns are missing: %(missing)s. Columns found: %(found)s. Download the template to see the "
                "expected layout."
            )
            % {
                "missing": ", ".join(f"«{m}»" for m in missing),
                "found": ", ".join(f"«{h}»" for h in header if h) or "—",
            },
            code="import_columns_missing",
            details={"missing": missing},
        )
    return positions


def _check(*, actor: User, region: Region, kind: str, file_name: str, content: bytes) -> Checked:
    header, rows = _read_rows(file_name, content)
    positions = _map_header(kind, header)
    context = _Context(actor=actor, region=region, kind=kind)
    raw_rows: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        values = {key: (row[i] if i < len(row) else None) for key, i in positions.items()}
        if all(_text(v) == "" for v in values.values()):
            continue
        raw_rows.append((number, values))
        if len(raw_rows) > MAX_ROWS:
            raise ValidationFailed(
                _("The file has more than %(max)s rows; split it into parts.") % {"max": MAX_ROWS},
                code="import_too_many_rows",
            )
    if not raw_rows:
        raise ValidationFailed(_("The file has a header but no data rows."), code="import_file_empty")
    checker = _check_organization if kind == ImportKind.ORGANIZATIONS else _check_educator
    if kind == ImportKind.EDUCATORS:
        snils = {snils_normalize(_text(v.get("snils"))) for _n, v in raw_rows} - {""}
        context.load_existing_people(
            snils,
            {o.pk for o in context.orgs_by_inn.values()} | {o.pk for os in context.orgs_by_name.values() for o in os},
        )
    checked = Checked(total=len(raw_rows))
    seen: dict[Any, int] = {}
    headers = {c.key: c.header for c in COLUMNS[kind]}
    limits = _cell_limits(kind)
    for number, values in raw_rows:
        row_errors = _cell_problems(values, limits)
        if row_errors:
            checked.invalid_rows += 1
            for column_key, message in row_errors:
                checked.add_error(number, headers.get(column_key, ""), message)
            continue
        record = checker(values, context, row_errors)
        if not row_errors:
            for key in record.pop("_keys"):
                if key in seen:
                    row_errors.append(("", _("duplicates row %(row)s of this file") % {"row": seen[key]}))
                    break
            else:
                for key in record.get("_keys_all", ()):
                    seen[key] = number
        else:
            record.pop("_keys", None)
        record.pop("_keys_all", None)
        if row_errors:
            checked.invalid_rows += 1
            for column_key, message in row_errors:
                checked.add_error(number, headers.get(column_key, ""), message)
        else:
            record["_row"] = number
            checked.valid.append(record)
    return checked


# Columns that are not a text field of the model: generous, but bounded.
_OTHER_COLUMN_CHARS = 1000


def _cell_limits(kind: str) -> dict[str, int]:
    """The longest text each column may hold: the model field's max_length, so nothing fails at commit."""
    model: type[Organization | Educator] = Organization if kind == ImportKind.ORGANIZATIONS else Educator
    limits = {}
    for column in COLUMNS[kind]:
        try:
            model_field = model._meta.get_field(column.key)
        except FieldDoesNotExist:  # a column that is not a field (subjects)
            model_field = None
        # A field with choices receives a word from the file, mapped later.
        length = model_field.max_length if isinstance(model_field, Field) and not model_field.choices else None
        limits[column.key] = length or _OTHER_COLUMN_CHARS
    # Identifiers are written with separators in files («112-233-445 95»); checked by their own rules.
    limits["snils"] = limits["inn"] = 30
    return limits


def _cell_problems(values: dict[str, Any], limits: dict[str, int]) -> list[tuple[str, str]]:
    """Cells no database can store as they are: control characters, or longer than the column."""
    problems = []
    for key, value in values.items():
        text = _text(value)
        if _CONTROL.search(text):
            problems.append((key, _("the cell holds a control character (such as NUL); retype the value")))
        elif len(text) > limits.get(key, _OTHER_COLUMN_CHARS):
            problems.append(
                (
                    key,
                    _("the value is %(length)s characters long; at most %(max)s fit")
                    % {"length": len(text), "max": limits[key]},
                )
            )
    return problems


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(
    values: dict[str, Any], key: str, errors: list[tuple[str, str]], parse: Callable[[Any], Any], default: Any = None
) -> Any:
    try:
        return parse(values.get(key))
    except RowError as exc:
        errors.append((key, str(exc)))
        return default


def _required(values: dict[str, Any], key: str, errors: list[tuple[str, str]]) -> str:
    text = _text(values.get(key))
    if not text:
        errors.append((key, _("the cell is empty")))
    return text


def _check_organization(values: dict[str, Any], context: _Context, errors: list[tuple[str, str]]) -> dict[str, Any]:
    name = _required(values, "name", errors)
    kind = _cell(values, "kind", errors, lambda v: _choice(v, ORGANIZATION_KIND_WORDS, OrganizationKind.choices))
    municipality_name = _text(values.get("municipality"))
    municipality = None
    if municipality_name:
        municipality = context.municipalities.get(_norm(municipality_name))
        if municipality is None:
            errors.append(
                (
                    "municipality",
                    _("unknown municipality «%(name)s» in %(region)s")
                    % {"name": municipality_name, "region": context.region.name},
                )
            )
    elif kind in (OrganizationKind.SCHOOL, OrganizationKind.KINDERGARTEN):
        errors.append(("municipality", _("a school or kindergarten needs its municipality")))
    inn = _text(values.get("inn"))
    if inn:
        if not inn_is_valid(inn):
            errors.append(
                ("inn", _("INN «%(inn)s» is wrong: 10 or 12 digits with matching check digits") % {"inn": inn})
            )
        elif inn in context.existing_inns:
            errors.append(("inn", _("an organization with INN %(inn)s is already in the directory") % {"inn": inn}))
    if name and _norm(name) in context.existing_names:
        errors.append(("name", _("an organization with this name is already in the region's directory")))
    licensed = _cell(values, "licensed_for_dpo", errors, _yes_no, False)
    keys = [("inn", inn)] if inn else []
    keys.append(("name", _norm(name)))
    return {
        "name": name,
        "short_name": _text(values.get("short_name")),
        "kind": kind,
        "municipality": municipality,
        "inn": inn,
        "address": _text(values.get("address")),
        "licensed_for_dpo": licensed,
        "_keys": keys,
        "_keys_all": keys,
    }


def _check_educator(values: dict[str, Any], context: _Context, errors: list[tuple[str, str]]) -> dict[str, Any]:
    last_name = _required(values, "last_name", errors)
    first_name = _required(values, "first_name", errors)
    middle_name = _text(values.get("middle_name"))
    birth_date = _cell(values, "birth_date", errors, _date)
    today = timezone.localdate()
    if birth_date and not (dt.date(today.year - 90, 1, 1) <= birth_date <= dt.date(today.year - 15, 12, 31)):
        errors.append(
            (
                "birth_date",
                _("date of birth %(date)s is not plausible for an educator")
                % {"date": birth_date.strftime("%d.%m.%Y")},
            )
        )
    snils = snils_normalize(_text(values.get("snils")))
    if snils:
        if not snils_is_valid(snils):
            errors.append(
                (
                    "snils",
                    _("SNILS «%(value)s» is wrong: 11 digits with matching check digits")
                    % {"value": _text(values.get("snils"))},
                )
            )
        elif snils in context.existing_snils:
            errors.append(("snils", _("a person with this SNILS is already in the directory")))
    email = _text(values.get("email"))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.append(("email", _("«%(value)s» is not an email address") % {"value": email}))
    category = _cell(values, "category", errors, lambda v: _choice(v, CATEGORY_WORDS, EducatorCategory.choices))
    position = _required(values, "position", errors)
    subjects = []
    for name in re.split(r"[;,]", _text(values.get("subjects"))):
        if not name.strip():
            continue
        subject = context.subjects.get(_norm(name))
        if subject is None:
            errors.append(("subjects", _("unknown subject «%(name)s»") % {"name": name.strip()}))
        else:
            subjects.append(subject)
    experience = _cell(values, "experience_years", errors, lambda v: _int(v, 0, 70), 0)
    qualification = _cell(
        values,
        "qualification_category",
        errors,
        lambda v: _choice(v, QUALIFICATION_WORDS, QualificationCategory.choices),
    )
    org_ref = _required(values, "organization", errors)
    organization = None
    if org_ref:
        organization = context.orgs_by_inn.get(org_ref)
        if organization is None:
            candidates = context.orgs_by_name.get(_norm(org_ref), [])
            if len(candidates) == 1:
                organization = candidates[0]
            elif len(candidates) > 1:
                errors.append(
                    (
                        "organization",
                        _("several organizations are called «%(name)s»; give the INN instead") % {"name": org_ref},
                    )
                )
            else:
                errors.append(
                    (
                        "organization",
                        _("unknown organization «%(name)s»: it is not in the directory of %(region)s within your scope")
                        % {"name": org_ref, "region": context.region.name},
                    )
                )
    person_key = (
        _norm(f"{last_name} {first_name} {middle_name}"),
        birth_date,
        organization.pk if organization else None,
    )
    if organization and person_key in context.existing_people:
        errors.append(("", _("this person is already listed in this organization")))
    keys: list[tuple[str, object]] = [("snils", snils)] if snils else []
    keys.append(("person", person_key))
    return {
        "last_name": last_name,
        "first_name": first_name,
        "middle_name": middle_name,
        "birth_date": birth_date,
        "snils": snils,
        "email": email,
        "category": category,
        "position": position,
        "subjects": subjects,
        "experience_years": experience,
        "qualification_category": qualification,
        "organization": organization,
        "_keys": keys,
        "_keys_all": keys,
    }


# ---------------------------------------------------------------- services


def _import_region(actor: User, region: Region) -> None:
    access.require_region(actor, region.pk, roles=IMPORT_ROLES, message=_("You can import only into your own region."))


def import_preview(*, actor: User, region: Region, kind: str, file_name: str, content: bytes) -> ImportBatch:
    """Check the file and keep it for confirmation. Saves nothing but the batch."""
    _import_region(actor, region)
    if kind not in ImportKind.values:
        raise ValidationFailed(_("Unknown kind of import."), code="import_kind_unknown")
    if len(content) > settings.EFS_IMPORT_MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 20 MB; split it into parts."), code="import_file_too_large")
    checked = _check(actor=actor, region=region, kind=kind, file_name=file_name, content=content)
    return ImportBatch.objects.create(
        kind=kind,
        region=region,
        uploaded_by=actor,
        file_name=file_name[:255],
        content=content,
        total_rows=checked.total,
        valid_rows=len(checked.valid),
        errors=checked.errors,
    )


@transaction.atomic
def import_commit(*, actor: User, batch: ImportBatch, only_valid: bool, ip: str | None = None) -> ImportBatch:
    """Import the checked file: all of it, or (explicitly) only its valid rows."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _import_region(actor, batch.region)
    if batch.status != ImportStatus.PREVIEW:
        raise Conflict(_("This file has already been imported or discarded."), code="import_already_done")
    checked = _check(
        actor=actor, region=batch.region, kind=batch.kind, file_name=batch.file_name, content=bytes(batch.content)
    )
    if checked.error_count and not only_valid:
        batch.errors = checked.errors
        batch.valid_rows = len(checked.valid)
        batch.save(update_fields=["errors", "valid_rows"])
        raise ValidationFailed(
            _("The file has errors, so nothing was imported. Fix the file, or choose to import only the valid rows."),
            code="import_has_errors",
        )
    if not checked.valid:
        raise ValidationFailed(_("No row of the file is valid; nothing to import."), code="import_nothing_valid")
    if batch.kind == ImportKind.ORGANIZATIONS:
        _create_organizations(batch.region, checked.valid)
        model: type[Organization | Educator] = Organization
    else:
        _create_educators(batch.region, checked.valid)
        model = Educator
    batch.status = ImportStatus.IMPORTED
    batch.imported_rows = len(checked.valid)
    batch.imported_at = timezone.now()
    batch.errors = checked.errors
    batch.save(update_fields=["status", "imported_rows", "imported_at", "errors"])
    audit_record(
        actor=actor, action=AuditAction.IMPORT, model=model, region_id=batch.region_id, count=len(checked.valid), ip=ip
    )
    return batch


def import_discard(*, actor: User, batch: ImportBatch) -> None:
    _import_region(actor, batch.region)
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEW).update(
        status=ImportStatus.DISCARDED, content=b""
    )


def _create_organizations(region: Region, rows: list[dict[str, Any]]) -> None:
    Organization.objects.bulk_create(
        [
            Organization(
                region=region,
                municipality=r["municipality"],
                kind=r["kind"],
                name=r["name"],
                short_name=r["short_name"],
                inn=r["inn"],
                address=r["address"],
                licensed_for_dpo=r["licensed_for_dpo"],
            )
            for r in rows
        ]
    )


def _create_educators(region: Region, rows: list[dict[str, Any]]) -> None:
    educators = [
        Educator(
            region=region,
            organization=r["organization"],
            municipality_id=r["organization"].municipality_id,
            last_name=r["last_name"],
            first_name=r["first_name"],
            middle_name=r["middle_name"],
            birth_date=r["birth_date"],
            snils=r["snils"],
            email=r["email"],
            category=r["category"],
            position=r["position"],
            experience_years=r["experience_years"],
            qualification_category=r["qualification_category"],
            search_text=search_key(r["last_name"], r["first_name"], r["middle_name"], r["position"]),
        )
        for r in rows
    ]
    created = Educator.objects.bulk_create(educators)
    if any(e.pk is None for e in created):  # backends without RETURNING: fetch the ids back
        raise RuntimeError("bulk_create did not return primary keys")
    through = Educator.subjects.through
    through.objects.bulk_create(
        [
            through(educator_id=e.pk, subject_id=s.pk)
            for e, r in zip(created, rows, strict=True)
            for s in dict.fromkeys(r["subjects"])
        ]
    )


def import_template(kind: str) -> bytes:
    """An XLSX with the expected header and one example row, for users to fill in."""
    columns = COLUMNS[kind]
    if kind == ImportKind.ORGANIZATIONS:
        example: list[object] = [
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 1»",
            "МБОУ СШ № 1",
            "школа",
            "Ачинск",
            "2443000010",
            "г. Ачинск, ул. Ленина, 1",
            "нет",
        ]
    else:
        example = [
            "Иванова",
            "Мария",
            "Петровна",
            "12.03.1985",
            "112-233-445 95",
            "m.ivanova@example.ru",
            "педагог",
            "учитель",
            "Математика; Информатика",
            14,
            "первая",
            "2443000010",
        ]
    return workbook_bytes(
        Sheet(
            "Данные",
            [c.header for c in columns],
            [example],
            widths={letter: 24 for letter in "ABCDEFGHIJKL"[: len(columns)]},
            bold_columns=[i for i, c in enumerate(columns) if c.required],
        ),
        Sheet(
            "Пояснения",
            ["Столбец", "Обязательный", "Что писать"],
            [[c.header, "да" if c.required else "нет", _COLUMN_HELP.get(c.key, "")] for c in columns],
            bold_columns=(),
        ),
    )


_COLUMN_HELP = {
    "kind": "школа, детский сад, колледж, вуз, ИРО/ИПК, ЦНППМ, орган управления образованием, муниципальная "
            "методическая служба, иная организация ДПО",
    "municipality": "название муниципалитета, как в справочнике региона",
    "inn": "10 цифр (организация)",
    "licensed_for_dpo": "да или нет",
    "birth_date": "ДД.ММ.ГГГГ",
    "snils": "11 цифр, можно с дефисами",
    "category": "педагог, руководитель или студент",
    "subjects": "через точку с запятой, как в справочнике предметов",
    "experience_years": "целое число лет, 0–70",
    "qualification_category": "без категории, соответствие, первая, высшая, педагог-методист, педагог-наставник",
    "organization": "ИНН организации или её точное наименование",
}


def import_errors_xlsx(batch: ImportBatch) -> bytes:
    rows = ([error["row"], error["column"], error["message"]] for error in batch.errors)
    return workbook_bytes(Sheet("Ошибки", ["Строка", "Столбец", "Ошибка"], rows, widths={"C": 90}, bold_columns=()))

"""Writes of the competencies app: import, export and publishing of frameworks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efs import xlsx
from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.forms import read_json_upload
from efs.people import access
from efs.people.models import Region, Role, Subject

from .models import Audience, Block, Competency, Framework, FrameworkStatus

STARTER_DIR = Path(__file__).resolve().parent / "data" / "frameworks"
EDITORS = frozenset({Role.FEDERAL_OPERATOR, Role.REGIONAL_OPERATOR})


def _require_editor(actor, region: Region | None) -> None:
    """Federal frameworks are the federal operator's; a region's are its operator's."""
    if actor is None:  # the starter content loader
        return
    access.require_role(actor, EDITORS)
    reach = access.region_reach(actor, roles=EDITORS)
    if reach.everywhere:
        return
    if region is None or region.pk not in reach:
        raise PermissionDenied(
            _("Only the federal operator edits federal frameworks; a regional operator edits the region's own.")
        )


def _validate(data: Any) -> list[str]:
    errors: list[str] = []
    if not isinstance(data, dict):
        return [_("The file must describe one framework (a JSON object).")]
    for field in ("code", "version", "title", "audience", "levels", "competencies"):
        if not data.get(field):
            errors.append(_("The field «%(field)s» is missing or empty.") % {"field": field})
    if errors:
        return errors
    if data["audience"] not in Audience.values:
        errors.append(_("Unknown audience «%(value)s».") % {"value": data["audience"]})
    levels = data["levels"]
    if not isinstance(levels, list) or len(levels) < 2 or len({lvl.get("code") for lvl in levels}) != len(levels):
        errors.append(_("There must be at least two levels with distinct codes."))
        return errors
    competencies = data["competencies"]
    codes = [c.get("code") for c in competencies]
    if len(set(codes)) != len(codes) or not all(codes):
        errors.append(_("Competency codes must be present and distinct."))
        return errors
    parents = {c.get("parent") for c in competencies} - {None, ""}
    known_subjects = set(Subject.objects.values_list("code", flat=True))
    for c in competencies:
        code = c["code"]
        if c.get("parent") and c["parent"] not in codes:
            errors.append(_("%(code)s: unknown parent «%(parent)s».") % {"code": code, "parent": c["parent"]})
        if not c.get("title"):
            errors.append(_("%(code)s: the title is empty.") % {"code": code})
        if code not in parents:
            errors += _leaf_problems(c, levels=len(levels), known_subjects=known_subjects)
    if not any(c["code"] not in parents for c in competencies):
        errors.append(_("The framework has no diagnosed (leaf) competencies."))
    return errors


def _leaf_problems(c: dict, *, levels: int, known_subjects: set[str]) -> list[str]:
    """The problems of one diagnosed (leaf) competency: its block, cut points and subjects."""
    errors: list[str] = []
    code = c["code"]
    if c.get("block") not in Block.values:
        errors.append(_("%(code)s: unknown block «%(block)s».") % {"code": code, "block": c.get("block")})
    cuts = c.get("cuts")
    if (
        not isinstance(cuts, list)
        or len(cuts) != levels - 1
        or not all(isinstance(x, (int, float)) for x in cuts)
        or cuts != sorted(cuts)
    ):
        errors.append(_("%(code)s: give %(n)s ascending cut points.") % {"code": code, "n": levels - 1})
    unknown = set(c.get("subjects") or []) - known_subjects
    if unknown:
        errors.append(
            _("%(code)s: unknown subjects %(subjects)s.") % {"code": code, "subjects": ", ".join(sorted(unknown))}
        )
    return errors


@transaction.atomic
def framework_import(*, actor, data: Any, region: Region | None = None, publish: bool = False) -> Framework:
    """Create a framework version from its description; nothing is saved if any part is wrong."""
    _require_editor(actor, region)
    errors = _validate(data)
    if errors:
        raise ValidationFailed(" ".join(errors[:20]), code="framework_invalid", details=errors)
    if Framework.objects.filter(code=data["code"], version=data["version"]).exists():
        raise Conflict(
            _("Version %(version)s of framework «%(code)s» already exists; give the new one another version.") % data,
            code="framework_version_exists",
        )
    framework = Framework.objects.create(
        code=data["code"],
        version=str(data["version"]),
        title=data["title"],
        description=data.get("description", ""),
        audience=data["audience"],
        levels=[{"code": lvl["code"], "title": lvl["title"]} for lvl in data["levels"]],
        region=region,
    )
    parents = {c.get("parent") for c in data["competencies"]} - {None, ""}
    created: dict[str, Competency] = {}
    pending = list(enumerate(data["competencies"]))
    subjects = {s.code: s for s in Subject.objects.all()}
    while pending:  # parents first, whatever the order in the file
        rest = []
        for order, c in pending:
            parent_code = c.get("parent") or None
            if parent_code and parent_code not in created:
                rest.append((order, c))
                continue
            leaf = c["code"] not in parents
            competency = Competency.objects.create(
                framework=framework,
                parent=created.get(parent_code) if parent_code else None,
                code=c["code"],
                title=c["title"],
                description=c.get("description", ""),
                block=c.get("block") or "",
                labour_functions=list(c.get("labour_functions") or []),
                cuts=[float(x) for x in c.get("cuts") or []] if leaf else [],
                is_leaf=leaf,
                order=order,
            )
            if leaf and c.get("subjects"):
                competency.subjects.set([subjects[s] for s in c["subjects"]])
            created[c["code"]] = competency
        if len(rest) == len(pending):
            raise ValidationFailed(_("The competency tree has a cycle."), code="framework_invalid")
        pending = rest
    if publish:
        framework_publish(actor=actor, framework=framework)
    return framework


@transaction.atomic
def framework_publish(*, actor, framework: Framework) -> Framework:
    _require_editor(actor, framework.region)
    Framework.objects.filter(code=framework.code, status=FrameworkStatus.PUBLISHED).exclude(pk=framework.pk).update(
        status=FrameworkStatus.ARCHIVED
    )
    framework.status = FrameworkStatus.PUBLISHED
    framework.published_at = timezone.now()
    framework.save(update_fields=["status", "published_at"])
    return framework


def framework_to_dict(framework: Framework) -> dict[str, Any]:
    competencies = framework.competencies.select_related("parent").prefetch_related("subjects").order_by("order", "id")
    return {
        "code": framework.code,
        "version": framework.version,
        "title": framework.title,
        "description": framework.description,
        "audience": framework.audience,
        "levels": framework.levels,
        "competencies": [
            {
                "code": c.code,
                "parent": c.parent.code if c.parent else None,
                "title": c.title,
                "description": c.description,
                "block": c.block or None,
                "labour_functions": c.labour_functions,
                **({"cuts": c.cuts, "subjects": sorted(s.code for s in c.subjects.all())} if c.is_leaf else {}),
            }
            for c in competencies
        ],
    }


# ---------------------------------------------------------------- XLSX

XLSX_COLUMNS = ["Код", "Родитель", "Название", "Описание", "Блок", "Трудовые функции", "Пороги", "Предметы"]


def framework_to_xlsx(framework: Framework) -> bytes:
    data = framework_to_dict(framework)
    head = [
        [label, data[key]]
        for key, label in (
            ("code", "Код"),
            ("version", "Версия"),
            ("title", "Название"),
            ("audience", "Аудитория"),
            ("description", "Описание"),
        )
    ]
    competencies = (
        [
            c["code"],
            c["parent"] or "",
            c["title"],
            c["description"],
            c["block"] or "",
            ", ".join(c["labour_functions"]),
            "; ".join(str(x) for x in c.get("cuts", [])),
            ", ".join(c.get("subjects", [])),
        ]
        for c in data["competencies"]
    )
    return xlsx.workbook_bytes(
        xlsx.Sheet("Рамка", head[0], head[1:], bold_columns=()),
        xlsx.Sheet(
            "Уровни",
            ["Код", "Название"],
            ([level["code"], level["title"]] for level in data["levels"]),
            bold_columns=(),
        ),
        xlsx.Sheet(
            "Компетенции",
            XLSX_COLUMNS,
            competencies,
            widths=dict(zip("ABCDEFGH", (12, 12, 60, 80, 18, 18, 18, 18), strict=True)),
        ),
    )


def framework_from_xlsx(content: bytes) -> dict[str, Any]:
    """The framework description in an XLSX made by :func:`framework_to_xlsx` (or by hand)."""
    try:
        sheets = xlsx.xlsx_sheets(
            content,
            ("Рамка", "Уровни", "Компетенции"),
            broken_code="framework_file_broken",
            missing_code="framework_file_broken",
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            _(
                "The workbook must have the sheets «Рамка», «Уровни» and «Компетенции»; download an exported framework "
                "to see the layout."
            )
            + " "
            + exc.message,
            code="framework_file_broken",
        ) from None
    head = {str(r[0]).strip(): (r[1] if len(r) > 1 else None) for r in sheets["Рамка"] if r and r[0]}
    level_rows = sheets["Уровни"][1:]
    rows = sheets["Компетенции"]
    labels = {
        "Код": "code",
        "Версия": "version",
        "Название": "title",
        "Аудитория": "audience",
        "Описание": "description",
    }
    data: dict[str, Any] = {
        field: ("" if head.get(label) is None else str(head.get(label)).strip()) for label, field in labels.items()
    }
    data["levels"] = [{"code": str(r[0]).strip(), "title": str(r[1] or "").strip()} for r in level_rows if r and r[0]]

    def text(value: Any) -> str:
        return "" if value is None else str(value).strip()

    competencies = []
    for r in rows[1:]:
        if not r or not text(r[0]):
            continue
        r = list(r) + [None] * (8 - len(r))
        try:
            cuts = [float(x.replace(",", ".")) for x in text(r[6]).split(";") if x.strip()]
        except ValueError:
            raise ValidationFailed(
                _("%(code)s: cut points must be numbers separated by «;».") % {"code": text(r[0])},
                code="framework_invalid",
            ) from None
        competencies.append(
            {
                "code": text(r[0]),
                "parent": text(r[1]) or None,
                "title": text(r[2]),
                "description": text(r[3]),
                "block": text(r[4]) or None,
                "labour_functions": [x.strip() for x in text(r[5]).split(",") if x.strip()],
                "cuts": cuts,
                "subjects": [x.strip() for x in text(r[7]).split(",") if x.strip()],
            }
        )
    data["competencies"] = competencies
    return data


def framework_from_upload(file_name: str, content: bytes) -> dict[str, Any]:
    if file_name.lower().endswith(".xlsx"):
        return framework_from_xlsx(content)
    return read_json_upload(content, code="framework_file_broken")



def starter_frameworks_load() -> list[Framework]:
    """Load the shipped frameworks that are not in the database yet (idempotent)."""
    loaded = []
    for path in sorted(STARTER_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not Framework.objects.filter(code=data["code"], version=data["version"]).exists():
            loaded.append(framework_import(actor=None, data=data, publish=True))
    return loaded

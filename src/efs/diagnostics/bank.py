"""Item bank services: starter content, import/export, statistics, calibration runs,
promotion of calibrated items, fixed forms."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Required, TypedDict

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efs import xlsx
from efs.competencies.models import Competency, Framework, FrameworkStatus
from efs.errors import Conflict, ValidationFailed
from efs.forms import read_json_upload
from efs.people import access
from efs.people.models import Role
from efs.psychometrics import (
    ItemBank,
    ItemParameters,
    ResponseData,
    calibrate,
    estimate_correlation,
)
from efs.psychometrics.stats import item_statistics

from .engine import positive_definite
from .itemformat import MAX_SCORE, validate_item
from .models import (
    Assessment,
    AssessmentMode,
    CalibrationRun,
    CalibrationStatus,
    FixedFormItem,
    Item,
    ItemStatus,
    Response,
)

STARTER_DIR = Path(__file__).resolve().parent / "data" / "bank"
BANK_MANAGERS = frozenset({Role.FEDERAL_OPERATOR})
# Below this many responses an item's estimates are too noisy to replace its parameters.
MIN_RESPONSES_TO_APPLY = 200
# Below this many people the correlation of competencies is not estimated.
MIN_PERSONS_FOR_CORRELATION = 200



def require_bank_manager(actor) -> None:
    access.require_role(actor, BANK_MANAGERS)


# ---------------------------------------------------------------- creating items


def _item_fields(data: dict[str, Any], competency: Competency, status: str) -> dict[str, Any]:
    irt = data["irt"]
    content = {k: data[k] for k in ("stem", "options", "left", "right", "unit") if k in data}
    return {
        "code": data["code"],
        "competency": competency,
        "audience": data["audience"],
        "kind": data["kind"],
        "content": content,
        "key": data["key"],
        "max_score": MAX_SCORE[data["kind"]],
        "irt_model": irt["model"],
        "a": float(irt["a"]),
        "b": float(irt["b"]) if irt.get("b") is not None else None,
        "c": float(irt["c"]) if irt.get("c") is not None else None,
        "steps": [float(s) for s in irt.get("steps", [])],
        "status": status,
        "source": data.get("source", "")[:300],
        "rationale": data.get("rationale", ""),
    }


def _leaf_index() -> dict[tuple[str, str], Competency]:
    """Leaves of the published frameworks by (audience, code)."""
    leaves = Competency.objects.filter(is_leaf=True, framework__status=FrameworkStatus.PUBLISHED).select_related(
        "framework"
    )
    return {(c.framework.audience, c.code): c for c in leaves}


def _check(items: list[dict[str, Any]], leaves: dict[tuple[str, str], Competency]) -> list[str]:
    problems: list[str] = []
    codes = [i.get("code") for i in items]
    seen = set()
    for index, data in enumerate(items, start=1):
        if not isinstance(data, dict):
            problems.append(_("Item %(n)s: not an object.") % {"n": index})
            continue
        problems.extend(validate_item(data))
        if (data.get("audience"), data.get("competency")) not in leaves:
            problems.append(
                _("%(code)s: competency «%(competency)s» is not diagnosed in a published framework for this audience.")
                % {"code": data.get("code"), "competency": data.get("competency")}
            )
        if data.get("code") in seen:
            problems.append(_("%(code)s: the code repeats in the file.") % {"code": data.get("code")})
        seen.add(data.get("code"))
    existing = set(Item.objects.filter(code__in=[c for c in codes if c]).values_list("code", flat=True))
    problems.extend(
        _("%(code)s: an item with this code is already in the bank.") % {"code": code} for code in sorted(existing)
    )
    return problems


@transaction.atomic
def items_import(*, actor, file_name: str, content: bytes) -> list[Item]:
    """Add new items (as unscored pilots) from JSON or XLSX; all or nothing."""
    require_bank_manager(actor)
    items = _items_from_upload(file_name, content)
    if not items:
        raise ValidationFailed(_("The file has no items."), code="items_empty")
    leaves = _leaf_index()
    problems = _check(items, leaves)
    if problems:
        raise ValidationFailed(" ".join(problems[:10]), code="items_invalid", details=problems)
    return Item.objects.bulk_create(
        [Item(**_item_fields(data, leaves[(data["audience"], data["competency"])], ItemStatus.PILOT)) for data in items]
    )


def starter_items_load() -> int:
    """Add the shipped items that are not in the bank yet (operational, provisional)."""
    leaves = _leaf_index()
    existing = set(Item.objects.values_list("code", flat=True))
    new = []
    for path in sorted(STARTER_DIR.glob("*.json")):
        for data in json.loads(path.read_text(encoding="utf-8")):
            if data["code"] in existing or (data["audience"], data["competency"]) not in leaves:
                continue
            problems = validate_item(data)
            if problems:
                raise ValueError(f"{path.name}: {problems}")
            new.append(
                Item(**_item_fields(data, leaves[(data["audience"], data["competency"])], ItemStatus.OPERATIONAL))
            )
    Item.objects.bulk_create(new)
    return len(new)


# ---------------------------------------------------------------- export


def item_to_dict(item: Item) -> dict[str, Any]:
    irt: dict[str, Any] = {"model": item.irt_model, "a": round(item.a, 4)}
    if item.irt_model == "GPCM":
        irt["steps"] = [round(s, 4) for s in item.steps]
    else:
        irt["b"] = round(item.b or 0.0, 4)
        if item.irt_model == "3PL":
            irt["c"] = round(item.c or 0.0, 4)
    return {
        "code": item.code,
        "competency": item.competency.code,
        "audience": item.audience,
        "kind": item.kind,
        **item.content,
        "key": item.key,
        "irt": irt,
        "status": item.status,
        "source": item.source,
        "rationale": item.rationale,
    }


XLSX_HEADER = [
    "Код",
    "Компетенция",
    "Аудитория",
    "Тип",
    "Статус",
    "Задание (JSON)",
    "Ключ (JSON)",
    "IRT (JSON)",
    "Источник",
    "Обоснование",
]


def items_to_xlsx(items) -> bytes:
    def rows():
        for item in items:
            data = item_to_dict(item)
            content = {k: data[k] for k in ("stem", "options", "left", "right", "unit") if k in data}
            yield [
                item.code,
                item.competency.code,
                item.audience,
                item.kind,
                item.status,
                json.dumps(content, ensure_ascii=False),
                json.dumps(item.key, ensure_ascii=False),
                json.dumps(data["irt"]),
                item.source,
                item.rationale,
            ]

    return xlsx.workbook_bytes(xlsx.Sheet("Задания", XLSX_HEADER, rows(), bold_columns=()))


def _items_from_upload(file_name: str, content: bytes) -> list[dict[str, Any]]:
    if file_name.lower().endswith(".xlsx"):
        return _items_from_xlsx(content)
    data = read_json_upload(content, code="items_file_broken")
    if not isinstance(data, list):
        raise ValidationFailed(_("The JSON file must hold a list of items."), code="items_file_broken")
    return data


def _items_from_xlsx(content: bytes) -> list[dict[str, Any]]:
    rows = list(xlsx.xlsx_rows(content, broken_code="items_file_broken"))
    items = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0]:
            continue
        row = list(row) + [None] * (10 - len(row))
        try:
            content_part = json.loads(row[5] or "{}")
            key = json.loads(row[6] or "null")
            irt = json.loads(row[7] or "{}")
        except json.JSONDecodeError:
            raise ValidationFailed(
                _("Row %(row)s: the JSON columns cannot be read.") % {"row": number}, code="items_invalid"
            ) from None
        items.append(
            {
                "code": str(row[0]).strip(),
                "competency": str(row[1] or "").strip(),
                "audience": str(row[2] or "").strip(),
                "kind": str(row[3] or "").strip(),
                **content_part,
                "key": key,
                "irt": irt,
                "source": str(row[8] or ""),
                "rationale": str(row[9] or ""),
            }
        )
    return items


# ---------------------------------------------------------------- status


@transaction.atomic
def item_set_status(*, actor, item: Item, status: str) -> Item:
    require_bank_manager(actor)
    if status not in ItemStatus.values:
        raise ValidationFailed(_("Unknown item status."), code="item_status_unknown")
    item.status = status
    item.save(update_fields=["status", "updated_at"])
    return item


# ---------------------------------------------------------------- calibration


def calibration_start(*, actor, framework: Framework, anchor_operational: bool = True) -> CalibrationRun:
    """Queue a calibration of the framework's items from every answered response."""
    require_bank_manager(actor)
    if CalibrationRun.objects.filter(
        framework=framework, status__in=[CalibrationStatus.QUEUED, CalibrationStatus.RUNNING]
    ).exists():
        raise Conflict(_("A calibration of this framework is already running."), code="calibration_running")
    run = CalibrationRun.objects.create(framework=framework, started_by=actor, anchor_operational=anchor_operational)
    from .tasks import calibrate_framework

    transaction.on_commit(lambda: calibrate_framework.enqueue(run.pk))
    return run


def _progress(run: CalibrationRun, fraction: float, message: str) -> None:
    CalibrationRun.objects.filter(pk=run.pk).update(progress=max(0.0, min(1.0, fraction)), message=message[:300])


PROGRESS_EVERY = 0.5  # seconds between two writes of an EM run's progress


def _progress_throttled(run: CalibrationRun, start: float, span: float):
    """The EM reports after every iteration (hundreds a second on a small bank); the page
    polls every few seconds, so the run's row is written at most every PROGRESS_EVERY."""
    last = -PROGRESS_EVERY

    def report(fraction: float, message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY:
            last = now
            _progress(run, start + span * fraction, message)

    return report


def calibration_execute(run_id: int) -> None:
    """The task body: collect responses, calibrate, compute statistics, store results."""
    run = CalibrationRun.objects.select_related("framework").get(pk=run_id)
    if run.status not in (CalibrationStatus.QUEUED, CalibrationStatus.RUNNING):
        return
    CalibrationRun.objects.filter(pk=run.pk).update(status=CalibrationStatus.RUNNING, message=_("Collecting responses"))
    try:
        results = _calibrate(run)
    except Exception as exc:  # a failed job must say so on its page, not hang at "running"
        CalibrationRun.objects.filter(pk=run.pk).update(
            status=CalibrationStatus.FAILED, message=str(exc)[:300], finished_at=timezone.now()
        )
        raise
    CalibrationRun.objects.filter(pk=run.pk).update(
        status=CalibrationStatus.DONE,
        progress=1.0,
        message=_("Done"),
        results=results,
        persons=results["persons"],
        responses=results["responses"],
        finished_at=timezone.now(),
    )


def _steps(item: Item) -> list[float]:
    """The item's thresholds: its GPCM steps, or the b of a 2PL/3PL item (itemformat requires one)."""
    if item.irt_model == "GPCM":
        return list(item.steps)
    assert item.b is not None
    return [item.b]


def _calibrate(run: CalibrationRun) -> dict[str, Any]:
    items = list(
        Item.objects.filter(competency__framework=run.framework)
        .exclude(status=ItemStatus.RETIRED)
        .select_related("competency")
        .order_by("pk")
    )
    if not items:
        raise ValueError(_("The framework has no items."))
    index = {item.pk: i for i, item in enumerate(items)}
    rows = list(
        Response.objects.filter(item_id__in=index, answered_at__isnull=False)
        .values_list("attempt_id", "item_id", "score")
        .order_by("attempt_id")
    )
    if not rows:
        raise ValueError(_("There are no answered responses to calibrate from yet."))
    persons: dict[int, int] = {}
    person_index = np.fromiter(
        (persons.setdefault(a, len(persons)) for a, _i, _s in rows), dtype=np.int64, count=len(rows)
    )
    item_index = np.fromiter((index[i] for _a, i, _s in rows), dtype=np.int64, count=len(rows))
    scores = np.fromiter((s for _a, _i, s in rows), dtype=np.int64, count=len(rows))
    data = ResponseData.from_arrays(person_index, item_index, scores, n_persons=len(persons), n_items=len(items))
    dims: dict[str, int] = {}
    dimension = np.array([dims.setdefault(item.competency.code, len(dims)) for item in items], dtype=np.int64)
    models = [item.irt_model for item in items]
    anchors = {}
    if run.anchor_operational:
        anchors = {
            index[item.pk]: ItemParameters(
                model=item.irt_model,
                a=item.a,
                steps=_steps(item),
                c=item.c or 0.0,
            )
            for item in items
            if item.status == ItemStatus.OPERATIONAL
        }
    _progress(
        run,
        0.05,
        _("Calibrating %(items)s items from %(responses)s responses") % {"items": len(items), "responses": len(rows)},
    )
    result = calibrate(
        data,
        model=models,
        dimension=dimension,
        anchors=anchors or None,
        progress=_progress_throttled(run, 0.05, 0.8),
    )
    _progress(run, 0.88, _("Item statistics"))
    bank = ItemBank.from_arrays(
        ids=[str(item.pk) for item in items],
        dimension=dimension,
        model=result.model,
        a=result.a,
        steps=result.steps,
        c=result.c,
        dimension_ids=list(dims),
    )
    stats = item_statistics(bank, data)
    correlation = None
    if len(dims) > 1 and len(persons) >= MIN_PERSONS_FOR_CORRELATION:
        _progress(run, 0.93, _("Correlation of competencies"))
        by_person: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for p, i, s in zip(person_index.tolist(), item_index.tolist(), scores.tolist(), strict=True):
            by_person[p][0].append(i)
            by_person[p][1].append(s)
        matrix, _iterations = estimate_correlation(bank, list(by_person.values()))
        if positive_definite(matrix):
            correlation = {"codes": list(dims), "matrix": np.round(matrix, 4).tolist()}
    per_item = []
    for i, item in enumerate(items):
        steps = [float(x) for x in result.steps[i] if not np.isnan(x)]
        per_item.append(
            {
                "item": item.pk,
                "code": item.code,
                "status": item.status,
                "fixed": bool(result.fixed[i]),
                "n": int(stats.n[i]),
                "p_value": _finite(stats.p_value[i]),
                "point_biserial": _finite(stats.point_biserial[i]),
                "infit": _finite(stats.infit[i]),
                "outfit": _finite(stats.outfit[i]),
                "model": item.irt_model,
                "a": round(float(result.a[i]), 4),
                "steps": [round(s, 4) for s in steps],
                "c": round(float(result.c[i]), 4),
                "old": {"a": item.a, "b": item.b, "steps": item.steps},
            }
        )
    return {
        "persons": len(persons),
        "responses": len(rows),
        "converged": bool(result.converged),
        "iterations": int(result.iterations),
        "log_likelihood": float(result.log_likelihood),
        "items": per_item,
        "correlation": correlation,
        "min_responses_to_apply": MIN_RESPONSES_TO_APPLY,
    }


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


@transaction.atomic
def calibration_apply(*, actor, run: CalibrationRun) -> int:
    """Store the run's statistics on every item; give new parameters to items with enough
    responses, and make such pilot items operational. Returns how many got parameters."""
    require_bank_manager(actor)
    run = CalibrationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != CalibrationStatus.DONE:
        raise Conflict(_("Only a finished calibration can be applied."), code="calibration_not_done")
    if run.promoted_at:
        raise Conflict(_("This calibration has already been applied."), code="calibration_applied")
    now = timezone.now()
    rows = {row["item"]: row for row in run.results["items"]}
    applied = 0
    for item in Item.objects.select_for_update().filter(pk__in=rows):
        row = rows[item.pk]
        item.stats = {k: row[k] for k in ("n", "p_value", "point_biserial", "infit", "outfit")} | {"run": run.pk}
        fields = ["stats", "updated_at"]
        complete = len(row["steps"]) == (item.max_score if item.irt_model == "GPCM" else 1)
        if not row["fixed"] and row["n"] >= MIN_RESPONSES_TO_APPLY and complete:
            item.a = row["a"]
            if item.irt_model == "GPCM":
                item.steps = row["steps"]
            else:
                item.b = row["steps"][0]
                if item.irt_model == "3PL":
                    item.c = row["c"]
            item.provisional = False
            item.calibrated_at = now
            fields += ["a", "b", "c", "steps", "provisional", "calibrated_at"]
            if item.status == ItemStatus.PILOT:
                item.status = ItemStatus.OPERATIONAL
                fields.append("status")
            applied += 1
        item.save(update_fields=fields)
    if run.results.get("correlation"):
        Framework.objects.filter(pk=run.framework_id).update(correlation=run.results["correlation"])
    run.promoted_at = now
    run.save(update_fields=["promoted_at"])
    return applied


# ---------------------------------------------------------------- assessments


def fixed_form_build(*, assessment: Assessment, per_block: dict[str, int]) -> list[Item]:
    """A fixed form: for each block, the operational items most informative at their
    competency's deficit cut, spread over the block's competencies in turn."""
    from efs.psychometrics.models import information, model_code

    chosen: list[Item] = []
    for block, count in per_block.items():
        candidates = list(
            Item.objects.filter(
                competency__framework=assessment.framework,
                competency__block=block,
                status=ItemStatus.OPERATIONAL,
                competency__subjects__isnull=True,
            )
            .select_related("competency")
            .order_by("pk")
        )
        if not candidates:
            continue
        steps = np.full((len(candidates), 2), np.nan)
        for i, item in enumerate(candidates):
            values = item.steps if item.irt_model == "GPCM" else [item.b]
            steps[i, : len(values)] = values
        info = np.array(
            [
                information(
                    np.array([model_code(item.irt_model)]),
                    np.array([item.a]),
                    np.array([item.c or 0.0]),
                    steps[i : i + 1],
                    item.competency.deficit_cut,
                )[0, 0]
                for i, item in enumerate(candidates)
            ]
        )
        by_competency: dict[int, list[tuple[float, Item]]] = defaultdict(list)
        for value, item in sorted(zip(info.tolist(), candidates, strict=True), key=lambda pair: (-pair[0], pair[1].pk)):
            by_competency[item.competency_id].append((value, item))
        queues = [iter(items) for _c, items in sorted(by_competency.items())]
        picked = 0
        while picked < count and queues:
            for queue in list(queues):
                nxt = next(queue, None)
                if nxt is None:
                    queues.remove(queue)
                    continue
                chosen.append(nxt[1])
                picked += 1
                if picked == count:
                    break
    FixedFormItem.objects.filter(assessment=assessment).delete()
    FixedFormItem.objects.bulk_create(
        [FixedFormItem(assessment=assessment, item=item, position=i) for i, item in enumerate(chosen, start=1)]
    )
    return chosen


class _StarterAssessment(TypedDict, total=False):
    code: Required[str]
    audience: Required[str]
    title: Required[str]
    description: Required[str]
    mode: Required[str]
    max_items: Required[int]
    max_per_competency: Required[int]
    min_per_competency: int
    time_limit_minutes: Required[int]
    pilot_items: int
    blocks: dict[str, int]  # a fixed form: items per block


STARTER_ASSESSMENTS: list[_StarterAssessment] = [
    {
        "code": "teacher-adaptive",
        "audience": "teacher",
        "title": "Диагностика профессиональных дефицитов педагога",
        "description": "Адаптивный тест по компетенциям профессионального стандарта «Педагог»: задания подбираются по "
                       "вашим ответам, "
        "по каждой компетенции тест останавливается, как только вывод надёжен. Обычно 40–70 заданий, не больше 80.",
        "mode": AssessmentMode.ADAPTIVE,
        "max_items": 80,
        "max_per_competency": 10,
        "time_limit_minutes": 120,
    },
    {
        "code": "teacher-fixed-25",
        "audience": "teacher",
        "title": "Фиксированный вариант: 25 заданий, 4 блока",
        "description": "Вариант в формате региональных диагностик: 25 заданий в четырёх блоках — нормативно-правовом, "
                       "методическом, "
        "психолого-педагогическом и коммуникативном. Все получают одни и те же задания.",
        "mode": AssessmentMode.FIXED,
        "max_items": 25,
        "max_per_competency": 25,
        "min_per_competency": 1,
        "time_limit_minutes": 60,
        "pilot_items": 0,
        "blocks": {"legal": 6, "methodological": 7, "psych_pedagogical": 6, "communicative": 6},
    },
    {
        "code": "manager-adaptive",
        "audience": "manager",
        "title": "Диагностика управленческих компетенций руководителя",
        "description": "Адаптивный тест для руководителей образовательных организаций и их заместителей.",
        "mode": AssessmentMode.ADAPTIVE,
        "max_items": 50,
        "max_per_competency": 8,
        "time_limit_minutes": 90,
    },
    {
        "code": "student-adaptive",
        "audience": "student",
        "title": "Диагностика профессиональных компетенций будущего педагога",
        "description": "Адаптивный тест для студентов педагогических вузов и колледжей по общепрофессиональным "
                       "компетенциям ФГОС ВО.",
        "mode": AssessmentMode.ADAPTIVE,
        "max_items": 50,
        "max_per_competency": 8,
        "time_limit_minutes": 90,
    },
]


def starter_assessments_load() -> list[Assessment]:
    created = []
    for spec in STARTER_ASSESSMENTS:
        framework = Framework.objects.filter(
            audience=spec["audience"], status=FrameworkStatus.PUBLISHED, region__isnull=True
        ).first()
        if framework is None or Assessment.objects.filter(code=spec["code"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k not in ("audience", "blocks")}
        assessment = Assessment.objects.create(framework=framework, **fields)
        if spec.get("blocks"):
            fixed_form_build(assessment=assessment, per_block=spec["blocks"])
        created.append(assessment)
    return created

"""`efs catalog import FILE --provider INN [--publish]` and `efs catalog search "QUERY" --json`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from efs.catalog.importexport import XLSX_COLUMNS
from efs.catalog.models import Program, ProgramStatus, ProgramTransition
from tests.catalog.conftest import card, publish
from tests.catalog.test_search_words import METHODS


def card_json(
    code: str,
    title: str,
    annotation: str = "Программа для учителей математики: уроки на задачах в контексте и оценивание результатов "
                      "обучающихся.",
) -> dict:
    return {
        "code": code,
        "kind": "upgrade",
        "title": title,
        "annotation": annotation,
        "audience": {"categories": ["teacher"], "positions": ["учитель"], "subjects": []},
        "hours": 36,
        "form": "blended",
        "distance_learning": True,
        "e_learning": False,
        "final_assessment": "зачёт",
        "price_rub": 4500,
        "developer": "ККИПК",
        "outcomes": [{"competency": "T.RO", "weight": 0.8, "text": ""}],
        "modules": [{"title": "Задачи", "hours": 20}, {"title": "Оценивание", "hours": 16}],
    }


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_json_as_drafts(depot, tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(
        json.dumps(
            [
                card_json("R-1", "Наставничество в школе: модели и практики"),
                card_json("R-2", "Формирующее оценивание на уроке математики"),
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out, _err = run("import", str(path), "--provider", depot["provider"].inn)
    assert out.strip() == "Импортировано программ как черновики: 2 (ККИПК и ППРО)."
    assert list(Program.objects.order_by("code").values_list("code", "status", "provider_id")) == [
        ("R-1", ProgramStatus.DRAFT, depot["provider"].pk), ("R-2", ProgramStatus.DRAFT, depot["provider"].pk),
    ]
    assert json.loads(run("search", "наставничество", "--json")[0]) == []  # drafts are not in the depository


def test_import_xlsx_and_publish_then_search(depot, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(XLSX_COLUMNS)
    sheet.append(
        [
            "R-9",
            "ПК",
            "Методика обучения математике в основной школе",
            "Как планировать уроки алгебры и геометрии в 5–9 классах и проверять результаты обучения.",
            "педагоги",
            "",
            "",
            36,
            "очно-заочная",
            "да",
            "нет",
            "зачёт",
            0,
            "ФИРО",
            "T.MATH:0.9",
            "Планирование: 20; Проверка: 16",
        ]
    )
    path = tmp_path / "federal.xlsx"
    book.save(path)
    out, _err = run("import", str(path), "--provider", depot["provider"].inn, "--publish")
    assert out.strip() == "Импортировано и опубликовано программ: 1 (ККИПК и ППРО)."
    program = Program.objects.get(code="R-9")
    assert program.status == ProgramStatus.PUBLISHED and program.published_at is not None
    transition = ProgramTransition.objects.get(program=program)
    assert (transition.from_status, transition.to_status, transition.by) == ("draft", "published", None)
    assert transition.comment == "Опубликована при импорте: карточка прошла экспертизу вне платформы (federal.xlsx)."
    found = json.loads(run("search", "учителей математики", "--json")[0])
    assert [(p["id"], p["title"]) for p in found] == [(program.pk, "Методика обучения математике в основной школе")]
    assert found[0]["price_kopecks"] == 0 and found[0]["cohorts"] == []


def test_import_is_all_or_nothing_with_russian_row_errors(depot, tmp_path):
    path = tmp_path / "registry.json"
    bad = card_json("R-2", "Коротко")
    bad["hours"] = 8
    bad["modules"] = [{"title": "Всё", "hours": 8}]
    path.write_text(
        json.dumps(
            [
                card_json("R-1", "Наставничество в школе: модели и практики"),
                bad,
                card_json("R-1", "Повтор кода карточки в файле"),
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "catalog", "import", str(path), "--provider", depot["provider"].inn, stdout=io.StringIO(), stderr=err
        )
    assert str(raised.value) == "В файле есть ошибки, поэтому ничего не импортировано."
    assert err.getvalue().splitlines() == [
        "Строка 2 (R-2): Название слишком короткое.",
        "Строка 2 (R-2): Программа вида «повышение квалификации» должна быть не меньше 16 часов.",
        "Строка 3 (R-1): повторяет карточку из строки 1",
    ]
    assert Program.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["import", "cards.csv", "--provider", "2465000000"],
            "Файл должен быть в формате .json или .xlsx (как при выгрузке из депозитария): cards.csv",
        ),
        (
            ["import", "/nonexistent/cards.json", "--provider", "2465000000"],
            "Не удаётся прочитать файл: /nonexistent/cards.json (No such file or directory)",
        ),
        (["search", "математика", "--json", "--region", "99"], "Регион с кодом 99 не найден."),
        (["search", "математика", "--json", "--limit", "0"], "--limit должен быть целым числом от 1 до 1000."),
        (["search", "  ", "--json"], "Укажите слова для поиска."),
    ],
)
def test_bad_input_is_refused_in_russian(depot, args, message):
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert str(raised.value) == message


def test_unknown_provider(depot, tmp_path):
    path = tmp_path / "registry.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("import", str(path), "--provider", "0000000000")
    assert str(raised.value) == "Организация с ИНН 0000000000 не найдена."


def test_search_json_region_limit_and_suggestion(depot):
    world = depot["world"]
    full = publish(depot, card())
    methods = publish(depot, card(**METHODS))
    out, _err = run("search", "учителей математики", "--json")
    assert [(p["id"], p["title"]) for p in json.loads(out)] == [(full.pk, full.title), (methods.pk, methods.title)]
    assert [p["id"] for p in json.loads(run("search", "учителей математики", "--json", "--limit", "1")[0])] == [full.pk]
    assert [
        p["id"] for p in json.loads(run("search", "учителей математики", "--json", "--region", world.r1.code)[0])
    ] == [full.pk, methods.pk]
    assert (
        json.loads(run("search", "учителей математики", "--json", "--region", world.r2.code)[0]) == []
    )  # cohorts open to region 24 only
    out, err = run("search", "мотемотика", "--json")
    assert json.loads(out) == [] and err.strip() == "Возможно, вы имели в виду: математика"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["catalog", "search", "математика"], 2, "не указаны обязательные аргументы: --json"),
        (["catalog", "import", "cards.json"], 2, "не указаны обязательные аргументы: --provider"),
        (["catalog", "export"], 2, "неизвестное действие 'export'; доступны import, search, reindex"),
        (["catalog", "import", "cards.txt", "--provider", "1"], 1, "Файл должен быть в формате .json или .xlsx"),
    ],
)
def test_the_efs_command_exits_non_zero(tmp_path, args, status, message):
    env = {**os.environ, "EFS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "efs.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == status and message in done.stderr

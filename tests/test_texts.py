"""Text a person reads: Russian, with proper plurals and cases (issue 11, item 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from efs.errors import ValidationFailed
from efs.forms import read_json_upload


def _render(source: str, **context) -> str:
    with translation.override("ru"):
        return Template("{% load i18n %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "не больше 1 задания"), (2, "не больше 2 заданий"), (5, "не больше 5 заданий"), (21, "не больше 21 задания")],
)
def test_item_limits_agree_with_the_number(n, text):
    assert (
        _render(
            "{% blocktranslate count n=n %}at most {{ n }} item{% plural %}at most {{ n }} items{% endblocktranslate "
            "%}",
            n=n,
        )
        == text
    )


@pytest.mark.parametrize(("total", "word"), [(1, "час"), (24, "часа"), (25, "часов"), (21, "час")])
def test_module_hours_agree_with_the_number(total, word):
    from efs.catalog.services import _modules_mismatch

    with translation.override("ru"):
        assert _modules_mismatch(total, 36) == f"Модули в сумме {total} {word}, а в программе 36."


def test_a_statement_month_reads_in_the_right_case():
    text = _render(
        '{% blocktranslate with m=month|date:"F Y"|lower %}Statement for {{ m }}{% endblocktranslate %}',
        month=dt.date(2026, 12, 1),
    )
    assert text.endswith("декабрь 2026") and "Декабрь" not in text


def test_a_broken_upload_is_explained_in_russian():
    with translation.override("ru"), pytest.raises(ValidationFailed) as not_utf8:
        read_json_upload("[{'а': 1}]".encode("cp1251"), code="x")
    assert "UTF-8" in not_utf8.value.message and "codec" not in not_utf8.value.message
    with translation.override("ru"), pytest.raises(ValidationFailed) as broken:
        read_json_upload(b'[{"a": 1,}]', code="x")
    assert broken.value.message == "Файл JSON повреждён: строка 1, позиция 10."


def test_admin_sections_and_the_favicon(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    with translation.override("ru"):
        page = client.get("/admin/").content.decode()
    assert "Tasks Database Backend" not in page and "Очередь фоновых задач" in page
    assert 'rel="icon"' in client.get("/people/notifications/").content.decode()
    assert client.get("/favicon.ico").status_code == 301


def test_long_competency_names_fit_left_of_the_chart():
    from efs.diagnostics.presentation import LABEL_CHARS_PER_PIXEL, label_lines

    title = (
        "Проектирование и реализация индивидуальных образовательных маршрутов обучающихся "
        "с особыми образовательными потребностями"
    )
    lines = label_lines(title, 314)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(len(line) <= 314 * LABEL_CHARS_PER_PIXEL for line in lines)
    assert label_lines("Оценивание", 314) == ("Оценивание",)

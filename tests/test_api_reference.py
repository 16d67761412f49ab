"""docs/api.md lists every operation and every error code, and the API speaks Russian."""

from __future__ import annotations

import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import api_reference  # noqa: E402


def test_the_api_page_is_current():
    assert api_reference.updated_document() == api_reference.DOC.read_text(encoding="utf-8"), (
        "docs/api.md is stale: run .venv/bin/python scripts/api_reference.py"
    )


def test_every_operation_has_a_russian_summary():
    catalog = polib.pofile(str(api_reference.SRC / "locale" / "ru" / "LC_MESSAGES" / "django.po"))
    missing = []
    for _tag, method, path, summary in api_reference.operations():
        entry = catalog.find(summary)
        if not summary or entry is None or not entry.msgstr:
            missing.append(f"{method} {path}: {summary!r}")
    assert missing == [], "operations whose summary has no Russian translation in django.po"


@pytest.mark.django_db
def test_the_document_is_served_in_russian(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["paths"]["/api/people/me"]["get"]["summary"] == "Кто я: роли и области доступа"


def test_codes_are_read_with_their_class_status():
    codes = {code: status for code, status, _app, _message in api_reference.error_codes()}
    assert codes["enrollment_exists"] == 409
    assert codes["program_invalid"] == 422


def test_every_schema_of_the_api_has_its_own_name():
    """The OpenAPI document names each schema by its class: two classes of one name in two apps
    collapse into one component, and the document then lies about one of the two operations."""
    import inspect
    from collections import defaultdict

    from ninja import Schema

    from efs.api.api import operations

    classes = defaultdict(set)
    for _router, operation in operations():
        for value in vars(inspect.getmodule(operation.view_func)).values():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__.startswith("efs."):
                classes[value.__name__].add(f"{value.__module__}.{value.__qualname__}")
    assert {name: sorted(found) for name, found in classes.items() if len(found) > 1} == {}

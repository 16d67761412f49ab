"""Fails when a view, an API endpoint or an admin page reads people's data directly.

People's data is read only through ``efs.people.access`` (or a ``queries`` function
built on it). In the modules that serve requests, any ``<PersonalModel>.objects``
or ``get_object_or_404(<PersonalModel>, ...)`` is a bypass.
"""

from __future__ import annotations

import ast
from pathlib import Path

import efs
from efs.people import access

SRC = Path(efs.__file__).resolve().parent
REQUEST_MODULES = ("views.py", "api.py", "admin.py")


def bypasses(source: str, model_names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id in model_names
        ):
            found.append(f"line {node.lineno}: {node.value.id}.objects")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"get_object_or_404", "get_list_or_404"}
        ):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Name) and first.id in model_names:
                found.append(f"line {node.lineno}: {node.func.id}({first.id})")
    return sorted(found)


def request_modules() -> list[Path]:
    files = [p for p in SRC.rglob("*.py") if p.name in REQUEST_MODULES or p.parent.name in {"web", "views", "api"}]
    return sorted(p for p in files if "migrations" not in p.parts)


def test_no_request_module_reads_peoples_data_directly():
    names = {model.__name__ for model in access.personal_models()}
    assert "Educator" in names
    offenders = {}
    for path in request_modules():
        found = bypasses(path.read_text(encoding="utf-8"), names)
        if found:
            offenders[str(path.relative_to(SRC))] = found
    assert offenders == {}


def test_the_guard_catches_a_bypass():
    source = (
        "from django.shortcuts import get_object_or_404\n"
        "def view(request, pk):\n"
        "    a = Educator.objects.get(pk=pk)\n"
        "    b = get_object_or_404(Educator, pk=pk)\n"
    )
    assert bypasses(source, {"Educator"}) == ["line 3: Educator.objects", "line 4: get_object_or_404(Educator)"]


def test_the_guard_sees_the_request_modules():
    names = {p.name for p in request_modules()}
    assert {"views.py", "api.py", "admin.py"} <= names

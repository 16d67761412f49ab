"""Apps talk to each other through public modules (ADR 0006).

An app imports another app's ``public`` module, never its models (except in its own
``models.py``, for relations), services, queries or private helpers. The scoping kernel
``efs.people.access`` and the pure engines' package surfaces (``from efs.planner import
plan_route``) are public by construction; ``efs.api`` assembles the apps' ``api`` routers.

Today's code predates the rule: ``GRANDFATHERED`` lists its remaining cross-app imports.
The test fails on any new one (a new app starts clean) and on a listed one that is gone
(so the list only shrinks). ``python tests/test_public_modules.py`` prints the current list.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "efs"
PURE_ENGINES = {"psychometrics", "planner"}


def _apps() -> set[str]:
    return {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("efs.") and node.level == 0:
        parts = node.module.split(".")
        return [f"{node.module}.{a.name}" for a in node.names] if len(parts) == 2 else [node.module]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("efs.")]
    return []


def _allowed(importer: Path, app: str, other: str, module: str) -> bool:
    if module == "public":
        return True
    if (other, module) == ("people", "access"):
        return True
    if (other, module) == ("web", "actions"):
        return True  # the one form → service → message shape of every app's views (COMMON.md)
    if other in PURE_ENGINES and not (SRC / other / f"{module}.py").exists():
        return True  # a name from the engine package itself: its public surface
    if module == "models" and importer.name == "models.py":
        return True  # relations between apps' models
    return app == "api" and module == "api"


def cross_app_imports() -> dict[str, set[str]]:
    """Every cross-app import the rule does not allow: importer path -> imported modules."""
    apps = _apps()
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        app = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for name in _imported(node):
                parts = name.split(".")
                if len(parts) < 3 or parts[1] == app or parts[1] not in apps:
                    continue
                module = parts[2]
                if (SRC / parts[1] / f"{module}.py").exists() or (SRC / parts[1] / module).is_dir():
                    target = f"efs.{parts[1]}.{module}"
                else:
                    target = f"efs.{parts[1]}"
                if not _allowed(path, app, parts[1], module):
                    found.setdefault(str(rel), set()).add(target)
    return found


GRANDFATHERED: dict[str, set[str]] = {
    "catalog/access.py": {"efs.people.models"},
    "catalog/api.py": {"efs.diagnostics.access", "efs.people.models", "efs.people.queries"},
    "catalog/importexport.py": {"efs.people.models"},
    "catalog/queries.py": {
        "efs.competencies.models",
        "efs.diagnostics.queries",
        "efs.people.models",
    },
    "catalog/services.py": {"efs.competencies.models", "efs.people.models"},
    "catalog/views.py": {
        "efs.competencies.models",
        "efs.diagnostics.access",
        "efs.people.models",
        "efs.people.queries",
    },
    "competencies/api.py": {"efs.people.models"},
    "competencies/services.py": {"efs.people.models"},
    "competencies/views.py": {"efs.people.models"},
    "demo/catalog.py": {
        "efs.catalog.importexport",
        "efs.catalog.models",
        "efs.catalog.services",
        "efs.people.models",
        "efs.people.services",
    },
    "demo/diagnostics.py": {
        "efs.competencies.models",
        "efs.diagnostics.engine",
        "efs.diagnostics.itemformat",
        "efs.diagnostics.models",
        "efs.people.models",
    },
    "demo/financing.py": {"efs.financing.models", "efs.financing.services", "efs.people.models"},
    "demo/generator.py": {"efs.people.validators"},
    "demo/management/commands/demo.py": {"efs.people.models"},
    "demo/routes.py": {
        "efs.catalog.models",
        "efs.catalog.queries",
        "efs.competencies.models",
        "efs.diagnostics.models",
        "efs.diagnostics.services",
        "efs.financing.services",
        "efs.people.models",
        "efs.people.services",
        "efs.routes.models",
        "efs.routes.regional",
        "efs.routes.services",
    },
    "demo/users.py": {"efs.people.models", "efs.people.services"},
    "demo/writer.py": {"efs.people.models"},
    "diagnostics/access.py": {"efs.people.models"},
    "diagnostics/api.py": {"efs.competencies.models", "efs.people.audit"},
    "diagnostics/bank.py": {
        "efs.competencies.models",
        "efs.people.models",
        "efs.psychometrics.models",
        "efs.psychometrics.stats",
    },
    "diagnostics/engine.py": {"efs.competencies.models"},
    "diagnostics/management/commands/starter.py": {"efs.competencies.services"},
    "diagnostics/queries.py": {"efs.competencies.models"},
    "diagnostics/services.py": {"efs.competencies.models", "efs.people.models", "efs.people.services"},
    "diagnostics/views.py": {
        "efs.competencies.models",
        "efs.people.audit",
        "efs.people.models",
        "efs.people.queries",
        "efs.people.services",
    },
    "financing/access.py": {"efs.people.models"},
    "financing/api.py": {"efs.catalog.models", "efs.people.models"},
    "financing/queries.py": {"efs.people.models"},
    "financing/services.py": {"efs.catalog.models", "efs.catalog.queries", "efs.people.models", "efs.people.services"},
    "financing/views.py": {"efs.catalog.models", "efs.people.models"},
    "routes/access.py": {"efs.people.models"},
    "routes/api.py": {"efs.catalog.models", "efs.people.models"},
    "routes/building.py": {
        "efs.catalog.models",
        "efs.catalog.queries",
        "efs.competencies.models",
        "efs.diagnostics.models",
        "efs.people.models",
    },
    "routes/queries.py": {"efs.financing.models", "efs.people.models"},
    "routes/regional.py": {
        "efs.catalog.models",
        "efs.catalog.queries",
        "efs.financing.services",
        "efs.people.models",
        "efs.people.services",
    },
    "routes/services.py": {
        "efs.catalog.models",
        "efs.diagnostics.models",
        "efs.diagnostics.services",
        "efs.financing.services",
        "efs.people.models",
        "efs.people.services",
    },
    "routes/views.py": {"efs.catalog.models", "efs.financing.services", "efs.people.models"},
    "web/context.py": {"efs.people.models"},
    "web/views.py": {
        "efs.catalog.models",
        "efs.diagnostics.queries",
        "efs.financing.models",
        "efs.financing.queries",
        "efs.financing.services",
        "efs.people.models",
        "efs.people.queries",
        "efs.people.services",
        "efs.routes.queries",
        "efs.routes.services",
    },
}


def test_no_new_cross_app_import_bypasses_a_public_module():
    current = cross_app_imports()
    new = {path: sorted(mods - GRANDFATHERED.get(path, set())) for path, mods in current.items()}
    new = {path: mods for path, mods in new.items() if mods}
    assert new == {}, "import the other app's `public` module instead (ADR 0006)"


def test_the_grandfathered_list_only_shrinks():
    current = cross_app_imports()
    gone = {path: sorted(mods - current.get(path, set())) for path, mods in GRANDFATHERED.items()}
    gone = {path: mods for path, mods in gone.items() if mods}
    assert gone == {}, "remove these from GRANDFATHERED: they are fixed"


def test_the_rule_sees_a_bypass(tmp_path):
    assert _allowed(SRC / "support" / "services.py", "support", "routes", "public")
    assert not _allowed(SRC / "support" / "services.py", "support", "routes", "models")
    assert _allowed(SRC / "support" / "models.py", "support", "people", "models")
    assert _allowed(SRC / "routes" / "services.py", "routes", "planner", "plan_route")
    assert not _allowed(SRC / "routes" / "services.py", "routes", "planner", "region")


if __name__ == "__main__":  # print the current list, to paste when the code moves on
    sys.stdout.write("GRANDFATHERED: dict[str, set[str]] = {\n")
    for path, mods in cross_app_imports().items():
        sys.stdout.write(f"    {path!r}: {{{', '.join(repr(m) for m in sorted(mods))}}},\n")
    sys.stdout.write("}\n")

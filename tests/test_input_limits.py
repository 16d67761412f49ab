"""Every text a person or a client can send has a length limit (issue 11, item 12).

A limit that is missing shows up here, not as a 10 000-character note saved in production:
each form's text field has a `max_length`, and each string in the API's inputs (query,
path, body) has a `maxLength`, an enum or a format in the OpenAPI document.
"""

from __future__ import annotations

import importlib
import pkgutil

from django import forms

import efs

# Fields whose limit Django sets when the form is built (AuthenticationForm reads the user model).
SET_AT_RUNTIME = {"efs.people.forms.ThrottledAuthenticationForm.username"}
BOUNDED_FORMATS = {"date", "date-time", "time", "binary", "email", "uri", "uuid"}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_text_field_of_a_form_has_a_length_limit():
    for module in pkgutil.walk_packages(efs.__path__, "efs."):
        if module.name.rsplit(".", 1)[-1] == "forms":
            importlib.import_module(module.name)
    unbounded = []
    for cls in set(_subclasses(forms.BaseForm)):
        if not cls.__module__.startswith("efs."):
            continue
        for name, field in cls.base_fields.items():
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if isinstance(field, forms.CharField) and field.max_length is None and where not in SET_AT_RUNTIME:
                unbounded.append(where)
    assert sorted(unbounded) == []


def _unbounded_strings(schema: dict, components: dict, where: str, seen: set[str]):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _unbounded_strings(components[name], components, f"{where}>{name}", seen)
        return
    alternatives = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    numeric = any(a.get("type") in {"number", "integer"} for a in alternatives)
    for alternative in alternatives:
        if not (numeric and alternative.get("type") == "string"):  # a decimal sent as a string: digits bound it
            yield from _unbounded_strings(alternative, components, where, seen)
    if schema.get("type") == "string" and not ({"maxLength", "enum", "pattern", "const"} & schema.keys()):
        if schema.get("format") not in BOUNDED_FORMATS:
            yield where
    for name, sub in schema.get("properties", {}).items():
        yield from _unbounded_strings(sub, components, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from _unbounded_strings(schema["items"], components, f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _unbounded_strings(schema["additionalProperties"], components, f"{where}{{}}", seen)


def test_every_string_the_api_accepts_has_a_length_limit():
    from efs.api.api import api

    document = api.get_openapi_schema(path_prefix="/api/")
    components = document.get("components", {}).get("schemas", {})
    unbounded = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} ?{parameter['name']}"
                unbounded += _unbounded_strings(parameter.get("schema", {}), components, where, set())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded_strings(
                    content.get("schema", {}), components, f"{method.upper()} {path} body", set()
                )
    assert sorted(unbounded) == []


def test_texts_sent_outside_forms_are_refused_in_russian_when_too_long(world):
    """Views that pass raw POST text to a service: the service checks the length, nothing is saved."""
    from efs.people.models import Macroregion

    client = world.client("federal")
    page = client.post("/people/macroregions/", {"name": "М" * 201, "regions": [world.r1.pk, world.r2.pk]})
    assert page.status_code == 422
    assert "длиннее 200 символов" in page.content.decode()
    assert not Macroregion.objects.filter(name__startswith="ММ").exists()

    tokens = client.post("/people/tokens/", {"name": "т" * 101})
    assert "длиннее 100 символов" in tokens.content.decode()
    assert not world.users["federal"].api_tokens.exists()


def _unbounded_integers(schema: dict, components: dict, where: str, seen: set[str]):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _unbounded_integers(components[name], components, f"{where}>{name}", seen)
        return
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _unbounded_integers(alternative, components, where, seen)
    if schema.get("type") == "integer" and "enum" not in schema:
        if not ({"minimum", "exclusiveMinimum"} & schema.keys() and {"maximum", "exclusiveMaximum"} & schema.keys()):
            yield where
    for name, sub in schema.get("properties", {}).items():
        yield from _unbounded_integers(sub, components, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from _unbounded_integers(schema["items"], components, f"{where}[]", seen)


# Integers the API accepted without a range before this check (ids the service looks up, so an
# absurd one is «not found», not a 500). The list only shrinks: give each an `Id`, `Limit`,
# `Offset` or `Field(ge=…, le=…)` and remove it here.
UNBOUNDED_INTEGERS_GRANDFATHERED = {
    "POST /api/diagnostics/attempts/{attempt_id}/answers body>AnswerIn.position",
    "GET /api/diagnostics/items ?framework",
    "POST /api/diagnostics/calibrations body>CalibrationIn.framework",
    "POST /api/catalog/programs/{program_id}/cohorts body>CohortCreateIn.seats",
    "POST /api/catalog/programs/{program_id}/cohorts body>CohortCreateIn.price_kopecks",
    "POST /api/catalog/programs/{program_id}/cohorts body>CohortCreateIn.municipality",
    "POST /api/support/consultations body>ConsultationIn.competency",
    "POST /api/support/consultations body>ConsultationIn.route_item",
    "POST /api/support/records body>RecordIn.educator",
    "POST /api/support/records/{pk}/shares body>ShareIn.user",
    "GET /api/support/overview ?page",
    "POST /api/support/mentorships/{pk}/plan body>PlanItemIn.competency",
    "POST /api/support/cycles body>CycleIn.competency",
    "POST /api/support/cycles body>CycleIn.route_item",
    "GET /api/support/caseloads ?region",
    "POST /api/support/caseloads/capacity body>CapacityIn.region",
    "POST /api/support/caseloads/capacity body>CapacityIn.tutor",
    "POST /api/support/caseloads/moves body>MovesIn.region",
    "POST /api/support/caseloads/moves body>MovesIn.moves[]>MoveIn.educator",
    "POST /api/support/caseloads/moves body>MovesIn.moves[]>MoveIn.tutor",
    "GET /api/support/effects ?region",
}


def test_every_integer_the_api_accepts_has_a_range():
    """A negative offset sliced a query set (a 500 that schemathesis found in the workforce API):
    every integer in a query or a body carries its range in the document, which ninja enforces."""
    from efs.api.api import api

    document = api.get_openapi_schema(path_prefix="/api/")
    components = document.get("components", {}).get("schemas", {})
    unbounded = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":  # path ids are bounded by the URL converter and `Id`
                    where = f"{method.upper()} {path} ?{parameter['name']}"
                    unbounded |= set(_unbounded_integers(parameter.get("schema", {}), components, where, set()))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                where = f"{method.upper()} {path} body"
                unbounded |= set(_unbounded_integers(content.get("schema", {}), components, where, set()))
    assert sorted(unbounded - UNBOUNDED_INTEGERS_GRANDFATHERED) == [], "give these integers a range"
    assert sorted(UNBOUNDED_INTEGERS_GRANDFATHERED - unbounded) == [], "bounded now: remove from the list"

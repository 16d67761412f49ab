"""Hostile input and the doors: every refusal is a 4xx in Russian (the JSON error shape under /api/), never a 500."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.cache import cache
from django.test import Client

from efs.people.models import AuditEvent
from efs.people.services import api_token_create

NUL_PAGES = [
    "/catalog/?subject=%00",
    "/people/educators/?q=%00",
    "/people/organizations/?q=%00",
    "/routes/staff/?q=%00",
]
NUL_API_GETS = ["/api/catalog/programs?subject=%00", "/api/people/educators?q=%00", "/api/people/organizations?q=%00"]


def _is_contract(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert set(error) >= {"code", "message"}
    assert any("а" <= ch <= "я" for ch in error["message"].lower()), error["message"]  # Russian
    if code:
        assert error["code"] == code


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("url", NUL_PAGES)
def test_nul_in_a_page_query_is_a_russian_400(world, url):
    response = world.client("regional").get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize("url", NUL_API_GETS)
def test_nul_in_an_api_query_is_the_json_400(world, url):
    _is_contract(world.client("regional").get(url), 400, "nul_character")


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/diagnostics/attempts", {"assessment": "\u0000"}),
        ("/api/competencies/frameworks", {"framework": {"code": "x\u0000"}}),
        ("/api/financing/funds/top-up", {"transfer_id": "a", "region": "\u0000", "year": 2026, "amount_kopecks": 1}),
        ("/api/financing/funds/top-up", {"transfer\u0000": 1}),
    ],
)
def test_nul_in_a_json_body_is_the_json_400(world, url, body):
    response = world.client("regional").post(url, json.dumps(body), content_type="application/json")
    _is_contract(response, 400, "nul_character")


def test_nul_in_form_data_is_refused(world):
    response = world.client("regional").post("/people/educators/", {"q": "a\x00b"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/api/people/educators?offset=9223372036854775808", "/api/people/organizations?municipality=99999999999999999999",
     "/api/people/educators/99999999999999999999", "/api/financing/enrollments?offset=-9223372036854775809",
     "/people/educators/?organization=99999999999999999999", "/api/financing/summary?year=99999"],
)
def test_integers_beyond_their_range_are_4xx(world, url):
    who = "federal"
    response = world.client(who).get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    if url.startswith("/api/"):
        _is_contract(response, response.status_code)


def test_json_numbers_beyond_64_bits_are_refused(world):
    body = {"transfer_id": "a", "region": world.r1.code, "year": 2026, "amount_kopecks": 2**63}
    _is_contract(
        world.client("regional").post("/api/financing/funds/top-up", json.dumps(body), content_type="application/json"),
        400,
        "number_out_of_range",
    )


def test_wrong_method_malformed_json_and_csrf_keep_the_contract(world):
    client = world.client("regional")
    _is_contract(client.get("/api/financing/funds/top-up"), 405, "method_not_allowed")
    _is_contract(
        client.post("/api/financing/funds/top-up", "{not json", content_type="application/json"), 400, "malformed_json"
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["regional"])
    _is_contract(strict.post("/api/people/notifications/read"), 403, "csrf_failed")
    page = strict.post("/people/tokens/", {"name": "x"})
    assert page.status_code == 403 and "CSRF" in page.content.decode()


def test_a_server_error_is_the_contract_with_a_request_id_that_the_log_carries(world, monkeypatch, caplog):
    from efs.people import api as people_api

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(people_api.access, "own_educator", explode)
    with caplog.at_level(logging.ERROR):
        response = world.client("regional").get("/api/people/me")
    _is_contract(response, 500, "server_error")
    request_id = response.json()["error"]["request_id"]
    assert response["X-Request-ID"] == request_id
    assert any(getattr(r, "request_id", None) == request_id and r.levelno == logging.ERROR for r in caplog.records)


def test_financing_amounts_and_dates_have_ranges(world):
    client = world.client("regional")

    def post(url, body, method="post"):
        return getattr(client, method)(url, json.dumps(body), content_type="application/json")

    top_up = {"transfer_id": "t", "region": world.r1.code, "year": 2026}
    for amount in (2**62, 10**20 // 10**6, "100"):
        _is_contract(post("/api/financing/funds/top-up", top_up | {"amount_kopecks": amount}), 422, "invalid_request")
    rule = {"region": world.r1.code, "year": 2026, "category": "teacher", "nominal_kopecks": 2**40}
    _is_contract(post("/api/financing/rules", rule, "put"), 422, "invalid_request")
    _is_contract(
        post("/api/financing/rules", rule | {"nominal_kopecks": 100, "category": "alien"}, "put"),
        422,
        "invalid_request",
    )
    contract = {
        "region": world.r1.code,
        "provider": world.org_a.pk,
        "number": "1",
        "signed_on": "0001-01-01",
        "valid_from": "0001-01-01",
        "valid_to": "9999-12-31",
    }
    _is_contract(post("/api/financing/contracts", contract), 422, "invalid_request")
    _is_contract(
        client.get("/api/financing/summary?year=99999"), 403
    )  # a regional operator: refused before anything else


def test_financing_services_hold_the_same_ranges(world):
    import datetime as dt

    from efs.errors import ValidationFailed
    from efs.financing import services

    regional = world.users["regional"]
    with pytest.raises(ValidationFailed) as refused:
        services.fund_top_up(
            actor=regional,
            region=world.r1,
            year=dt.date.today().year,
            amount=2**62,
            tid="x",
            document="п/п 1",
            document_date=dt.date.today(),
        )
    assert refused.value.code == "amount_too_large"
    with pytest.raises(ValidationFailed) as refused:
        services.rule_set(actor=regional, region=world.r1, year=dt.date.today().year, category="alien", nominal=100)
    assert refused.value.code == "category_unknown"
    world.org_a.licensed_for_dpo = True
    world.org_a.save()
    with pytest.raises(ValidationFailed) as refused:
        services.contract_create(
            actor=regional,
            region=world.r1,
            provider=world.org_a,
            number="1",
            signed_on=dt.date(1, 1, 1),
            valid_from=dt.date(1, 1, 1),
            valid_to=dt.date(9999, 12, 31),
        )
    assert refused.value.code == "contract_invalid"
    today = dt.date.today()
    contract = services.contract_create(
        actor=regional,
        region=world.r1,
        provider=world.org_a,
        number="2",
        signed_on=today,
        valid_from=today,
        valid_to=today + dt.timedelta(days=300),
        advances=True,
    )
    with pytest.raises(ValidationFailed) as refused:
        services.payment_register(
            actor=regional,
            contract=contract,
            amount=100,
            tid="p",
            document="1",
            paid_on=dt.date(1900, 1, 1),
            advance=True,
        )
    assert refused.value.code == "payment_date_invalid"


def test_authorization_comes_before_reading_the_body(world):
    teacher = world.client("teacher")
    for body in ({"framework": {}, "region": "ZZ"}, {"framework": {"code": "x"}, "region": None}):
        _is_contract(
            teacher.post("/api/competencies/frameworks", json.dumps(body), content_type="application/json"),
            403,
            "permission_denied",
        )
    body = {"transfer_id": "t", "region": "ZZ", "year": 2026, "amount_kopecks": 1}
    _is_contract(
        teacher.post("/api/financing/funds/top-up", json.dumps(body), content_type="application/json"),
        403,
        "permission_denied",
    )


def test_security_headers_and_no_store(world):
    page = world.client("regional").get("/")
    csp = page["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("style-src-attr")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "camera=()" in page["Permissions-Policy"]
    assert "no-store" in page["Cache-Control"]
    assert "no-store" in world.client("regional").get("/api/people/me")["Cache-Control"]
    assert b" onclick=" not in page.content and b" onsubmit=" not in page.content


def test_x_forwarded_proto_is_believed_only_from_trusted_proxies(world, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.EFS_TRUSTED_PROXIES = "10.0.0.1"
    forged = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9")
    assert forged.status_code == 301  # not believed: redirected to HTTPS
    proxied = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.1")
    assert proxied.status_code == 200


def test_client_address_is_the_nearest_untrusted_hop(rf, settings):
    from efs.http import client_ip

    settings.EFS_TRUSTED_PROXIES = "10.0.0.0/8"
    spoofed = rf.get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7, 10.0.0.2", REMOTE_ADDR="10.0.0.1")
    assert client_ip(spoofed) == "198.51.100.7"
    direct = rf.get("/", HTTP_X_FORWARDED_FOR="1.1.1.1", REMOTE_ADDR="203.0.113.5")
    assert client_ip(direct) == "203.0.113.5"


def test_login_form_is_throttled_by_account_and_by_address(world, settings):
    settings.EFS_LOGIN_LIMIT_ACCOUNT, settings.EFS_LOGIN_LIMIT_ADDRESS = 3, 5
    user = world.users["teacher"]
    user.set_password("правильный-пароль-1")
    user.save()
    for _ in range(3):
        assert (
            Client()
            .post("/accounts/login/", {"username": "teacher", "password": "wrong"}, REMOTE_ADDR="198.51.100.1")
            .status_code
            == 200
        )
    blocked = Client().post(
        "/accounts/login/", {"username": "teacher", "password": "правильный-пароль-1"}, REMOTE_ADDR="198.51.100.2"
    )
    assert blocked.status_code == 200 and "Слишком много" in blocked.content.decode()
    assert AuditEvent.objects.filter(action="throttled", object_id=str(user.pk)).count() == 1
    # by address: many accounts from one address
    for i in range(5):
        Client().post("/accounts/login/", {"username": f"nobody{i}", "password": "x"}, REMOTE_ADDR="198.51.100.3")
    other = Client().post("/accounts/login/", {"username": "school_head", "password": "x"}, REMOTE_ADDR="198.51.100.3")
    assert "Слишком много" in other.content.decode()
    cache.clear()
    ok = Client().post(
        "/accounts/login/", {"username": "teacher", "password": "правильный-пароль-1"}, REMOTE_ADDR="198.51.100.2"
    )
    assert ok.status_code == 302


def test_api_tokens_are_throttled_by_address(world, settings):
    settings.EFS_LOGIN_LIMIT_ADDRESS = 4
    plaintext = api_token_create(user=world.users["regional"], name="t").plaintext
    for i in range(4):
        _is_contract(
            Client().get("/api/people/me", HTTP_AUTHORIZATION=f"Bearer efs_wrong{i}", REMOTE_ADDR="198.51.100.4"), 401
        )
    _is_contract(
        Client().get("/api/people/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}", REMOTE_ADDR="198.51.100.4"),
        429,
        "too_many_attempts",
    )
    assert (
        Client().get("/api/people/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}", REMOTE_ADDR="198.51.100.5").status_code
        == 200
    )


def test_the_document_lists_every_error_and_names_each_schema_once():
    import importlib

    from ninja import Schema

    from efs.api.api import api

    names: dict[str, str] = {}
    for app in ("people", "competencies", "diagnostics", "catalog", "financing", "routes", "monitoring"):
        module = importlib.import_module(f"efs.{app}.api")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                assert value.__name__ not in names, (
                    f"{value.__name__} in {module.__name__} and {names[value.__name__]}: the document would keep one"
                )
                names[value.__name__] = module.__name__
    document = api.get_openapi_schema()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            statuses = {int(s) for s in operation["responses"]}
            assert {400, 401, 403, 404, 405, 422, 429, 500} <= statuses, (method, path)


def test_every_template_obeys_the_content_security_policy():
    """Inline <script> and <style> carry the request's nonce, and no element has an inline handler.

    A template that breaks this renders a blank chart or a dead control in the browser (the
    policy blocks it silently), so the whole class is checked in the source of every template.
    """
    import re
    from pathlib import Path

    import efs

    offenders = []
    for template in Path(efs.__file__).parent.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.finditer(r"<(script|style)\b([^>]*)>", text):
            attributes = tag.group(2)
            if 'nonce="{{ csp_nonce }}"' not in attributes and "src=" not in attributes:
                offenders.append(f"{template.name}: <{tag.group(1)}{attributes}>")
        for handler in re.finditer(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", text):
            offenders.append(f"{template.name}: {handler.group(0)[:60]}")
    assert offenders == []

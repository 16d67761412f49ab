"""People routes in the role × scope matrix."""

from __future__ import annotations

from efs.people.imports import import_preview, import_template
from efs.people.models import ImportKind
from efs.people.services import notify
from tests.diagnostics.routes import diagnostics_consent, diagnostics_consent_back, without_diagnostics_consent
from tests.matrix import LOGGED_IN, ROUTES, SURNAMES, USERS, VISIBLE, Route, api, page, rows_of, state_key, xlsx_rows

READERS = set(VISIBLE) - {"teacher"}  # roles that read people lists
IMPORTERS = {"regional", "regional_other", "federal"}


def _list_check(who, world, response):
    if response.status_code != 200:
        return
    text = response.content.decode()
    for target, surname in SURNAMES.items():
        assert (surname in text) == (target in VISIBLE.get(who, set())), f"{who}: {surname}"


def _export_check(who, world, response):
    if response.status_code != 200:
        return
    names = {row[0] for row in xlsx_rows(response)[1:]}
    assert names == {SURNAMES[t] for t in VISIBLE[who]}


def _api_list_check(who, world, response):
    if response.status_code != 200:
        return
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {getattr(world, t).pk for t in VISIBLE.get(who, set())}


def _detail(target: str) -> Route:
    def expect(who, world):
        if who == "anonymous":
            return 302
        return 200 if target in VISIBLE.get(who, set()) else 404

    return Route(
        "people:educator",
        "GET",
        lambda w, s: f"/people/educators/{getattr(w, target).pk}/",
        expect,
        label=target,
        macro=None,
    )


def _api_detail(target: str) -> Route:
    def expect(who, world):
        if who == "anonymous":
            return 401
        return 200 if target in VISIBLE.get(who, set()) else 404

    return Route(
        "api-1.0.0:educator",
        "GET",
        lambda w, s: f"/api/people/educators/{getattr(w, target).pk}",
        expect,
        label=target,
        macro=None,
    )


def _batch(world, state):
    """A fresh checked file for every route (committing one changes it)."""
    content = import_template(ImportKind.ORGANIZATIONS)
    batch = import_preview(
        actor=world.users["regional"],
        region=world.r1,
        kind=ImportKind.ORGANIZATIONS,
        file_name="orgs.xlsx",
        content=content,
    )
    state["batch"] = batch.pk


def _batch_expect(ok_status=200):
    def expect(who, world):
        if who == "anonymous":
            return 302
        if who in {"regional", "federal"}:
            return ok_status
        return 404 if who == "regional_other" else 403

    return expect


def _api_batch_expect(who, world):
    if who == "anonymous":
        return 401
    if who in {"regional", "federal"}:
        return 200
    return 404 if who == "regional_other" else 403


def _upload(world, state):
    return {"kind": "organizations", "region": "24", "file": _named_file()}


def _named_file(name: str = "orgs.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, import_template(ImportKind.ORGANIZATIONS))


def _signed_out(response):
    assert not response.wsgi_request.user.is_authenticated


def _upload_expect(who, world):
    if who == "anonymous":
        return 401
    return 201 if who in {"regional", "federal"} else 403


def _consent_expect(who, world):
    if who == "anonymous":
        return 401
    return 200 if who == "teacher" else 404


def _notify_everybody(prefix: str):
    """A setup: every user gets one unread notification «<prefix> <their name>», once per run."""

    def setup(world, state):
        if prefix in state:
            return
        for name, user in world.users.items():
            notify(user=user, title=f"{prefix} {name}")
        state[prefix] = True

    return setup


# Addressed by name, so a leak would show.
_inbox = _notify_everybody("Сообщение для")
_unread_again = _notify_everybody("Ещё сообщение для")  # opening the inbox reads them all


def _own_inbox(who, world, response):
    if who == "anonymous":
        return
    text = response.content.decode()
    others = [name for name in world.users if name != who and f"Сообщение для {name}<" in text]
    assert others == [] and f"Сообщение для {who}<" in text


def _only_mine(who, rows):
    addressed = [row["title"] for row in rows if row["title"].startswith("Сообщение для ")]
    assert addressed == [f"Сообщение для {who}"]


ROUTES += [
    Route("home", "GET", lambda w, s: "/", page(LOGGED_IN)),
    Route("healthz", "GET", lambda w, s: "/healthz", lambda who, w: 200),
    Route("login", "GET", lambda w, s: "/accounts/login/", lambda who, w: 200 if who == "anonymous" else 302),
    Route(
        "logout",
        "POST",
        lambda w, s: "/accounts/logout/",
        lambda who, w: 302,
        check=lambda who, w, r: _signed_out(r),
    ),
    Route("people:educators", "GET", lambda w, s: "/people/educators/", page(READERS), check=_list_check, macro=None),
    Route(
        "people:educators_export",
        "GET",
        lambda w, s: "/people/educators/export.xlsx",
        page(READERS),
        check=_export_check,
        macro=None,
    ),
    *[_detail(t) for t in SURNAMES],
    Route("people:organizations", "GET", lambda w, s: "/people/organizations/", page(LOGGED_IN)),
    Route("people:consents", "GET", lambda w, s: "/people/consents/", page({"teacher"}, denied=404)),
    Route("people:imports", "GET", lambda w, s: "/people/imports/", page(IMPORTERS)),
    Route("people:import", "GET", lambda w, s: f"/people/imports/{s['batch']}/", _batch_expect(), setup=_batch),
    Route(
        "people:import_errors",
        "GET",
        lambda w, s: f"/people/imports/{s['batch']}/errors.xlsx",
        _batch_expect(),
        setup=_batch,
    ),
    Route("people:import_template", "GET", lambda w, s: "/people/imports/template/educators.xlsx", page(LOGGED_IN)),
    Route("people:audit", "GET", lambda w, s: "/people/audit/", page(IMPORTERS)),
    Route("people:macroregions", "GET", lambda w, s: "/people/macroregions/", page({"federal"})),
    Route("people:tokens", "GET", lambda w, s: "/people/tokens/", page(LOGGED_IN)),
    Route(
        "api-1.0.0:notifications",
        "GET",
        lambda w, s: "/api/people/notifications?unread=true",
        api(LOGGED_IN),
        setup=_inbox,
        check=lambda who, w, r: None if r.status_code != 200 else _only_mine(who, r.json()),
        macro=None,
    ),
    Route(
        "people:notifications",
        "GET",
        lambda w, s: "/people/notifications/",
        page(LOGGED_IN),
        setup=_inbox,
        check=_own_inbox,
        macro=None,
    ),
    Route(
        "api-1.0.0:notifications_read",
        "POST",
        lambda w, s: "/api/people/notifications/read",
        api(LOGGED_IN),
        setup=_unread_again,  # the inbox page above has read the first ones
        observe=rows_of("people.Notification", "user__username", title__startswith="Ещё сообщение для ", read_at=None),
        changes=set(LOGGED_IN),  # each reads their own (tests/people: nobody else's)
        macro=None,
    ),
    Route("admin:index", "GET", lambda w, s: "/admin/", lambda who, w: 200 if who == "federal" else 302),
    Route("api-1.0.0:api-root", "GET", lambda w, s: "/api/", lambda who, w: 404),
    Route("api-1.0.0:openapi-json", "GET", lambda w, s: "/api/openapi.json", lambda who, w: 200),
    Route("api-1.0.0:openapi-view", "GET", lambda w, s: "/api/docs", lambda who, w: 200),
    Route("api-1.0.0:me", "GET", lambda w, s: "/api/people/me", api(LOGGED_IN)),
    Route("api-1.0.0:regions", "GET", lambda w, s: "/api/people/regions", api(LOGGED_IN)),
    Route("api-1.0.0:municipalities", "GET", lambda w, s: "/api/people/regions/24/municipalities", api(LOGGED_IN)),
    Route("api-1.0.0:organizations", "GET", lambda w, s: "/api/people/organizations?region=24", api(LOGGED_IN)),
    Route(
        "api-1.0.0:educators",
        "GET",
        lambda w, s: "/api/people/educators",
        api(LOGGED_IN),
        check=_api_list_check,
        macro=None,
    ),
    *[_api_detail(t) for t in SURNAMES],
    Route("api-1.0.0:consents", "GET", lambda w, s: "/api/people/consents", _consent_expect),
    Route(
        "api-1.0.0:consent_withdraw",
        "DELETE",
        lambda w, s: "/api/people/consents/diagnostics",
        _consent_expect,
        observe=diagnostics_consent,
        changes={"teacher"},
    ),
    Route(
        "api-1.0.0:consent_give",
        "POST",
        lambda w, s: "/api/people/consents/diagnostics",
        _consent_expect,
        observe=diagnostics_consent,
        changes={"teacher"},
    ),
    Route(
        "api-1.0.0:import_upload",
        "POST",
        lambda w, s: "/api/people/imports",
        _upload_expect,
        data=_upload,
        observe=rows_of("people.ImportBatch", "pk", file_name="orgs.xlsx"),
        changes=IMPORTERS - {"regional_other"},
    ),
    Route(
        "api-1.0.0:import_get", "GET", lambda w, s: f"/api/people/imports/{s['batch']}", _api_batch_expect, setup=_batch
    ),
    Route(
        "api-1.0.0:import_commit",
        "POST",
        lambda w, s: f"/api/people/imports/{s['batch']}/commit",
        _api_batch_expect,
        setup=_batch,
        data=lambda w, s: {"only_valid": False},
        json=True,
        observe=rows_of("people.ImportBatch", "status", pk=state_key("batch")),
        changes={"regional", "federal"},
    ),
]
assert all(u in USERS for u in VISIBLE)


# ---------------------------------------------------------------- POST rows: what changed, and what a refusal leaves


def _token_made(who, world, response):
    from efs.people.models import ApiToken

    made = (
        ApiToken.objects.filter(user=world.users[who], name="для проверки").exists()
        if who != "anonymous"
        else ApiToken.objects.exists()
    )
    assert made == (who != "anonymous"), f"{who}: token = {made}"


def _inbox_read(who, world, response):
    from efs.people.models import Notification

    unread = Notification.objects.filter(read_at__isnull=True, title__startswith="Сообщение для ")
    if who == "anonymous":
        assert unread.count() == len(world.users)
        return
    assert not Notification.objects.filter(user=world.users[who], read_at__isnull=True).exists()
    assert unread.count() == len(world.users) - 1  # nobody else's


def _macroregion_made(who, world, response):
    from efs.people.models import Macroregion

    assert Macroregion.objects.filter(name="Проверочный").exists() == (who == "federal")


EDITS_OTHER_ORG = {"regional": 302, "federal": 302, "municipal": 403, "tutor": 403}


def _email_changed(who, world, response):
    world.other_org.refresh_from_db()
    assert (world.other_org.email == "new@example.ru") == (EDITS_OTHER_ORG.get(who) == 302), who


def _batch_made(who, world, response):
    from efs.people.models import ImportBatch

    assert ImportBatch.objects.filter(file_name="upload-check.xlsx").exists() == (who in {"regional", "federal"})


def _batch_discarded(who, world, response):
    from efs.people.models import ImportBatch, ImportStatus

    assert ImportBatch.objects.filter(status=ImportStatus.DISCARDED).exists() == (who in {"regional", "federal"})


ROUTES += [
    Route(
        "people:tokens",
        "POST",
        lambda w, s: "/people/tokens/",
        page(LOGGED_IN),
        data=lambda w, s: {"name": "для проверки"},
        check=_token_made,
        macro=None,
    ),
    Route(
        "people:notifications",
        "POST",
        lambda w, s: "/people/notifications/",
        lambda who, w: 302,
        setup=_inbox,
        check=_inbox_read,
        macro=None,
    ),
    Route(
        "people:macroregions",
        "POST",
        lambda w, s: "/people/macroregions/",
        lambda who, w: 302 if who in {"anonymous", "federal"} else 403,
        data=lambda w, s: {"name": "Проверочный", "regions": [w.r1.pk, w.r2.pk]},
        check=_macroregion_made,
    ),
    Route(
        "people:educator",
        "POST",
        lambda w, s: f"/people/educators/{w.other_org.pk}/",
        lambda who, w: 302 if who == "anonymous" else EDITS_OTHER_ORG.get(who, 404),
        data=lambda w, s: {"email": "new@example.ru"},
        check=_email_changed,
        label="email of other_org",
    ),
    Route(
        "people:imports",
        "POST",
        lambda w, s: "/people/imports/",
        lambda who, w: {"anonymous": 302, "regional": 302, "federal": 302, "regional_other": 422}.get(who, 403),
        data=lambda w, s: {"kind": "organizations", "region": str(w.r1.pk), "file": _named_file("upload-check.xlsx")},
        check=_batch_made,
    ),
    Route(
        "people:import_commit",
        "POST",
        lambda w, s: f"/people/imports/{s['batch']}/commit/",
        _batch_expect(422),  # the template's file has no row: nothing to import, refused
        setup=_batch,
        data=lambda w, s: {},
        observe=rows_of("people.ImportBatch", "status", pk=state_key("batch")),
    ),
    Route(
        "people:import_discard",
        "POST",
        lambda w, s: f"/people/imports/{s['batch']}/discard/",
        _batch_expect(302),
        setup=_batch,
        data=lambda w, s: {},
        check=_batch_discarded,
    ),
    Route(
        "people:token_revoke",
        "POST",
        lambda w, s: "/people/tokens/revoke/",
        lambda who, w: 302 if who == "anonymous" else 404,  # no token of one's own with this id
        data=lambda w, s: {"id": 10**9},
        observe=rows_of("people.ApiToken", "revoked_at"),
        macro=None,
    ),
    Route(
        "people:email_settings",
        "POST",
        lambda w, s: "/people/notifications/email/",
        lambda who, w: 302,
        data=lambda w, s: {"enabled": "1", "kind_consultation": "1"},
        observe=rows_of("people.EmailPreference", "user__username", "enabled", "muted"),
        changes=set(LOGGED_IN),
        macro=None,
    ),
]


# ---------------------------------------------------------------- form POSTs, each with its outcome


def _teacher_credentials(world, state, password: str | None = None) -> dict:
    username = world.users["teacher"].username
    return {"username": username, "password": password or f"pw-{username}"}


def _signed_in_as(expected):
    """Who the request ends up signed in as: `expected(who, world)` (None: nobody)."""

    def check(who, world, response):
        user = response.wsgi_request.user
        signed_in = user.username if user.is_authenticated else None
        assert signed_in == expected(who, world), signed_in

    return check


def _self_or(anonymous_becomes):
    def expected(who, world):
        return anonymous_becomes(world) if who == "anonymous" else world.users[who].username

    return expected


ROUTES += [
    Route(
        "people:consent_withdraw",
        "POST",
        lambda w, s: "/people/consents/withdraw/",
        lambda who, w: 302 if who == "anonymous" else 400 if who == "teacher" else 404,
        setup=without_diagnostics_consent,
        data=lambda w, s: {"kind": "astrology"},  # no such kind: the form refuses
        observe=diagnostics_consent,
        label="withdraw a consent of an unknown kind",
    ),
    Route(
        "people:consent_give",
        "POST",
        lambda w, s: "/people/consents/give/",
        lambda who, w: 302 if who in ("anonymous", "teacher") else 404,
        setup=without_diagnostics_consent,
        data=lambda w, s: {"kind": "diagnostics"},
        observe=diagnostics_consent,
        changes={"teacher"},
        label="give a consent",
    ),
    Route(
        "login",
        "POST",
        lambda w, s: "/accounts/login/",
        lambda who, w: 302,  # signed in, or already signed in: sent on
        setup=diagnostics_consent_back,
        data=_teacher_credentials,
        check=_signed_in_as(_self_or(lambda w: w.users["teacher"].username)),
        label="the right password",
        macro=None,
    ),
    Route(
        "login",
        "PUT",
        lambda w, s: "/accounts/login/",
        lambda who, w: 200 if who == "anonymous" else 302,
        data=lambda w, s: _teacher_credentials(w, s, password="not-the-password"),
        check=_signed_in_as(_self_or(lambda w: None)),
        label="a wrong password signs nobody in",
        macro=None,
    ),
]

"""Financing pages and endpoints in the role × scope matrix: nobody moves or sees money outside their scope.

The teacher of org A holds a certificate and has two enrollments with the provider of the
World (ККИПК): one waiting for a decision, one completed (so the region owes the provider).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from efs.catalog.models import Cohort
from efs.financing import services
from efs.financing.models import Account, AccountKind, Enrollment
from efs.people.models import Organization
from tests.catalog.routes import _depot
from tests.matrix import LOGGED_IN, ROUTES, SURNAMES, Route, api, makers, only, page, rows_of, state_key
from tests.matrix import by_role as _by_role

FINANCIERS = {"regional", "regional_other", "federal"}
SEES_TEACHERS_ENROLLMENT = {"teacher", "school_head", "municipal", "regional", "federal", "provider"}
PRICE = 1_200_000


def _money(world, state):
    if "enrollment" in state:
        return
    _depot(world, state)
    from efs.catalog.models import Program
    from efs.catalog.services import CohortData, cohort_create

    regional, year, today = world.users["regional"], timezone.localdate().year, timezone.localdate()
    services.fund_top_up(
        actor=regional,
        region=world.r1,
        year=year,
        amount=50_000_000,
        tid="m-fund",
        document="ПП-1",
        document_date=dt.date(2026, 1, 15),
    )
    services.rule_set(actor=regional, region=world.r1, year=year, category="teacher", nominal=3_000_000, prorate=False)
    services.certificates_issue(actor=regional, region=world.r1, year=year, category="teacher")
    provider_org = Organization.objects.get(short_name="ККИПК")
    state["contract"] = services.contract_create(
        actor=regional,
        region=world.r1,
        provider=provider_org,
        number="М-1",
        signed_on=today,
        valid_from=today,
        valid_to=today + dt.timedelta(days=365),
    ).pk
    program = Program.objects.get(pk=state["published"])
    start = today + dt.timedelta(days=40)
    staff = world.users["provider"]
    priced = [
        cohort_create(
            actor=staff,
            program=program,
            data=CohortData(
                start_date=start + dt.timedelta(days=k),
                end_date=start + dt.timedelta(days=k + 5),
                enrollment_deadline=start,
                seats=20,
                price=PRICE,
                online=True,
            ),
        )
        for k in range(3)
    ]
    teacher, me = world.users["teacher"], world.self_educator
    waiting = services.enrollment_request(actor=teacher, educator=me, cohort=priced[0], request_id="m-wait")
    done = services.enrollment_request(actor=teacher, educator=me, cohort=priced[1], request_id="m-done")
    services.enrollment_accept(actor=staff, enrollment=done)
    Cohort.objects.filter(pk=priced[1].pk).update(
        start_date=today - dt.timedelta(days=8),
        enrollment_deadline=today - dt.timedelta(days=9),
        end_date=today - dt.timedelta(days=1),
    )
    services.enrollment_complete(actor=staff, enrollment=Enrollment.objects.get(pk=done.pk), completed=True)
    state["top_up"] = services.fund_top_up(
        actor=regional, region=world.r1, year=year, amount=100_000, tid="m-fund-2", document="ПП-2", document_date=today
    ).pk
    state.update(
        done_cohort=priced[1].pk,
        enrollment=waiting.pk,
        spare_cohort=priced[2].pk,
        provider_org=provider_org.pk,
        certificate=Account.objects.get(kind=AccountKind.CERTIFICATE, educator=me).pk,
        month=f"{today:%Y-%m}",
    )


def _providers_learners(who, world, response):
    """The provider's enrollments name the teacher (the only educator who asked it for a seat)."""
    if response.status_code != 200:
        return
    text = response.content.decode()
    assert {key for key, surname in SURNAMES.items() if surname in text} == {"self_educator"}


def by_role(statuses: dict[str, int], **kwargs):
    """Money: a role that may not act gets 403 unless said otherwise."""
    return _by_role(statuses, **({"default": 403} | kwargs))


def _statement(w, s, api_path=False):
    if api_path:
        return f"/api/financing/statements?provider={s['provider_org']}&region={w.r1.code}&month={s['month']}"
    return f"/financing/statement/?provider={s['provider_org']}&region={w.r1.pk}&month={s['month']}"


def _owes(who, world, response):
    if response.status_code == 200 and who in ("provider", "regional", "federal"):
        assert "Иванова Анна Петровна" in response.content.decode()


def _own_enrollments_only(who, world, response):
    names = {row["educator"] for row in response.json()}
    if who in SEES_TEACHERS_ENROLLMENT:
        assert names == {world.self_educator.pk}
    else:
        assert names == set()


def _provider_or_forbidden(provider: int):
    """An enrollment action: `provider` for its provider, 403 for the others who see the enrollment."""
    return by_role(
        dict.fromkeys(SEES_TEACHERS_ENROLLMENT, 403) | {"provider": provider}, anonymous=302, default=404
    )


_page, _api = makers("financing", _money)

MONEY_MOVERS = {"regional", "federal"}  # the operators of R1 (and the macroregion's, by `Route.macro`)


def _transfer(tid: str):
    return rows_of("financing.Transfer", "kind", "amount", "debit_id", "credit_id", tid=tid)


def _enrollment(key: str = "enrollment"):
    return rows_of("financing.Enrollment", "status", "certificate_amount", pk=state_key(key))


_MANAGER_RULE = rows_of("financing.CertificateRule", "year", "nominal", region__code="24", category="manager")
_R1_CERTIFICATES = rows_of("financing.Account", "pk", "debits_posted", kind=AccountKind.CERTIFICATE, region__code="24")
_R1_CONTRACTS = rows_of("financing.Contract", "number", "valid_to", region__code="24")
# Every top-up, and its reversal (a top-up the other way: out of the fund).
_TOP_UPS = rows_of("financing.Transfer", "tid", "amount", kind="top_up")
_R1_SWEEPS = rows_of("financing.Transfer", "tid", kind__in=("sweep", "carry"), debit__region__code="24")

ROUTES += [
    _page("mine", lambda w, s: "/financing/", only({"teacher"})),
    _page("enroll", lambda w, s: f"/financing/enroll/{s['spare_cohort']}/", only({"teacher"})),
    _page("enrollment", lambda w, s: f"/financing/enrollments/{s['enrollment']}/", only(SEES_TEACHERS_ENROLLMENT)),
    _page("provider", lambda w, s: "/financing/provider/", page({"provider"}), check=_providers_learners),
    _page(
        "statement",
        lambda w, s: _statement(w, s),
        by_role({"provider": 200, "regional": 200, "federal": 200, "regional_other": 404}, anonymous=302),
        check=_owes,
    ),
    _page(
        "statement",
        lambda w, s: _statement(w, s) + "&format=xlsx",
        by_role({"provider": 200, "regional": 200, "federal": 200, "regional_other": 404}, anonymous=302),
        label="xlsx",
    ),
    _page("region", lambda w, s: "/financing/region/", page(FINANCIERS)),
    _page("federal", lambda w, s: "/financing/federal/", page({"federal"})),
    Route(
        "routes:forecast",
        "GET",
        lambda w, s: f"/routes/forecast/?region={w.r1.pk}",
        by_role({"regional": 200, "federal": 200, "regional_other": 404}, anonymous=302),
        setup=_money,
    ),
    _api("me", "GET", lambda w, s: "/api/financing/me", api(LOGGED_IN)),
    _api(
        "enrollments",
        "GET",
        lambda w, s: "/api/financing/enrollments",
        api(LOGGED_IN),
        check=lambda who, w, r: _own_enrollments_only(who, w, r) if r.status_code == 200 else None,
    ),
    _api(
        "enrollment",
        "GET",
        lambda w, s: f"/api/financing/enrollments/{s['enrollment']}",
        only(SEES_TEACHERS_ENROLLMENT, anonymous=401),
    ),
    _api(
        "account",
        "GET",
        lambda w, s: f"/api/financing/accounts/{s['certificate']}",
        only({"teacher", "regional", "federal"}, anonymous=401),
    ),
    _api(
        "statement",
        "GET",
        lambda w, s: _statement(w, s, api_path=True),
        by_role({"provider": 200, "regional": 200, "federal": 200, "regional_other": 404}),
    ),
    _api(
        "overview",
        "GET",
        lambda w, s: f"/api/financing/regions/{w.r1.code}/overview",
        by_role({"regional": 200, "federal": 200, "regional_other": 404}),
    ),
    _api("summary", "GET", lambda w, s: "/api/financing/summary", by_role({"federal": 200})),
    _api(
        "enrollment_action",
        "POST",
        lambda w, s: f"/api/financing/enrollments/{s['enrollment']}/actions",
        by_role(
            {"provider": 200, "teacher": 403, "school_head": 403, "municipal": 403, "regional": 403, "federal": 403},
            default=404,
        ),
        data=lambda w, s: {"action": "accept"},
        json=True,
        observe=_enrollment(),
        changes={"provider"},
    ),
    _api(
        "enroll",
        "POST",
        lambda w, s: "/api/financing/enrollments",
        by_role({"teacher": 201}, default=404),
        data=lambda w, s: {"request_id": "m-api", "cohort": s["spare_cohort"], "copay_payer": "educator"},
        json=True,
        observe=rows_of("financing.Enrollment", "status", "price", request_id="m-api"),
        changes={"teacher"},
    ),
    _api(
        "top_up",
        "POST",
        lambda w, s: "/api/financing/funds/top-up",
        by_role({"regional": 201, "federal": 201}),
        data=lambda w, s: {
            "transfer_id": "m-top",
            "region": w.r1.code,
            "year": timezone.localdate().year,
            "amount_kopecks": 100_000,
            "document": "ПП-3",
            "document_date": "2026-01-15",
        },
        json=True,
        observe=_transfer("m-top"),
        changes=MONEY_MOVERS,
    ),
    _api(
        "rule",
        "PUT",
        lambda w, s: "/api/financing/rules",
        by_role({"regional": 200, "federal": 200}),
        data=lambda w, s: {
            "region": w.r1.code,
            "year": timezone.localdate().year,
            "category": "manager",
            "nominal_kopecks": 2_000_000,
        },
        json=True,
        observe=_MANAGER_RULE,
        changes=MONEY_MOVERS,
    ),
    _api(
        "issue",
        "POST",
        lambda w, s: "/api/financing/certificates/issue",
        by_role({"regional": 200, "federal": 200}),
        data=lambda w, s: {"region": w.r1.code, "year": timezone.localdate().year, "category": "teacher"},
        json=True,
        observe=_R1_CERTIFICATES,  # every teacher of R1 has this year's certificate: nothing new, for anybody
        label="issued already",
    ),
    _api(
        "contract_create",
        "POST",
        lambda w, s: "/api/financing/contracts",
        by_role({"regional": 201, "federal": 201}),
        data=lambda w, s: {
            "region": w.r1.code,
            "provider": s["provider_org"],
            "number": "М-2",
            "signed_on": "2026-01-10",
            "valid_from": "2026-01-10",
            "valid_to": "2027-12-31",
        },
        json=True,
        observe=_R1_CONTRACTS,
        changes=MONEY_MOVERS,
    ),
    _api(
        "payment",
        "POST",
        lambda w, s: "/api/financing/payments",
        by_role({"regional": 201, "federal": 201, "regional_other": 404}),
        data=lambda w, s: {
            "transfer_id": "m-pay",
            "contract": s["contract"],
            "amount_kopecks": 100_000,
            "document": "п/п 7",
            "paid_on": timezone.localdate().isoformat(),
        },
        json=True,
        observe=_transfer("m-pay"),
        changes=MONEY_MOVERS,
    ),
    # Every fund action is its own POST view; a refusal by the service is the region's page again
    # with the refusal's status and message.
    *[
        _page(
            name,
            lambda w, s, url=url: url,
            by_role({"regional": ok, "federal": ok, "regional_other": 404}, anonymous=302),
            method="POST",
            data=data,
            observe=observe,
            changes=changes,
        )
        for name, url, data, observe, changes, ok in [
            (
                "top_up",
                "/financing/region/top-up/",
                lambda w, s: {
                    "region": w.r1.pk,
                    "year": timezone.localdate().year,
                    "amount": "1 000",
                    "tid": "m-web-top",
                    "document_number": "7",
                    "document_date": f"{timezone.localdate():%Y-%m-%d}",
                    "confirmed": "on",
                },
                _transfer("m-web-top"),
                MONEY_MOVERS,
                302,
            ),
            (
                "rule",
                "/financing/region/rule/",
                lambda w, s: {
                    "region": w.r1.pk,
                    "year": timezone.localdate().year,
                    "category": "manager",
                    "nominal": "25 000",  # not the API row's 20 000: the rule changes
                    "ledger": "rub",
                    "every_years": 1,
                },
                _MANAGER_RULE,
                MONEY_MOVERS,
                302,
            ),
            (
                "issue",
                "/financing/region/issue/",
                lambda w, s: {"region": w.r1.pk, "year": timezone.localdate().year, "category": "teacher"},
                _R1_CERTIFICATES,  # issued already: nothing new (not a refusal: none was due)
                set(),
                302,
            ),
            (
                "contract",
                "/financing/region/contract/",
                lambda w, s: {
                    "region": w.r1.pk,
                    "year": timezone.localdate().year,
                    "provider": s["provider_org"],
                    "number": "М-9",
                    "signed_on": "2026-01-10",
                    "valid_from": "2026-01-10",
                    "valid_to": "2027-12-31",
                },
                _R1_CONTRACTS,
                MONEY_MOVERS,
                302,
            ),
            (
                "payment",
                "/financing/region/payment/",
                lambda w, s: {
                    "region": w.r1.pk,
                    "year": timezone.localdate().year,
                    "tid": "m-web-pay",
                    "contract": s["contract"],
                    "amount": "1 000",
                    "document": "п/п 8",
                    "paid_on": timezone.localdate().isoformat(),
                },
                _transfer("m-web-pay"),
                MONEY_MOVERS,
                302,
            ),
            (
                "close",
                "/financing/region/close/",
                lambda w, s: {"region": w.r1.pk, "year": timezone.localdate().year},
                _R1_SWEEPS,  # the year is not over: refused (422), nothing swept
                set(),
                422,
            ),
        ]
    ],
    _page(
        "top_up_reverse",
        lambda w, s: f"/financing/region/top-up/{s['top_up']}/reverse/",
        by_role({"regional": 302, "federal": 302, "regional_other": 404}, anonymous=302),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "year": timezone.localdate().year, "reason": "ошибка"},
        observe=_TOP_UPS,
        changes=MONEY_MOVERS,
    ),
    _page(
        "cohort_outcomes",
        lambda w, s: f"/financing/provider/cohorts/{s['done_cohort']}/outcomes/",
        by_role({"provider": 302}, anonymous=302),
    ),
    _page(
        "cohort_outcomes",
        lambda w, s: f"/financing/provider/cohorts/{s['done_cohort']}/outcomes/",
        by_role({"provider": 409}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
        label="POST: no accepted enrollment left to decide: refused",
        observe=rows_of("financing.Enrollment", "status", cohort_id=state_key("done_cohort")),
    ),
    # The enrollment's actions: those who see it get its page back with the refusal's status and
    # message (a comment too long for the form: 400; not the provider: 403; the provider on an
    # enrollment in the wrong state: 409/422); the rest 404.
    _page(
        "enrollment_cancel",
        lambda w, s: f"/financing/enrollments/{s['enrollment']}/cancel/",
        only(SEES_TEACHERS_ENROLLMENT, 400),
        method="POST",
        data=lambda w, s: {"comment": "x" * 1001},
        observe=_enrollment(),
    ),
    _page(
        "enrollment_decline",
        lambda w, s: f"/financing/enrollments/{s['enrollment']}/decline/",
        _provider_or_forbidden(422),  # a decline needs a reason
        method="POST",
        data=lambda w, s: {"comment": ""},
        observe=_enrollment(),
    ),
    _page(
        "enrollment_completed",
        lambda w, s: f"/financing/enrollments/{s['enrollment']}/completed/",
        _provider_or_forbidden(409),  # the cohort has not started
        method="POST",
        data=lambda w, s: {},
        observe=_enrollment(),
    ),
    _page(
        "enrollment_not_completed",
        lambda w, s: f"/financing/enrollments/{s['enrollment']}/not-completed/",
        _provider_or_forbidden(409),
        method="POST",
        data=lambda w, s: {},
        observe=_enrollment(),
    ),
    _page(
        "enrollment_accept",
        lambda w, s: f"/financing/enrollments/{s['enrollment']}/accept/",
        _provider_or_forbidden(302),  # accepted by the API row already: accepting again changes nothing
        method="POST",
        data=lambda w, s: {},
        observe=_enrollment(),
    ),
]


def _own_cohort(world, state):
    """A cohort of its own for the enrollment form (the API row already enrolled in the spare one)."""
    _money(world, state)
    if "form_cohort" in state:
        return
    from efs.catalog.models import Program
    from efs.catalog.services import CohortData, cohort_create

    start = timezone.localdate() + dt.timedelta(days=50)
    state["form_cohort"] = cohort_create(
        actor=world.users["provider"],
        program=Program.objects.get(pk=state["published"]),
        data=CohortData(
            start_date=start,
            end_date=start + dt.timedelta(days=5),
            enrollment_deadline=start,
            seats=20,
            price=100_000,
            online=True,
        ),
    ).pk


ROUTES += [
    Route(
        "financing:enroll",
        "POST",
        lambda w, s: f"/financing/enroll/{s['form_cohort']}/",
        only({"teacher"}, 302),
        setup=_own_cohort,
        data=lambda w, s: {"request_id": "m-form", "copay_payer": "educator"},
        observe=rows_of("financing.Enrollment", "pk", cohort_id=state_key("form_cohort")),
        changes={"teacher"},
        label="the enrollment form",
    ),
]

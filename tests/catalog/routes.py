"""Depository routes in the role × scope matrix."""

from __future__ import annotations

import datetime as dt
import json

from efs.catalog.models import ReviewCriterion
from efs.catalog.services import (
    CohortData,
    cohort_create,
    program_card,
    program_create,
    program_decide,
    program_publish,
    program_submit,
    review_submit,
    reviews_assign,
)
from efs.people.models import Organization, Role, Scope
from efs.people.services import role_grant
from tests.catalog.conftest import card
from tests.conftest import make_user
from tests.matrix import LOGGED_IN, ROUTES, Route, api, only, page, rows_of, shared_framework, state_key

AGGREGATE = {"school_head", "municipal", "regional", "regional_other", "federal"}
MODERATORS = {"regional", "federal"}


def _depot(world, state):
    if "published" in state:
        return
    shared_framework(state)
    org = Organization.objects.get(short_name="ККИПК")
    org.licensed_for_dpo = True
    org.save()
    staff = world.users["provider"]
    second = make_user("expert2")
    role_grant(user=second, role=Role.EXPERT, scope=Scope.ASSIGNED, region=world.r1)
    published = program_create(actor=staff, provider=org, data=card(code="M-PUB"))
    program_submit(actor=staff, program=published)
    reviews = reviews_assign(actor=world.users["regional"], program=published)
    scores = {c.code: 2 for c in ReviewCriterion.objects.all()}
    for review in reviews:
        review_submit(actor=review.expert, review=review, scores=scores, verdict="approve", comment="")
    program_decide(actor=world.users["regional"], program=published, decision="approve")
    program_publish(actor=world.users["regional"], program=published)
    start = dt.date.today() + dt.timedelta(days=30)
    cohort_create(
        actor=staff,
        program=published,
        data=CohortData(
            start_date=start,
            end_date=start + dt.timedelta(days=5),
            enrollment_deadline=start,
            seats=20,
            price=0,
            online=True,
        ),
    )
    state["published"] = published.pk
    state["draft"] = program_create(actor=staff, provider=org, data=card(code="M-DRAFT")).pk
    pending = program_create(actor=staff, provider=org, data=card(code="M-REVIEW"))
    program_submit(actor=staff, program=pending)
    state["review"] = next(
        r.pk
        for r in reviews_assign(actor=world.users["regional"], program=pending)
        if r.expert == world.users["expert"]
    )
    state["card"] = program_card(published) | {"code": "M-NEW"}


def _import_file(world, state):
    from django.core.files.uploadedfile import SimpleUploadedFile

    card_json = dict(state["card"], code="M-IMPORTED")
    return {"file": SimpleUploadedFile("cards.json", json.dumps([card_json]).encode()), "check": "true"}


def draft_visible(ok: int = 200, *, anonymous: int = 302, moderators_get: int = 200):
    def expect(who, world):
        if who == "anonymous":
            return anonymous
        if who == "provider":
            return ok
        return moderators_get if who in MODERATORS else 404

    return expect


def _moderators_refused():
    """A moderator's action on a card in the wrong state: refused (409); its provider may not (403)."""
    return draft_visible(403, moderators_get=409)


def provider_on_public(ok: int = 200, *, anonymous: int = 302):
    def expect(who, world):
        if who == "anonymous":
            return anonymous
        return ok if who == "provider" else 403

    return expect


ROUTES += [
    Route("catalog:catalog", "GET", lambda w, s: "/catalog/?q=учителей+математики", page(LOGGED_IN), setup=_depot),
    Route("catalog:for_me", "GET", lambda w, s: "/catalog/for-me/", only({"teacher"}), setup=_depot),
    Route(
        "catalog:program",
        "GET",
        lambda w, s: f"/catalog/programs/{s['published']}/",
        page(LOGGED_IN),
        setup=_depot,
        label="published",
    ),
    Route(
        "catalog:program",
        "GET",
        lambda w, s: f"/catalog/programs/{s['draft']}/",
        draft_visible(),
        setup=_depot,
        label="draft",
    ),
    Route("catalog:program_new", "GET", lambda w, s: "/catalog/programs/new/", only({"provider"}), setup=_depot),
    Route(
        "catalog:program_edit",
        "GET",
        lambda w, s: f"/catalog/programs/{s['draft']}/edit/",
        draft_visible(moderators_get=403),
        setup=_depot,
    ),
    Route(
        "catalog:cohorts",
        "GET",
        lambda w, s: f"/catalog/programs/{s['published']}/cohorts/",
        provider_on_public(),
        setup=_depot,
    ),
    Route("catalog:provider", "GET", lambda w, s: "/catalog/provider/", only({"provider"}), setup=_depot),
    Route("catalog:reviews", "GET", lambda w, s: "/catalog/reviews/", page({"expert"}), setup=_depot),
    Route("catalog:review", "GET", lambda w, s: f"/catalog/reviews/{s['review']}/", page({"expert"}), setup=_depot),
    Route(
        "catalog:moderation",
        "GET",
        lambda w, s: "/catalog/moderation/",
        page(MODERATORS | {"regional_other"}),
        setup=_depot,
    ),
    Route(
        "catalog:coverage",
        "GET",
        lambda w, s: f"/catalog/coverage/?region={w.r1.pk}",
        page(AGGREGATE | {"provider"}),
        setup=_depot,
    ),
    Route(
        "api-1.0.0:search",
        "GET",
        lambda w, s: "/api/catalog/programs?q=учителей+математики",
        api(LOGGED_IN),
        setup=_depot,
    ),
    Route(
        "api-1.0.0:for_me", "GET", lambda w, s: "/api/catalog/for-me", only({"teacher"}, anonymous=401), setup=_depot
    ),
    Route(
        "api-1.0.0:program", "GET", lambda w, s: f"/api/catalog/programs/{s['published']}", api(LOGGED_IN), setup=_depot
    ),
    Route(
        "api-1.0.0:coverage",
        "GET",
        lambda w, s: "/api/catalog/coverage?region=24",
        api(AGGREGATE | {"provider"}),
        setup=_depot,
    ),
    Route("api-1.0.0:reviews", "GET", lambda w, s: "/api/catalog/reviews", api({"expert"}), setup=_depot),
    Route(
        "api-1.0.0:programs_import",
        "POST",
        lambda w, s: "/api/catalog/import",
        only({"provider"}, anonymous=401),
        setup=_depot,
        data=_import_file,
        observe=rows_of("catalog.Program", "pk", code="M-IMPORTED"),
        label="check only: nothing is saved",
    ),
    Route(
        "api-1.0.0:program_create",
        "POST",
        lambda w, s: "/api/catalog/programs",
        only({"provider"}, 201, anonymous=401),
        setup=_depot,
        data=lambda w, s: {"card": s["card"]},
        json=True,
        observe=rows_of("catalog.Program", "status", code="M-NEW"),
        changes={"provider"},
    ),
    Route(
        "api-1.0.0:program_update",
        "PUT",
        lambda w, s: f"/api/catalog/programs/{s['draft']}",
        draft_visible(anonymous=401, moderators_get=403),
        setup=_depot,
        data=lambda w, s: {"card": dict(s["card"], code="M-DRAFT", title="Черновик, исправленный через API")},
        json=True,
        observe=rows_of("catalog.Program", "title", "hours", "annotation", pk=state_key("draft")),
        changes={"provider"},
    ),
    Route(
        "api-1.0.0:cohort_create",
        "POST",
        lambda w, s: f"/api/catalog/programs/{s['published']}/cohorts",
        provider_on_public(201, anonymous=401),
        setup=_depot,
        data=lambda w, s: {
            "start_date": "2027-09-01",
            "end_date": "2027-09-05",
            "enrollment_deadline": "2027-08-25",
            "seats": 10,
            "price_kopecks": 0,
            "online": True,
        },
        json=True,
        observe=rows_of("catalog.Cohort", "pk", program_id=state_key("published"), start_date=dt.date(2027, 9, 1)),
        changes={"provider"},
    ),
    Route(
        "api-1.0.0:review_submit",
        "POST",
        lambda w, s: f"/api/catalog/reviews/{s['review']}",
        api({"expert"}),
        setup=_depot,
        data=lambda w, s: {"scores": {c.code: 2 for c in ReviewCriterion.objects.all()}, "verdict": "approve"},
        json=True,
        observe=rows_of("catalog.Review", "status", "verdict", pk=state_key("review")),
        changes={"expert"},
    ),
    Route(
        "api-1.0.0:program_action",
        "POST",
        lambda w, s: f"/api/catalog/programs/{s['draft']}/actions",
        draft_visible(anonymous=401, moderators_get=403),
        setup=_depot,
        data=lambda w, s: {"action": "submit"},
        json=True,
        observe=rows_of("catalog.Program", "status", pk=state_key("draft")),
        changes={"provider"},
    ),
]


# ---------------------------------------------------------------- form POSTs, each with its outcome
# Each works on objects of its own (made once per user's run), so that no earlier row's success
# changes what a later row expects; the edit of the own draft comes before its submission.


def _form_of(data) -> dict:
    """A program card (ProgramData) as the card form posts it."""
    post = {
        "code": data.code,
        "kind": data.kind,
        "title": data.title,
        "annotation": data.annotation,
        "hours": str(data.hours),
        "form": data.form,
        "final_assessment": data.final_assessment,
        "for_teachers": "1",
        "positions": ",".join(data.positions),
        "subjects": data.subjects,
        "price": "0",
    }
    for i, (code, weight, text) in enumerate(data.outcomes):
        post |= {f"outcome_code_{i}": code, f"outcome_weight_{i}": str(weight), f"outcome_text_{i}": text}
    for i, (title, hours) in enumerate(data.modules):
        post |= {f"module_title_{i}": title, f"module_hours_{i}": str(hours)}
    return post


def _own_objects(world, state):
    """A draft, a program under review with the expert's review pending: this section's own."""
    _depot(world, state)
    if "own_draft" in state:
        return
    from efs.catalog.models import Program

    staff = world.users["provider"]
    org = Program.objects.get(pk=state["draft"]).provider
    state["own_draft"] = program_create(actor=staff, provider=org, data=card(code="M-OWN-DRAFT")).pk
    pending = program_create(actor=staff, provider=org, data=card(code="M-OWN-REVIEW"))
    program_submit(actor=staff, program=pending)
    assigned = reviews_assign(actor=world.users["regional"], program=pending)
    state["own_review"] = next(r.pk for r in assigned if r.expert == world.users["expert"])


def _cards_file(world, state):
    from django.core.files.uploadedfile import SimpleUploadedFile

    card_json = dict(state["card"], code="M-IMPORTED-PAGE")
    return {"file": SimpleUploadedFile("cards.json", json.dumps([card_json]).encode())}


def _broken_cards_file(world, state):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("cards.json", json.dumps([{"code": "M-REFUSED-PAGE"}]).encode())}


ROUTES += [
    Route(
        "catalog:program_edit",
        "POST",
        lambda w, s: f"/catalog/programs/{s['own_draft']}/edit/",
        draft_visible(302, moderators_get=403),
        setup=_own_objects,
        data=lambda w, s: _form_of(card(code="M-OWN-DRAFT", title="Исправленное название программы повышения")),
        observe=rows_of("catalog.Program", "title", pk=state_key("own_draft")),
        changes={"provider"},
    ),
    Route(
        "catalog:program_submit",
        "POST",
        lambda w, s: f"/catalog/programs/{s['own_draft']}/submit/",
        draft_visible(302, moderators_get=403),  # a moderator may not submit: refused (403), nothing changes
        setup=_own_objects,
        data=lambda w, s: {},
        observe=rows_of("catalog.Program", "status", pk=state_key("own_draft")),
        changes={"provider"},
        label="submit a draft",
    ),
    Route(
        "catalog:program_assign",
        "POST",
        lambda w, s: f"/catalog/programs/{s['own_draft']}/assign/",
        _moderators_refused(),
        setup=_own_objects,
        data=lambda w, s: {},
        observe=rows_of("catalog.Review", "pk", program_id=state_key("own_draft")),
        label="experts for a card not submitted: refused",
    ),
    Route(
        "catalog:program_decide",
        "POST",
        lambda w, s: f"/catalog/programs/{s['own_draft']}/decide/",
        _moderators_refused(),
        setup=_own_objects,
        data=lambda w, s: {"verdict": "approve", "comment": ""},
        observe=rows_of("catalog.Program", "status", pk=state_key("own_draft")),
        label="a decision on a card not in review: refused",
    ),
    Route(
        "catalog:program_publish",
        "POST",
        lambda w, s: f"/catalog/programs/{s['own_draft']}/publish/",
        _moderators_refused(),
        setup=_own_objects,
        data=lambda w, s: {},
        observe=rows_of("catalog.Program", "status", pk=state_key("own_draft")),
        label="publishing a card not approved: refused",
    ),
    Route(
        "catalog:program_archive",
        "POST",
        lambda w, s: f"/catalog/programs/{s['own_draft']}/archive/",
        draft_visible(409, moderators_get=409),
        setup=_own_objects,
        data=lambda w, s: {"comment": ""},
        observe=rows_of("catalog.Program", "status", pk=state_key("own_draft")),
        label="archiving a card not published: refused",
    ),
    Route(
        "catalog:cohort_cancel",
        "POST",
        lambda w, s: f"/catalog/programs/{s['published']}/cohorts/cancel/",
        only(set(), default=404),
        setup=_own_objects,
        data=lambda w, s: {"cohort": 10**9},
        observe=rows_of("catalog.Cohort", "status", program_id=state_key("published")),
        label="a cohort not of this program: not found",
    ),
    Route(
        "catalog:program_new",
        "POST",
        lambda w, s: "/catalog/programs/new/",
        only({"provider"}, 302),
        setup=_own_objects,
        data=lambda w, s: _form_of(card(code="M-FORM-NEW")),
        observe=rows_of("catalog.Program", "pk", code="M-FORM-NEW"),
        changes={"provider"},
    ),
    Route(
        "catalog:cohorts",
        "POST",
        lambda w, s: f"/catalog/programs/{s['published']}/cohorts/",
        provider_on_public(302),
        setup=_own_objects,
        data=lambda w, s: {
            "start_date": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
            "end_date": (dt.date.today() + dt.timedelta(days=65)).isoformat(),
            "enrollment_deadline": (dt.date.today() + dt.timedelta(days=55)).isoformat(),
            "seats": "12",
            "price": "0",
            "online": "1",
        },
        observe=rows_of("catalog.Cohort", "pk", program_id=state_key("published")),
        changes={"provider"},
    ),
    Route(
        "catalog:provider",
        "POST",
        lambda w, s: "/catalog/provider/",
        only({"provider"}),
        setup=_own_objects,
        data=_cards_file,
        observe=rows_of("catalog.Program", "pk", code="M-IMPORTED-PAGE"),
        changes={"provider"},
        label="import cards",
    ),
    # A file whose card does not follow the format: refused with its status (422) and the
    # Russian message on the page, not the 200 of success; nothing is imported.
    Route(
        "catalog:provider",
        "POST",
        lambda w, s: "/catalog/provider/",
        only({"provider"}, 422),
        setup=_own_objects,
        data=_broken_cards_file,
        observe=rows_of("catalog.Program", "pk", code="M-REFUSED-PAGE"),
        label="import a broken file: refused",
    ),
    Route(
        "catalog:review",
        "POST",
        lambda w, s: f"/catalog/reviews/{s['own_review']}/",
        lambda who, w: {"anonymous": 302, "expert": 302}.get(who, 403),
        setup=_own_objects,
        data=lambda w, s: {
            **{f"score_{c.code}": "2" for c in ReviewCriterion.objects.all()},
            "verdict": "approve",
            "comment": "",
        },
        observe=rows_of("catalog.Review", "status", pk=state_key("own_review")),
        changes={"expert"},
    ),
]

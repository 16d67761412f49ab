"""The demo depository: the shipped program cards offered by the region's providers and
a federal one, taken through the real inclusion workflow, with cohorts over the next year.

A few cards are left in every state of the workflow so each role has work to see: drafts
of the regional institute, cards waiting for experts, reviews waiting for the demo expert,
a card returned for revision and one rejected.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from efs.catalog import services
from efs.catalog.importexport import card_to_data
from efs.catalog.models import Availability, Cohort, ReviewCriterion
from efs.people.models import Municipality, Organization, Region, Role, Scope, User
from efs.people.services import role_grant

from .users import DEMO_PASSWORD

CARDS = Path(__file__).resolve().parent.parent / "catalog" / "data" / "programs.json"
FEDERAL_PROVIDER = {
    "name": "Федеральное государственное автономное образовательное учреждение дополнительного профессионального "
            "образования «Академия реализации государственной политики и профессионального развития работников "
            "образования Министерства просвещения Российской Федерации»",
    "short_name": "Академия Минпросвещения России",
    "inn": "7718086647",
}
EXPERTS = [
    ("expert_kgpu", "Тимофеева", "Лариса", "КГПУ им. В.П. Астафьева"),
    ("expert_sfu", "Крылов", "Виктор", "СФУ"),
    ("expert_kimc", "Соболева", "Ирина", "МКУ КИМЦ"),
    ("expert_kipk", "Михеев", "Олег", "ККИПК и ППРО"),
]
COMMENTS_REVISE = [
    "Практическая часть заявлена, но не раскрыта: добавьте стажировку или разбор видеозаписей уроков и укажите её "
    "объём в модулях.",
    "Планируемые результаты сформулированы как знания; переформулируйте их через трудовые действия и свяжите с "
    "оценочными материалами.",
]


def _experts(region: Region) -> list[User]:
    users = []
    for username, last, first, org_short in EXPERTS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.last_name, user.first_name = last, first
        user.set_password(DEMO_PASSWORD)
        user.save()
        role_grant(user=user, role=Role.EXPERT, scope=Scope.ASSIGNED, region=region)
        org = Organization.objects.filter(region=region, short_name=org_short).first()
        if org is not None and username == "expert_kipk":
            # An expert who also works for the regional institute: the conflict-of-interest
            # rule keeps them off its programs.
            role_grant(user=user, role=Role.PROVIDER, scope=Scope.ORGANIZATION, organization=org)
        users.append(user)
    return users


def _providers(region: Region) -> dict[str, list[Organization]]:
    by_kind: dict[str, list[Organization]] = {}
    for org in Organization.objects.filter(region=region, licensed_for_dpo=True).order_by("pk"):
        by_kind.setdefault(org.kind, []).append(org)
    moscow = Region.objects.get(code="77")
    federal, _ = Organization.objects.get_or_create(
        inn=FEDERAL_PROVIDER["inn"],
        defaults={
            "region": moscow,
            "kind": "federal",
            "name": FEDERAL_PROVIDER["name"],
            "short_name": FEDERAL_PROVIDER["short_name"],
            "address": "г. Москва, Головинское шоссе, 8, корп. 2А",
            "licensed_for_dpo": True,
        },
    )
    by_kind["federal"] = [federal]
    return by_kind


def _staff(org: Organization, username: str, last: str, first: str) -> User:
    user = User.objects.filter(username=username).first() or User(username=username, last_name=last, first_name=first)
    user.set_password(DEMO_PASSWORD)
    user.save()
    role_grant(user=user, role=Role.PROVIDER, scope=Scope.ORGANIZATION, organization=org)
    return user


@transaction.atomic
def create_demo_catalog(region: Region, *, seed: int, today: dt.date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    cards = json.loads(CARDS.read_text(encoding="utf-8"))
    providers = _providers(region)
    regional = User.objects.get(username="regional")
    federal_operator = User.objects.get(username="federal")
    experts = _experts(region)
    demo_expert = User.objects.get(username="expert")
    staff = {
        org.pk: _staff(org, f"staff{org.pk}", "Сотрудник", org.display_name[:30])
        for orgs in providers.values()
        for org in orgs
    }
    staff[providers["ipk"][0].pk] = User.objects.get(username="provider")
    criteria = [c.code for c in ReviewCriterion.objects.all()]
    cities = list(Municipality.objects.filter(region=region, kind__in=["city_district", "closed_city"]).order_by("pk"))
    krasnoyarsk = next(m for m in cities if m.name == "Красноярск")

    # Network form (273-ФЗ art. 15): about a fifth of the programs are run with partners — another
    # institute or university, or base schools where the practical part takes place. A separate
    # random stream, so the rest of the demo stays as it was.
    network_rng = random.Random(seed + 15)
    partner_pool = list(
        Organization.objects.filter(region=region, kind__in=["ipk", "cnppm", "university", "college"])
        .exclude(inn="")
        .order_by("pk")
    ) + list(
        Organization.objects.filter(region=region, kind="school", municipality=krasnoyarsk)
        .exclude(inn="")
        .order_by("pk")[:30]
    )
    offers: list[tuple[dict, Organization]] = []
    for card in cards:
        pool = providers.get(card["provider_kind"]) or providers["ipk"]
        offers.append((card, rng.choice(pool)))
        # Many regional programs are offered by a second provider in another version.
        if card["provider_kind"] in ("ipk", "cnppm") and rng.random() < 0.7:
            second = rng.choice(
                providers.get("university", []) + providers.get("college", []) + providers.get("other_provider", [])
            )
            offers.append((card, second))
    counts = {"programs": 0, "published": 0, "cohorts": 0}
    special = {"draft": 3, "submitted": 4, "in_review": 3, "returned": 1, "rejected": 1}
    for index, (card, org) in enumerate(offers):
        variant = dict(card)
        variant["code"] = f"{card['code']}-{org.pk}"
        if index > len(cards) and org.kind != "federal":
            variant["hours"], variant["modules"] = _rescale(card, rng)
            variant["price_rub"] = (
                0 if card["price_rub"] == 0 else round(card["price_rub"] * rng.uniform(0.8, 1.25), -2)
            )
        candidates = [o for o in partner_pool if o.pk != org.pk and o.inn != org.inn]
        if org.kind != "federal" and candidates and network_rng.random() < 0.2:
            partners = network_rng.sample(candidates, 2 if network_rng.random() < 0.3 else 1)
            variant["network_partners"] = [{"inn": o.inn, "name": o.name} for o in partners]
        actor = staff[org.pk]
        program = services.program_create(actor=actor, provider=org, data=card_to_data(variant))
        program.developer = org.display_name
        program.save(update_fields=["developer"])
        counts["programs"] += 1
        moderator = federal_operator if org.kind == "federal" else regional
        state = _special_state(special, org, providers)
        if state == "draft":
            continue
        services.program_submit(actor=actor, program=program)
        if state == "submitted":
            continue
        if state == "in_review":
            reviews = services.reviews_assign(actor=moderator, program=program, experts=[demo_expert, experts[0]])
            _review(reviews[1], rng, criteria, "approve")
            continue
        reviews = services.reviews_assign(
            actor=moderator, program=program, experts=rng.sample([e for e in experts if e.username != "expert_kipk"], 2)
        )
        verdicts = {"returned": ["approve", "revise"], "rejected": ["reject", "revise"]}.get(
            state, ["approve", "approve"]
        )
        for review, verdict in zip(reviews, verdicts, strict=True):
            _review(review, rng, criteria, verdict)
        if state == "returned":
            services.program_decide(actor=moderator, program=program, decision="revise", comment=COMMENTS_REVISE[0])
            continue
        if state == "rejected":
            services.program_decide(
                actor=moderator,
                program=program,
                decision="reject",
                comment="Программа дублирует курс ФГИС «Моя школа» и не связана с дефицитами педагогов региона.",
            )
            continue
        services.program_decide(actor=moderator, program=program, decision="approve")
        services.program_publish(actor=moderator, program=program)
        counts["published"] += 1
        counts["cohorts"] += _cohorts(program, org, rng, today, krasnoyarsk, cities)
    return counts


def _special_state(special: dict[str, int], org: Organization, providers) -> str:
    """Leave a few cards of the demo provider (the regional institute) in each early state."""
    if org.pk != providers["ipk"][0].pk:
        return "published"
    for state, left in special.items():
        if left:
            special[state] -= 1
            return state
    return "published"


def _rescale(card: dict, rng: random.Random) -> tuple[int, list[dict]]:
    if card["kind"] == "retraining" or card["hours"] < 24:
        return card["hours"], card["modules"]
    factor = rng.choice([0.5, 0.67, 1.0, 1.0, 2.0])
    hours = max(16, int(round(card["hours"] * factor / 2)) * 2)
    modules = [dict(m) for m in card["modules"]]
    scaled = [max(1, round(m["hours"] * hours / card["hours"])) for m in modules]
    scaled[-1] += hours - sum(scaled)
    if scaled[-1] <= 0:
        return card["hours"], card["modules"]
    for module, value in zip(modules, scaled, strict=True):
        module["hours"] = value
    return hours, modules


def _review(review, rng: random.Random, criteria: list[str], verdict: str) -> None:
    scores = {c: (2 if rng.random() < 0.75 else 1) for c in criteria}
    if verdict != "approve":
        scores["practice"] = 0
    comment = (
        "Программа соответствует требованиям; рекомендую включить в депозитарий."
        if verdict == "approve"
        else rng.choice(COMMENTS_REVISE)
    )
    services.review_submit(actor=review.expert, review=review, scores=scores, verdict=verdict, comment=comment)


def _cohorts(
    program,
    org: Organization,
    rng: random.Random,
    today: dt.date,
    krasnoyarsk: Municipality,
    cities: list[Municipality],
) -> int:
    n = rng.choice([1, 1, 2, 2, 3])
    made = 0
    for _ in range(n):
        start = today + dt.timedelta(days=rng.randint(10, 340))
        days = max(3, min(program.hours // 6, 120)) if program.kind == "upgrade" else rng.randint(150, 280)
        online = (
            org.kind == "federal" or program.form == "part_time" or (program.distance_learning and rng.random() < 0.5)
        )
        seats = rng.choice([15, 20, 25, 25, 30])
        cohort = services.cohort_create(
            actor=_provider_actor(org),
            program=program,
            data=services.CohortData(
                start_date=start,
                end_date=start + dt.timedelta(days=days),
                enrollment_deadline=start - dt.timedelta(days=rng.randint(3, 14)),
                seats=seats,
                price=program.price,
                online=online,
                municipality_id=None
                if online
                else (
                    krasnoyarsk.pk
                    if rng.random() < 0.7 or org.region_id != krasnoyarsk.region_id
                    else rng.choice(cities).pk
                ),
                availability=Availability.COUNTRY
                if org.kind == "federal"
                else (
                    Availability.MACROREGION if org.kind == "university" and rng.random() < 0.4 else Availability.REGION
                ),
            ),
        )
        Cohort.objects.filter(pk=cohort.pk).update(seats_taken=int(seats * rng.uniform(0, 0.7)))
        made += 1
    return made


def _provider_actor(org: Organization) -> User:
    user = (
        User.objects.filter(role_assignments__role=Role.PROVIDER, role_assignments__organization=org)
        .order_by("pk")
        .first()
    )
    assert user is not None  # a provider of the demo has its staff (_staff)
    return user

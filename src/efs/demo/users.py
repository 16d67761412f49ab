"""Demo logins, one per role, attached to believable people of the demo region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from efs.people.models import (
    Consent,
    ConsentDocument,
    ConsentKind,
    Educator,
    EducatorCategory,
    Municipality,
    Organization,
    ProcessingBasis,
    Region,
    Role,
    Scope,
    User,
)
from efs.people.services import role_grant, support_assign

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    who: str


def _user(username: str, *, first_name: str, last_name: str, staff: bool = False) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.first_name, user.last_name = first_name, last_name
    user.is_staff = user.is_superuser = staff
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _link(user: User, educator: Educator) -> None:
    educator.user = user
    educator.save(update_fields=["user"])


def consented(educators) -> None:
    """The demo region processes personal data on the basis of consent: the people the demo
    supports, routes and enrolls gave it (on paper, recorded by the operator); `head` and
    `student` have not yet, so their first steps show the consent."""
    document = ConsentDocument.objects.filter(kind=ConsentKind.PERSONAL_DATA).order_by("-published_at").first()
    if document is None:
        return
    given = timezone.now() - dt.timedelta(days=30)
    have = set(
        Consent.objects.filter(document=document, withdrawn_at__isnull=True).values_list("educator_id", flat=True)
    )
    Consent.objects.bulk_create(
        [
            Consent(educator=e, document=document, region_id=e.region_id, given_at=given, given_by=e.user)
            for e in educators
            if e.pk not in have
        ]
    )


def _demo_school(region: Region, city: Municipality) -> tuple[Organization, Educator, Educator, Educator]:
    """The first school (city schools first) with a maths teacher, an experienced
    colleague to mentor them, and a director."""
    schools = Organization.objects.filter(region=region, kind="school").annotate(
        in_city=Case(When(municipality=city, then=Value(0)), default=Value(1))
    ).order_by("in_city", "pk")
    for school in schools:
        staff = Educator.objects.filter(organization=school, user__isnull=True)
        teacher = staff.filter(position="учитель математики").order_by(
            Case(When(experience_years__gte=5, then=Value(0)), default=Value(1)), "experience_years", "pk"
        ).first()
        head = staff.filter(position="директор").order_by("pk").first()
        if teacher is None or head is None:
            continue
        mentor = (
            staff.filter(category="teacher", qualification_category__in=["highest", "mentor", "methodist"])
            .exclude(pk=teacher.pk)
            .annotate(same_subject=Case(When(position=teacher.position, then=Value(0)), default=Value(1)))
            .order_by("same_subject", "-experience_years", "pk")
            .first()
        )
        if mentor is not None:
            return school, teacher, mentor, head
    raise LookupError("The demo region has no school with a maths teacher, a mentor and a director.")


@transaction.atomic
def create_demo_logins(region: Region) -> list[DemoLogin]:
    Region.objects.filter(pk=region.pk).update(personal_data_basis=ProcessingBasis.CONSENT)
    city = Municipality.objects.get(region=region, name="Красноярск")
    school, teacher, mentor, head = _demo_school(region, city)
    logins: list[DemoLogin] = []

    def add(username: str, role: str, who: str) -> None:
        logins.append(DemoLogin(username, str(Role(role).label), who))

    user = _user("teacher", first_name=teacher.first_name, last_name=teacher.last_name)
    _link(user, teacher)
    role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=region)
    add("teacher", Role.TEACHER, f"{teacher.full_name}, {teacher.position}, {school.short_name}")

    novice = (
        Educator.objects.filter(organization=school, category="teacher", user__isnull=True, experience_years__lt=3)
        .exclude(pk__in=[teacher.pk, mentor.pk, head.pk]).order_by("experience_years", "pk").first()
    )
    if novice is not None:
        user = _user("novice", first_name=novice.first_name, last_name=novice.last_name)
        _link(user, novice)
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=region)
        add(
            "novice",
            Role.TEACHER,
            f"{novice.full_name}, {novice.position}, {school.short_name} (ещё не проходил(а) диагностику)",
        )

    user = _user("mentor", first_name=mentor.first_name, last_name=mentor.last_name)
    _link(user, mentor)
    role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=region)
    role_grant(user=user, role=Role.MENTOR, scope=Scope.ASSIGNED, region=region)
    mentees = [
        teacher,
        *([novice] if novice else []),
        *Educator.objects.filter(organization=school, experience_years__lt=3, category="teacher")
        .exclude(pk__in=[teacher.pk, novice.pk if novice else 0])
        .order_by("pk")[:1],
    ]
    consented([mentor, *mentees])
    for mentee in mentees:
        support_assign(supporter=user, educator=mentee, kind=Role.MENTOR)
    add("mentor", Role.MENTOR, f"{mentor.full_name}, {mentor.position}")

    user = _user("head", first_name=head.first_name, last_name=head.last_name)
    _link(user, head)
    role_grant(user=user, role=Role.SCHOOL_HEAD, scope=Scope.ORGANIZATION, organization=school)
    # The head is also a manager who takes the managers' diagnostics (their own record).
    role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=region)
    add(
        "head",
        Role.SCHOOL_HEAD,
        f"{head.full_name}, {head.position}, {school.short_name} (сам(а) проходит диагностику руководителей)",
    )

    student = (
        Educator.objects.filter(
            region=region, category=EducatorCategory.STUDENT, user__isnull=True, organization__kind="university"
        )
        .order_by("pk")
        .first()
    )
    if student is not None:
        user = _user("student", first_name=student.first_name, last_name=student.last_name)
        _link(user, student)
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=region)
        assert student.organization is not None  # filtered on organization__kind
        where = student.organization.short_name or student.organization.name
        add("student", Role.TEACHER, f"{student.full_name}, студент(ка), {where} (диагностика студентов педвуза)")

    cnppm = Organization.objects.get(region=region, kind="cnppm")
    user = _user("tutor", first_name="Оксана", last_name="Белых")
    role_grant(user=user, role=Role.TUTOR, scope=Scope.ASSIGNED, region=region)
    tutees = [
        teacher,
        *([novice] if novice else []),
        *Educator.objects.filter(organization__municipality=city, category="teacher")
        .exclude(pk__in=[teacher.pk, novice.pk if novice else 0])
        .order_by("pk")[:24],
    ]
    consented(tutees)
    for tutee in tutees:
        support_assign(supporter=user, educator=tutee, kind=Role.TUTOR)
    add("tutor", Role.TUTOR, f"Белых Оксана, методист, {cnppm.short_name}")

    user = _user("municipal", first_name="Ирина", last_name="Кедрова")
    role_grant(user=user, role=Role.MUNICIPAL_OPERATOR, scope=Scope.MUNICIPALITY, municipality=city)
    add("municipal", Role.MUNICIPAL_OPERATOR, "Кедрова Ирина, МКУ КИМЦ, г. Красноярск")

    ipk = Organization.objects.get(region=region, kind="ipk")
    user = _user("provider", first_name="Павел", last_name="Зырянов")
    role_grant(user=user, role=Role.PROVIDER, scope=Scope.ORGANIZATION, organization=ipk)
    add("provider", Role.PROVIDER, f"Зырянов Павел, {ipk.short_name}")

    user = _user("expert", first_name="Галина", last_name="Ангарская")
    role_grant(user=user, role=Role.EXPERT, scope=Scope.ASSIGNED, region=region)
    add("expert", Role.EXPERT, "Ангарская Галина, эксперт по программам ДПО")

    user = _user("regional", first_name="Андрей", last_name="Енисейский")
    role_grant(user=user, role=Role.REGIONAL_OPERATOR, scope=Scope.REGION, region=region)
    add("regional", Role.REGIONAL_OPERATOR, f"Енисейский Андрей, {region.name}")

    user = _user("federal", first_name="Наталья", last_name="Соколова", staff=True)
    role_grant(user=user, role=Role.FEDERAL_OPERATOR, scope=Scope.FEDERAL)
    add("federal", Role.FEDERAL_OPERATOR, "Соколова Наталья, федеральный оператор (и администратор)")
    return logins


MACROREGION_TEAMS = {
    "Макрорегион «Урал — Поволжье — Новороссия»": (
        "Команда стратегической сессии ЕФС НМС (Мытищи, декабрь 2023): совместные проекты горизонтальных связей.",
        ["02", "59", "56", "71", "90", "94"],
    ),
}


def create_demo_macroregions() -> int:
    """The eight federal districts and a strategic-session team, as macroregions."""
    from efs.people.models import FederalDistrict, Macroregion

    created = 0
    for value, label in FederalDistrict.choices:
        macro, new = Macroregion.objects.get_or_create(name=str(label), defaults={"description": "Федеральный округ"})
        macro.regions.set(Region.objects.filter(federal_district=value))
        created += new
    for name, (description, codes) in MACROREGION_TEAMS.items():
        macro, new = Macroregion.objects.get_or_create(name=name, defaults={"description": description})
        macro.regions.set(Region.objects.filter(code__in=codes))
        created += new
    return created


def existing_demo_logins() -> list[DemoLogin]:
    """The demo logins as they are in the database (for `efs up` on a second start)."""
    result = []
    for user in User.objects.filter(
        username__in=[
            "teacher",
            "novice",
            "mentor",
            "head",
            "tutor",
            "municipal",
            "provider",
            "expert",
            "regional",
            "federal",
        ]
    ).prefetch_related("role_assignments"):
        roles = [ra for ra in user.role_assignments.all() if ra.role != Role.TEACHER] or list(
            user.role_assignments.all()
        )
        if roles:
            result.append(DemoLogin(user.username, str(Role(roles[0].role).label), user.display_name()))
    order = ["teacher", "novice", "mentor", "head", "tutor", "municipal", "provider", "expert", "regional", "federal"]
    return sorted(result, key=lambda login: order.index(login.username))

"""Regional programs in the demo: the federal template; the programs of four regions to compare —
the demo region (Krasnoyarsk Krai: version 1 approved, version 2 a draft correction), Bashkortostan
(approved), Perm Krai (under review: one expert has answered, the demo expert has not yet) and Tula
oblast (version 1 returned, version 2 submitted); and the joint project of the strategic-session
macroregion (Bashkortostan with Perm Krai, Orenburg, Tula and Zaporozhye oblasts and the Luhansk
People's Republic). Everything goes through the coordination app's services.

The demo directory holds people only in the demo region, so the other regions get only the
subjects their programs name (the authority, the institute, the ЦНППМ, the pedagogical
university); their monitoring values stay empty («нет данных»), and the number of educators a
program covers is the figure the program declares. Names and figures are demo data."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.utils import timezone

from efs.coordination import public as council
from efs.coordination.public import programs as services
from efs.people.public import (
    Educator,
    Macroregion,
    Organization,
    Region,
    Role,
    Scope,
    User,
    role_grant,
)

from .users import DEMO_PASSWORD, MACROREGION_TEAMS

ActivityData = services.ActivityData
Content = services.Content
GoalData = services.GoalData
ResourceData = services.ResourceData
TargetData = services.TargetData
TaskData = services.TaskData
RegionalProgram, starter = services.RegionalProgram, services.starter

MACROREGION = next(iter(MACROREGION_TEAMS))

# The subjects a program names in each region (short names as people say them).
SUBJECTS = {
    "02": [
        ("ministry", "Министерство образования и науки Республики Башкортостан", "Минобрнауки РБ"),
        ("ipk", "Институт развития образования Республики Башкортостан", "ИРО РБ"),
        ("cnppm", "Центр непрерывного повышения профессионального мастерства педагогических работников РБ", "ЦНППМ РБ"),
        ("university", "Башкирский государственный педагогический университет им. М. Акмуллы", "БГПУ им. М. Акмуллы"),
    ],
    "59": [
        ("ministry", "Министерство образования и науки Пермского края", "Минобрнауки Пермского края"),
        ("ipk", "Институт развития образования Пермского края", "ИРО ПК"),
        ("cnppm", "ЦНППМ Пермского края", "ЦНППМ ПК"),
        ("university", "Пермский государственный гуманитарно-педагогический университет", "ПГГПУ"),
    ],
    "71": [
        ("ministry", "Министерство образования Тульской области", "Минобр ТО"),
        (
            "ipk",
            "Институт повышения квалификации и профессиональной переподготовки работников образования Тульской области",
            "ИПК и ППРО ТО",
        ),
        ("cnppm", "ЦНППМ Тульской области", "ЦНППМ ТО"),
        (
            "university",
            "Тульский государственный педагогический университет им. Л. Н. Толстого",
            "ТГПУ им. Л. Н. Толстого",
        ),
    ],
    "56": [
        ("ministry", "Министерство образования Оренбургской области", "Минобр Оренбургской области"),
        ("university", "Оренбургский государственный педагогический университет", "ОГПУ"),
    ],
    "90": [
        ("ministry", "Министерство образования и науки Запорожской области", "Минобрнауки ЗО"),
        ("university", "Мелитопольский государственный университет", "МелГУ"),
    ],
    "94": [
        ("ministry", "Министерство образования и науки Луганской Народной Республики", "Минобрнауки ЛНР"),
        ("university", "Луганский государственный педагогический университет", "ЛГПУ"),
    ],
}


def _subjects(region: Region) -> dict[str, Organization]:
    found = {
        o.kind: o
        for o in Organization.objects.filter(
            region=region, kind__in=["ministry", "ipk", "cnppm", "university"]
        ).order_by("pk")
    }
    for kind, name, short in SUBJECTS.get(region.code, []):
        if kind not in found:
            found[kind] = Organization.objects.create(
                region=region,
                kind=kind,
                name=name,
                short_name=short,
                licensed_for_dpo=kind in ("ipk", "cnppm", "university"),
            )
    return found


class _Plan(TypedDict):
    """What a region's demo program is made of (the keywords of _content)."""

    educators: int
    money_roubles: int
    hours: int
    shares: dict[str, int]
    extra: bool


def _content(
    region: Region,
    orgs: dict[str, Organization],
    *,
    educators: int,
    money_roubles: int,
    hours: int,
    shares: dict[str, int],
    extra: bool,
    year: int,
) -> Content:
    """A program in the shape the strategic sessions describe; the three standard goals, and in
    `extra` programs the practices and workforce components as well."""
    ministry = orgs["ministry"]
    ipk, cnppm, uni = (orgs.get(kind) or ministry for kind in ("ipk", "cnppm", "university"))
    goals = [
        GoalData(
            component="diagnostics",
            title="Каждый педагог знает свои профессиональные дефициты",
            tasks=(
                TaskData(
                    title="Провести добровольную диагностику педагогов и управленцев",
                    responsible_id=cnppm.pk,
                    co_executor_ids=(ipk.pk,),
                    activities=(
                        ActivityData(title="Весенняя волна диагностики"),
                        ActivityData(title="Диагностика студентов педвуза"),
                    ),
                ),
            ),
        ),
        GoalData(
            component="routes",
            title="ИОМ для каждого педагога с дефицитами",
            tasks=(
                TaskData(
                    title="Построить ИОМ с тьютором ЦНППМ",
                    responsible_id=cnppm.pk,
                    activities=(ActivityData(title="Обучение тьюторов построению ИОМ"),),
                ),
                TaskData(title="Повторная диагностика через год", responsible_id=cnppm.pk, co_executor_ids=(ipk.pk,)),
            ),
        ),
        GoalData(
            component="financing",
            title="Персонифицированное финансирование ДПО",
            tasks=(
                TaskData(
                    title="Выдать сертификаты и открыть реестр провайдеров",
                    responsible_id=ministry.pk,
                    co_executor_ids=(ipk.pk, uni.pk),
                ),
            ),
        ),
        GoalData(
            component="support",
            title="Наставничество для молодых педагогов",
            tasks=(TaskData(title="Школа наставников", responsible_id=ipk.pk, co_executor_ids=(uni.pk,)),),
        ),
    ]
    if extra:
        goals += [
            GoalData(
                component="practices",
                title="Сетевая школа и банк эффективных практик",
                tasks=(
                    TaskData(
                        title="Отобрать и тиражировать практики", responsible_id=ipk.pk, co_executor_ids=(cnppm.pk,)
                    ),
                ),
            ),
            GoalData(
                component="workforce",
                title="Кадровая безопасность: молодые педагоги в сельских школах",
                tasks=(
                    TaskData(title="Целевое обучение в педвузе", responsible_id=uni.pk, co_executor_ids=(ministry.pk,)),
                ),
            ),
        ]
    targets = []
    for code, value in shares.items():
        targets += [
            TargetData(indicator=code, year=year, value=Decimal(value)),
            TargetData(
                indicator=code, year=year + 1, value=Decimal(value + 10 if code != "route_share" else value + 5)
            ),
        ]
    resources = [
        ResourceData(
            kind="money",
            amount=money_roubles * 100,
            organization_id=ministry.pk,
            note="региональный бюджет: сертификаты ДПО",
        ),
        ResourceData(kind="staff_hours", amount=hours, organization_id=cnppm.pk, note="тьюторы и методисты"),
        ResourceData(kind="venues", amount=4 if extra else 2, organization_id=uni.pk, note="площадки стажировок"),
    ]
    return Content(
        summary=f"Региональная программа научно-методического сопровождения педагогических работников и "
        f"управленческих кадров ({region.name}).",
        educators_covered=educators,
        goals=tuple(goals),
        targets=tuple(targets),
        resources=tuple(resources),
    )


def _expert(username: str, first: str, last: str, region: Region) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=first, last_name=last)
        user.set_password(DEMO_PASSWORD)
        user.save()
    role_grant(user=user, role=Role.EXPERT, scope=Scope.ASSIGNED, region=region)
    return user


REVIEW = {
    "strengths": "Цели опираются на данные диагностики; ответственность распределена между ЦНППМ, институтом и вузом.",
    "weaknesses": "Мало совместных проектов с другими регионами; ресурсы на наставничество не выделены отдельно.",
}


def _review(version, *, low: bool, count: int = 2) -> None:
    for review in version.reviews.filter(status="assigned").select_related("expert").order_by("pk")[:count]:
        criteria = version.template.criteria
        scores = {
            c["code"]: c["max_score"] - (1 if low and c["code"] in ("resources", "horizontal") else 0) for c in criteria
        }
        comments = {
            c["code"]: "Ресурсы и межрегиональные связи описаны недостаточно подробно."
            for c in criteria
            if scores[c["code"]] < c["max_score"]
        }
        services.review_submit(
            actor=review.expert,
            review=review,
            scores=scores,
            comments=comments,
            verdict="revise" if low else "approve",
            **REVIEW,
        )


def create_demo_programs(region: Region) -> dict:
    federal = User.objects.filter(username="federal").first()
    if federal is None or RegionalProgram.objects.exists():
        return {"programs": 0, "projects": 0}
    year = timezone.now().year
    template = services.current_template() or services.template_publish(
        actor=federal,
        title=starter.TITLE,
        components=starter.COMPONENTS,
        criteria=starter.CRITERIA,
        note="первая версия",
    )
    moscow = Region.objects.filter(code="77").first() or region
    experts = [_expert("expert_fed", "Виктор", "Ладогин", moscow), _expert("expert_fed2", "Елена", "Окская", moscow)]
    demo_expert = User.objects.filter(username="expert").first()
    regions = {code: Region.objects.get(code=code) for code in ("02", "59", "71", "56", "90", "94")}
    orgs = {code: _subjects(r) for code, r in regions.items()}
    orgs[region.code] = _subjects(region)
    educators_here = Educator.objects.filter(region=region, is_active=True).count()
    plans = [
        (
            region,
            _Plan(
                educators=educators_here,
                money_roubles=60_000_000,
                hours=12_000,
                extra=True,
                shares={
                    "diagnosed_share": 60,
                    "route_share": 10,
                    "certificate_use_share": 40,
                    "trained_cnppm_share": 15,
                },
            ),
        ),
        (
            regions["02"],
            _Plan(
                educators=46_000,
                money_roubles=310_000_000,
                hours=52_000,
                extra=True,
                shares={"diagnosed_share": 55, "route_share": 10, "trained_cnppm_share": 20},
            ),
        ),
        (
            regions["59"],
            _Plan(
                educators=31_000,
                money_roubles=150_000_000,
                hours=30_000,
                extra=False,
                shares={"diagnosed_share": 50, "route_share": 8},
            ),
        ),
        (
            regions["71"],
            _Plan(
                educators=17_500,
                money_roubles=120_000_000,
                hours=21_000,
                extra=True,
                shares={"diagnosed_share": 65, "route_share": 12, "certificate_use_share": 45},
            ),
        ),
    ]
    made = {}
    for place, plan in plans:
        content = _content(place, orgs[place.code], year=year, **plan)
        made[place.code] = services.program_create(
            actor=federal,
            region=place,
            title=f"Программа научно-методического сопровождения педагогов: {place.name}",
            year_from=year,
            year_to=year + 2,
            content=content,
        )
    for code, stage in ((region.code, "approved"), ("02", "approved"), ("59", "review"), ("71", "returned")):
        version = made[code].versions.get()
        services.version_submit(actor=federal, version=version)
        pair = experts if code != "59" or demo_expert is None else [experts[0], demo_expert]
        services.experts_assign(actor=federal, version=version, experts=pair)
        if code == "71":
            _review(version, low=True, count=1)
        _review(version, low=False, count=1 if code in ("59", "71") else 2)
        if stage == "approved":
            services.version_decide(actor=federal, version=version, approve=True, comment="Программа одобрена.")
        elif stage == "returned":
            services.version_decide(
                actor=federal,
                version=version,
                approve=False,
                comment="Выделите ресурсы на наставничество и добавьте совместные проекты макрорегиона.",
            )
            second = services.version_new(
                actor=federal, program=made[code], note="Ресурсы на наставничество, совместные проекты"
            )
            services.version_item_add(
                actor=federal,
                version=second,
                kind="resource",
                item=ResourceData(
                    kind="staff_hours", amount=6_000, organization_id=orgs["71"]["ipk"].pk, note="школа наставников"
                ),
            )
            services.version_submit(actor=federal, version=second)
    correction = services.version_new(
        actor=federal, program=made[region.code], note="Добавить компонент рефлексивных практик"
    )
    services.version_item_add(
        actor=federal,
        version=correction,
        kind="goal",
        item=GoalData(
            component="reflection",
            title="Рефлексивные практики в методических объединениях",
            tasks=(
                TaskData(
                    title="Циклы «план — действие — наблюдение — рефлексия» в школах",
                    responsible_id=orgs[region.code]["cnppm"].pk,
                ),
            ),
        ),
    )
    _discuss_and_put_on_agenda(region, made[region.code])
    projects = _macroregion_project(federal, orgs)
    return {"programs": len(made), "template": template.version, "projects": projects}


def _discuss_and_put_on_agenda(region: Region, program) -> None:
    """The region's draft correction is discussed, and the council's next meeting has it on the agenda."""
    regional = User.objects.filter(username="regional").first()
    if regional is None:
        return
    council.discussion_post(
        actor=regional,
        subject=("coordination.program", program.pk),
        region=region,
        title=program.title,
        body="Коллеги, во второй версии добавляем рефлексивные практики: прошу ЦНППМ и ККИПК "
        "до конца месяца предложить школы для первых циклов.",
    )
    meeting = council.Meeting.objects.filter(council__region=region, status="planned").order_by("starts_at").first()
    if meeting is not None:
        council.agenda_add(
            actor=regional,
            meeting=meeting,
            title="О второй версии региональной программы сопровождения педагогов",
            program=program,
        )


def _macroregion_project(federal: User, orgs: dict[str, dict[str, Organization]]) -> int:
    macro = Macroregion.objects.filter(name=MACROREGION).first()
    if macro is None:
        return 0
    project = services.macro_project_create(
        actor=federal,
        macroregion=macro,
        title="Кадровая безопасность системы образования макрорегиона",
        description="Совместный проект команды макрорегиона стратегической сессии ЕФС НМС (Мытищи, декабрь 2023): "
        "горизонтальные связи между региональными субъектами.",
    )
    workforce = services.joint_goal_add(
        actor=federal,
        project=project,
        component="workforce",
        title="Закрепить молодых педагогов в сельских школах макрорегиона",
    )
    practices = services.joint_goal_add(
        actor=federal, project=project, component="practices", title="Сетевая школа наставников макрорегиона"
    )
    services.shared_task_add(
        actor=federal,
        goal=workforce,
        title="Единая программа целевого обучения педвузов",
        executors=[orgs["02"]["university"], orgs["59"]["university"], orgs["56"]["university"]],
    )
    services.shared_task_add(
        actor=federal,
        goal=workforce,
        title="Стажировки студентов в сельских школах соседних регионов",
        executors=[orgs["90"]["university"], orgs["94"]["university"], orgs["02"]["university"]],
    )
    services.shared_task_add(
        actor=federal,
        goal=practices,
        title="Обмен программами наставничества между ЦНППМ",
        executors=[orgs["02"]["cnppm"], orgs["59"]["cnppm"], orgs["71"]["ipk"]],
    )
    return 1

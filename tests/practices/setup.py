"""The bank of practices made through the real services, for the tests and the matrix."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from efs.people.models import Role, Scope
from efs.people.services import role_grant
from efs.practices import services
from efs.practices.models import Practice
from efs.practices.services import PracticeData
from tests.conftest import make_user
from tests.matrix import shared_framework

CARD = PracticeData(
    title="Формирующее оценивание на уроках математики через листы самопроверки",
    problem="Обучающиеся не понимают, что именно они не усвоили; учитель узнаёт об этом только на контрольной работе.",
    target_group="учителя математики 5–9 классов",
    steps=[
        "Выделить в теме 5–7 проверяемых умений и записать их на языке ученика",
        "Составить лист самопроверки с короткими заданиями на каждое умение",
        "На каждом третьем уроке давать лист на 7 минут и разбирать результаты с классом",
        "Планировать следующий урок по результатам листов",
    ],
    resources="Шаблон листа самопроверки, 1 час подготовки на тему, копировальная техника или электронный журнал.",
    results="Доля обучающихся, выполнивших контрольную работу на «4» и «5», выросла с "
    "48 % до 63 % за полугодие (7 классов).",
    conditions="Работает при регулярности: не реже раза в неделю; риск — формальное "
    "заполнение листов без разбора ошибок.",
    level="school",
    competencies=["T.RO"],
    subjects=["mathematics"],
    hours=12,
    authors=["Петрова Анна Петровна"],
)


def card(**changes) -> PracticeData:
    return replace(CARD, **changes)


def full_scores() -> dict[str, int]:
    return {c["code"]: 2 for c in services.DEFAULT_CRITERIA}


def pdf(name: str = "results.pdf", size: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 results" + b"0" * size)


def experts(world, state: dict | None = None) -> list:
    """Two experts of the region besides the World's `expert`; made once."""
    found = []
    for name in ("exp_one", "exp_two"):
        from efs.people.models import User

        user = User.objects.filter(username=name).first()
        if user is None:
            user = make_user(name)
            role_grant(user=user, role=Role.EXPERT, scope=Scope.ASSIGNED, region=world.r1)
        found.append(user)
    return found


def published(
    world,
    data: PracticeData | None = None,
    *,
    decision: str = "recommend",
    level: str = "regional",
    organization=None,
    author=None,
) -> Practice:
    """A practice through the whole workflow: draft, submission, two blind reviews, a decision."""
    author = author or world.users["teacher"]
    practice = services.practice_create(actor=author, organization=organization or world.org_a, data=data or CARD)
    services.practice_submit(actor=author, practice=practice)
    reviewers = experts(world)
    reviews = services.reviews_assign(actor=world.users["regional"], practice=practice, experts=reviewers)
    for review in reviews:
        services.review_submit(
            actor=review.expert, review=review, scores=full_scores(), verdict="recommend", level=level
        )
    services.practice_decide(
        actor=world.users["regional"], practice=practice, decision=decision, level=level, comment=""
    )
    practice.refresh_from_db()
    return practice


def bank_data(world, state: dict) -> None:
    """The matrix's practices: public, a draft, one under review with the World's expert, one
    waiting for experts; a contest of the first region."""
    if "public" in state:
        return
    shared_framework(state)
    teacher = world.users["teacher"]
    state["public"] = published(world).pk
    state["public2"] = published(
        world, card(title="Учебные проекты с местными предприятиями"), decision="include", level="school"
    ).pk
    state["draft"] = services.practice_create(
        actor=teacher, organization=world.org_a, data=card(title="Черновик практики: проектные задачи в 6 классе")
    ).pk
    in_review = services.practice_create(
        actor=teacher, organization=world.org_a, data=card(title="Практика на экспертизе: взаимопроверка в парах")
    )
    services.practice_submit(actor=teacher, practice=in_review)
    reviews = services.reviews_assign(
        actor=world.users["regional"], practice=in_review, experts=[world.users["expert"], experts(world)[0]]
    )
    state["in_review"] = in_review.pk
    state["review"] = next(r.pk for r in reviews if r.expert_id == world.users["expert"].pk)
    second = services.practice_create(
        actor=teacher, organization=world.org_a, data=card(title="Вторая практика на экспертизе: карты понятий")
    )
    services.practice_submit(actor=teacher, practice=second)
    reviews = services.reviews_assign(
        actor=world.users["regional"], practice=second, experts=[world.users["expert"], experts(world)[1]]
    )
    state["review2"] = next(r.pk for r in reviews if r.expert_id == world.users["expert"].pk)
    for key, title in (
        ("waiting", "Практика ждёт экспертов: математические бои"),
        ("waiting2", "Практика ждёт экспертов: устный счёт"),
    ):
        waiting = services.practice_create(actor=teacher, organization=world.org_a, data=card(title=title))
        services.practice_submit(actor=teacher, practice=waiting)
        state[key] = waiting.pk
    state["draft2"] = services.practice_create(
        actor=teacher, organization=world.org_a, data=card(title="Второй черновик: исследовательские задачи")
    ).pk
    evidence = services.evidence_add(
        actor=teacher,
        practice=Practice.objects.get(pk=state["draft"]),
        file=pdf(),
        caption="Протокол контрольных работ",
    )
    state["evidence"] = evidence.pk
    contest = services.contest_create(
        actor=world.users["regional"],
        region_id=world.r1.pk,
        title="Краевой конкурс практик формирующего оценивания",
        description="Конкурс практик оценивания для учителей края.",
        deadline=timezone.localdate() + dt.timedelta(days=30),
        jury=experts(world),
    )
    state["contest"] = contest.pk

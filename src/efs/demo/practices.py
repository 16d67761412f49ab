"""The bank of practices in the demo region, made through the real services.

About 150 practices of schools and of the regional institutes at every level (school,
municipal, regional, federal) and every stage: drafts, submitted, under blind review,
returned, rejected, included in the bank and recommended for replication. The reviews come
from the depository's experts (one of them scores more leniently than the others, one more
strictly, so the operator's leniency page has something to show); a regional contest with
a jury is open; «Мы внедрили» reports from other schools give the replication map and the
regional ranking. Two practices are the demo teacher's own (one recommended, one returned),
so the teacher sees the blind reviews and the notifications. Each included practice carries
its results as an XLSX table (before / after). No measured effect is invented: effects appear
only when educators who had a practice in their route are re-diagnosed.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from efs.errors import DomainError
from efs.people.public import Educator, Organization, Region, Role, Scope, Subject, User, role_grant
from efs.practices import public as practices
from efs.xlsx import table_bytes

# (title, problem, target group, steps, resources, results (before, after, what), conditions, competencies, subjects)
TOPICS = [
    (
        "Листы самопроверки на уроках математики",
        "Обучающиеся узнают о непонятых темах только на контрольной работе, когда исправлять поздно.",
        "учителя математики 5–9 классов",
        [
            "Выделить в теме 5–7 проверяемых умений на языке ученика",
            "Составить лист самопроверки с коротким заданием на каждое умение",
            "Раз в неделю давать лист на 7 минут и разбирать результаты с классом",
            "Планировать следующий урок по результатам листов",
        ],
        "Шаблон листа, 1 час подготовки на тему",
        "доля работ на «4» и «5»",
        "Риск — формальное заполнение листов без разбора ошибок.",
        ["T.RO", "T.MATH"],
        ["mathematics"],
    ),
    (
        "Критериальное оценивание сочинений",
        "Ученики не понимают, за что снижена отметка за сочинение, и повторяют одни и те же ошибки.",
        "учителя русского языка и литературы",
        [
            "Согласовать в МО критерии и шкалы оценивания сочинения",
            "Разобрать критерии с классом на образцах работ",
            "Проверять работы по листу критериев с комментарием к каждому",
            "Вести с учеником карту ошибок и цели на следующую работу",
        ],
        "Лист критериев, образцы работ разного уровня",
        "средний балл за сочинение по критериям ФИПИ",
        "Требует единства критериев в МО; риск — рост нагрузки на проверку.",
        ["T.RO", "T.RUS"],
        ["russian"],
    ),
    (
        "Школьный театр как пространство воспитания",
        "Подростки слабо включены в общешкольные дела, растёт число конфликтов в параллели.",
        "классные руководители 5–8 классов, советники директора",
        [
            "Собрать разновозрастную труппу по интересам",
            "Выбрать пьесу вместе с обучающимися и распределить роли и службы",
            "Репетировать раз в неделю, привлекая родителей к подготовке",
            "Показать спектакль параллели и провести обсуждение",
        ],
        "Актовый зал, 2 часа в неделю внеурочной деятельности",
        "доля обучающихся, участвующих в общешкольных делах",
        "Зависит от увлечённого руководителя; риск — нагрузка в период ГИА.",
        ["T.VOS", "T.COM"],
        [],
    ),
    (
        "Родительский клуб «Учимся вместе»",
        "Родители приходят в школу только по вызову, договориться об общих требованиях не удаётся.",
        "классные руководители, педагоги-психологи",
        [
            "Провести опрос родителей о темах встреч",
            "Проводить встречи раз в месяц в форме мастерской, а не лекции",
            "Давать на встрече практическое задание для дома",
            "Собирать обратную связь и менять программу клуба",
        ],
        "Помещение на вечер, педагог-психолог",
        "доля родителей, посетивших хотя бы две встречи",
        "Нужна регулярность и удобное время; риск — приходят только активные родители.",
        ["T.COM", "T.VOS"],
        [],
    ),
    (
        "Медиация школьных конфликтов силами старшеклассников",
        "Конфликты между обучающимися решаются только через администрацию, повторяются и перерастают в травлю.",
        "социальные педагоги, педагоги-психологи",
        [
            "Отобрать и обучить 8–10 старшеклассников-медиаторов",
            "Утвердить порядок обращения в службу примирения",
            "Проводить примирительные встречи под супервизией психолога",
            "Раз в четверть анализировать случаи на совете профилактики",
        ],
        "Программа обучения медиаторов (16 часов), кабинет для встреч",
        "число повторных конфликтов за полугодие",
        "Риск — выгорание медиаторов; нужна ротация и поддержка.",
        ["T.CONF", "T.PSY"],
        [],
    ),
    (
        "Карта индивидуальных трудностей ученика",
        "На уроке все получают одинаковые задания, слабые отстают, сильные скучают.",
        "учителя начальных классов и основной школы",
        [
            "Провести входную диагностику по ключевым умениям темы",
            "Составить карту трудностей класса",
            "Разработать задания трёх уровней на каждое умение",
            "Переставлять ученика между группами по результатам проверки",
        ],
        "Банк разноуровневых заданий, 2 часа на тему",
        "доля обучающихся, достигших базового уровня",
        "Требует времени на подготовку заданий; риск — закрепление ярлыков «слабых».",
        ["T.DIF", "T.RO"],
        [],
    ),
    (
        "Тьюторское сопровождение ребёнка с ОВЗ в обычном классе",
        "Ребёнок с ОВЗ формально в классе, но не включён в учебную работу и общение.",
        "учителя, тьюторы, учителя-дефектологи",
        [
            "Составить с ППк индивидуальный образовательный маршрут",
            "Адаптировать материалы урока к особенностям ребёнка",
            "Договориться с классом о правилах взаимопомощи",
            "Раз в месяц сверять продвижение на консилиуме",
        ],
        "Тьютор 0,5 ставки, адаптированные материалы",
        "доля планируемых результатов АООП, освоенных за полугодие",
        "Нужна команда ППк; риск — перегрузка тьютора.",
        ["T.IE", "T.DIF"],
        [],
    ),
    (
        "Задачи в контексте края для функциональной грамотности",
        "Ученики решают стандартные задачи, но теряются в задачах из жизни.",
        "учителя математики, естественных наук",
        [
            "Собрать жизненные ситуации края: лесозаготовка, ГЭС, Северный завоз",
            "Составить по ним задачи на применение знаний",
            "Решать одну такую задачу на каждом уроке в парах",
            "Раз в четверть проводить мини-исследование",
        ],
        "Банк задач (не менее 40), доступ к открытым данным края",
        "доля обучающихся с базовым уровнем математической грамотности",
        "Задачи устаревают; банк нужно обновлять ежегодно.",
        ["T.FG", "T.MATH"],
        ["mathematics", "physics"],
    ),
    (
        "Цифровой помощник учителя: быстрая обратная связь",
        "Учитель не успевает проверить работу каждого ученика на уроке.",
        "учителя-предметники",
        [
            "Выбрать сервис опросов из реестра разрешённых в школе",
            "Готовить 3–5 вопросов на понимание к ключевым моментам урока",
            "Собирать ответы с устройств обучающихся в реальном времени",
            "Перестраивать объяснение по доле неверных ответов",
        ],
        "Устройства с доступом к ФГИС «Моя школа»",
        "доля обучающихся, выполнивших итоговую работу",
        "Риск — сбои сети; нужен бумажный вариант.",
        ["T.DIG", "T.RO"],
        [],
    ),
    (
        "Безопасный интернет: уроки для родителей и детей",
        "Обучающиеся публикуют персональные данные и попадают в опасные сообщества.",
        "учителя информатики, классные руководители",
        [
            "Провести анонимный опрос о поведении в сети",
            "Провести серию из четырёх уроков по кибербезопасности",
            "Провести встречу для родителей с разбором реальных случаев",
            "Составить с классом памятку и правила",
        ],
        "Презентации, кабинет информатики",
        "доля обучающихся, знающих правила защиты персональных данных",
        "Нужно обновлять примеры; риск — запугивание вместо навыков.",
        ["T.IB", "T.DIG"],
        ["informatics"],
    ),
    (
        "Рабочая программа по конструктору ФОП без лишних бумаг",
        "Учителя тратят недели на рабочие программы и всё равно получают замечания.",
        "учителя, заместители директора по УВР",
        [
            "Разобрать требования ФГОС и ФОП к рабочей программе на заседании МО",
            "Собрать программу в федеральном конструкторе",
            "Дополнить планируемые результаты и ЦОР",
            "Провести взаимную экспертизу программ в МО",
        ],
        "Доступ к конструктору, 2 заседания МО",
        "доля рабочих программ, принятых без замечаний",
        "Зависит от обновлений ФОП; риск — копирование без адаптации.",
        ["T.PL", "T.NP"],
        [],
    ),
    (
        "Наставничество «учитель — молодой специалист» по модели взаимопосещений",
        "Молодые учителя уходят из школы в первые три года.",
        "наставники, молодые специалисты",
        [
            "Составить индивидуальный план развития молодого специалиста",
            "Проводить взаимопосещения уроков дважды в месяц",
            "Разбирать уроки по листу наблюдения",
            "Подводить итоги на открытом уроке в конце года",
        ],
        "Лист наблюдения урока, доплата наставнику",
        "доля молодых специалистов, оставшихся в школе",
        "Риск — формальное наставничество без времени на встречи.",
        ["T.PL", "T.COM"],
        [],
    ),
    (
        "Психологическая безопасность на переменах",
        "На переменах возникают травмирующие ситуации, дети не обращаются за помощью.",
        "педагоги-психологи, дежурные учителя",
        [
            "Составить карту «опасных мест» вместе с обучающимися",
            "Организовать игровые зоны и дежурство старшеклассников",
            "Ввести «почту доверия»",
            "Раз в месяц обсуждать случаи на совещании",
        ],
        "Игровое оборудование, ящик почты доверия",
        "доля обучающихся, чувствующих себя в школе в безопасности (опрос)",
        "Риск — ослабление внимания после первых месяцев.",
        ["T.PSY", "T.CONF"],
        [],
    ),
    (
        "Проектная неделя с местными предприятиями",
        "Проекты обучающихся оторваны от реальных задач и не доводятся до результата.",
        "учителя, руководители проектов",
        [
            "Договориться с предприятием о реальных задачах",
            "Сформировать разновозрастные команды",
            "Провести проектную неделю с экспертами предприятия",
            "Защитить проекты перед заказчиком",
        ],
        "Соглашение с предприятием, неделя расписания",
        "доля проектов, доведённых до продукта",
        "Зависит от партнёра; риск — подмена проекта экскурсией.",
        ["T.FG", "T.PL"],
        [],
    ),
    (
        "Формирующее оценивание в начальной школе: «светофор»",
        "Младшие школьники не умеют оценивать свою работу и ждут оценки учителя.",
        "учителя начальных классов",
        [
            "Ввести сигналы «светофора» для самооценки",
            "Показывать критерии до начала работы",
            "Сравнивать самооценку ученика с оценкой учителя",
            "Обсуждать расхождения в конце урока",
        ],
        "Карточки-сигналы трёх цветов для каждого ученика",
        "доля обучающихся, адекватно оценивающих свою работу",
        "Риск — игра без обсуждения критериев.",
        ["T.RO", "T.PSY"],
        [],
    ),
]
LEVEL_PLAN = [("school", 60), ("municipal", 45), ("regional", 35), ("federal", 10)]
STAGES = [
    ("draft", 12),
    ("submitted", 10),
    ("in_review", 12),
    ("returned", 6),
    ("rejected", 5),
    ("included", 55),
    ("recommended", 50),
]
CONTEST_TITLE = "Краевой конкурс практик формирующего оценивания — 2026"
CONTEST_CRITERIA = [
    "Актуальность для школ края",
    "Результативность, подтверждённая данными",
    "Воспроизводимость алгоритма",
    "Ресурсная реализуемость",
]
ADAPTATIONS = [
    "Сократили число шагов для малокомплектной школы, объединили параллели.",
    "Перенесли практику на уроки в 5–6 классах, упростили задания.",
    "Провели в дистанционном формате для филиала в отдалённом посёлке.",
    "Добавили работу с родителями, остальное — по алгоритму авторов.",
    "Использовали на внеурочной деятельности вместо уроков.",
]
REPLICATION_RESULTS = [
    "Доля работ на «4» и «5» выросла на {d} п. п. за полугодие.",
    "Число обучающихся, включённых в работу, выросло на {d} %.",
    "Показатель по итогам четверти вырос на {d} п. п.; учителя МО продолжают работу.",
]


def _account(username: str, first: str, last: str, *, role: str, organization: Organization) -> User:
    """An account of an organization's staff who submits or reports for it (no demo login)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
    role_grant(user=user, role=role, scope=Scope.ORGANIZATION, organization=organization)
    return user


def _staff_of(org: Organization) -> User:
    """The school's head (or the institute's staff member) who acts for it in the bank."""
    head = Educator.objects.filter(organization=org, position="директор").order_by("pk").first()
    first, last = (head.first_name, head.last_name) if head else ("Методист", org.display_name[:30])
    role = Role.SCHOOL_HEAD if org.kind in ("school", "kindergarten", "college") else Role.PROVIDER
    return _account(f"practice_org{org.pk}", first, last, role=role, organization=org)


def _card(
    topic, rng: random.Random, level: str, org: Organization, codes: set[str], subjects: set[str], number: int
) -> practices.PracticeData:
    title, problem, group, steps, resources, measure, conditions, competencies, topic_subjects = topic
    before = rng.randint(35, 60)
    after = before + rng.randint(6, 22)
    place = org.municipality.name if org.municipality else org.display_name
    return practices.PracticeData(
        title=f"{title} ({place}, {org.display_name[:60]})" if number else title,
        problem=problem,
        target_group=group,
        steps=list(steps),
        resources=resources,
        results=f"За учебный год {measure} изменилась с {before} % до {after} % (классов: {rng.randint(3, 12)}, "
        f"обучающихся: {rng.randint(60, 280)}).",
        conditions=conditions,
        level=level,
        competencies=[c for c in competencies if c in codes] or sorted(codes)[:1],
        subjects=[s for s in topic_subjects if s in subjects],
        hours=rng.choice([4, 6, 8, 12, 16, 24]),
        authors=[],
    )


def _review(practice, experts: dict[int, float], rng: random.Random, positive: bool, level: str) -> None:
    for review in practice.reviews.filter(status="assigned"):
        bias = experts.get(review.expert_id, 0.0)
        scores = {}
        for code in practices.criteria_of(practice):
            value = 2 if rng.random() < 0.7 + bias else 1
            scores[code] = value if positive else (0 if rng.random() < 0.4 else min(value, 1))
        if not positive:
            verdict, comment = (
                rng.choice(["revise", "reject"]),
                "Результаты не подтверждены данными, алгоритм внедрения описан неполно: "
                "дополните шаги и приложите таблицы.",
            )
        else:
            verdict, comment = ("recommend" if rng.random() < 0.6 else "include"), ""
            if sum(scores.values()) / (2 * len(scores)) < 0.6:
                comment = "Практика полезна, но ресурсные условия описаны кратко; стоит уточнить их для сельских школ."
        practices.review_submit(
            actor=review.expert,
            review=review,
            scores=scores,
            verdict=verdict,
            level=level if verdict in ("recommend", "include") else "",
            comment=comment,
        )


def _advance(
    practice, stage: str, *, regional: User, experts: list[User], bias: dict[int, float], rng: random.Random, level: str
) -> None:
    author = practice.submitted_by
    if stage == "draft":
        return
    practices.practice_submit(actor=author, practice=practice)
    if stage == "submitted":
        return
    pool = [e for e in practices.experts_available(practice) if e in experts] or None
    chosen = rng.sample(pool, 2) if pool and len(pool) >= 2 else None
    practices.reviews_assign(actor=regional, practice=practice, experts=chosen)
    if stage == "in_review":
        reviews = list(practice.reviews.filter(status="assigned"))
        if reviews and rng.random() < 0.5:  # one of the two has already answered
            practices.review_submit(
                actor=reviews[0].expert,
                review=reviews[0],
                scores={c: 2 for c in practices.criteria_of(practice)},
                verdict="include",
                level=level,
            )
        return
    positive = stage in ("included", "recommended")
    _review(practice, bias, rng, positive, level)
    if positive:
        decision = "recommend" if stage == "recommended" else "include"
        practices.practice_decide(actor=regional, practice=practice, decision=decision, level=level)
    else:
        comment = (
            "По заключениям экспертов: дополните результаты данными и опишите шаги внедрения подробнее."
            if stage == "returned"
            else "Практика не подтверждена результатами и не может быть тиражирована в текущем виде."
        )
        practices.practice_decide(
            actor=regional, practice=practice, decision="revise" if stage == "returned" else "reject", comment=comment
        )


def _evidence(practice, author: User, rng: random.Random) -> None:
    rows = [(f"{year}/{year + 1}", rng.randint(35, 60), rng.randint(55, 80)) for year in (2023, 2024, 2025)]
    content = table_bytes("Результаты", ["Учебный год", "До внедрения, %", "После внедрения, %"], rows)
    upload = ContentFile(content, name="результаты.xlsx")
    practices.evidence_add(
        actor=author, practice=practice, file=upload, caption="Показатели до и после внедрения по годам"
    )


@transaction.atomic
def create_demo_practices(region: Region, *, seed: int) -> dict[str, int]:
    rng = random.Random(seed + 15)
    today = timezone.localdate()
    regional = User.objects.get(username="regional")
    experts = list(User.objects.filter(role_assignments__role=Role.EXPERT, is_active=True).distinct().order_by("pk"))
    # one lenient and one strict expert, the rest in between: the leniency page shows them
    bias = {e.pk: 0.0 for e in experts}
    if len(experts) >= 3:
        bias[experts[0].pk], bias[experts[1].pk] = 0.25, -0.35
    codes = set(
        practices.Competency.objects.filter(
            is_leaf=True, framework__status="published", framework__audience="teacher"
        ).values_list("code", flat=True)
    )
    subjects = set(Subject.objects.values_list("code", flat=True))
    schools = list(
        Organization.objects.filter(region=region, kind="school").select_related("municipality").order_by("pk")
    )
    institutes = (
        list(
            Organization.objects.filter(region=region, kind__in=["ipk", "cnppm"])
            .select_related("municipality")
            .order_by("pk")
        )
        or schools[:3]
    )
    authors_pool = rng.sample(schools, min(45, len(schools)))
    replicators = [s for s in schools if s not in authors_pool][:80]
    contest = practices.contest_create(
        actor=regional,
        region_id=region.pk,
        title=CONTEST_TITLE,
        description="Конкурс собирает практики формирующего оценивания школ края. Победители получают рекомендацию к "
        "тиражированию и представляются на краевом августовском совещании.",
        deadline=today + dt.timedelta(days=45),
        jury=experts[:3],
        criteria=CONTEST_CRITERIA,
    )
    stages = [stage for stage, n in STAGES for _ in range(n)]
    levels = [level for level, n in LEVEL_PLAN for _ in range(n)]
    rng.shuffle(stages)
    made = {"practices": 0, "public": 0, "replications": 0, "contest": 0, "files": 0}
    teacher = User.objects.get(username="teacher")
    teacher_school = Educator.objects.get(user=teacher).organization
    assert teacher_school is not None  # the demo teacher works at a school
    for number, (stage, level) in enumerate(zip(stages, levels, strict=False)):
        topic = TOPICS[number % len(TOPICS)]
        if number < 2:  # the demo teacher's own practices
            org, author, stage, level = teacher_school, teacher, ("recommended", "returned")[number], "school"
        else:
            org = (
                rng.choice(institutes)
                if level in ("regional", "federal") and rng.random() < 0.5
                else rng.choice(authors_pool)
            )
            author = _staff_of(org)
        data = _card(topic, rng, level, org, codes, subjects, number)
        in_contest = topic[7][0] == "T.RO" and number % 3 == 0 and number >= 2
        if in_contest:
            data.contest_id = contest.pk
            made["contest"] += 1
        practice = practices.practice_create(actor=author, organization=org, data=data)
        if stage not in ("draft",) and rng.random() < 0.7 or stage in ("included", "recommended"):
            _evidence(practice, author, rng)
            made["files"] += 1
        try:
            _advance(practice, stage, regional=regional, experts=experts, bias=bias, rng=rng, level=level)
        except DomainError:
            continue  # not enough experts without a conflict of interest: the card stays submitted
        made["practices"] += 1
        practice.refresh_from_db()
        if practice.status in ("included", "recommended"):
            made["public"] += 1
            made["replications"] += _replicate(practice, replicators, rng, today)
    return made


def _replicate(practice, replicators: list[Organization], rng: random.Random, today: dt.date) -> int:
    wanted = min(len(replicators), int(rng.paretovariate(1.6)) - 1 + (2 if practice.status == "recommended" else 0))
    done = 0
    for org in rng.sample(replicators, max(0, wanted)):
        if org.pk == practice.organization_id:
            continue
        practices.replication_report(
            actor=_staff_of(org),
            practice=practice,
            organization=org,
            implemented_on=today - dt.timedelta(days=rng.randint(10, 300)),
            adapted=rng.choice(ADAPTATIONS),
            results=rng.choice(REPLICATION_RESULTS).format(d=rng.randint(4, 15)),
        )
        done += 1
    return done

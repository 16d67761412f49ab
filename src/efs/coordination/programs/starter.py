"""The first federal template of regional programs: the components of the ЕФС model a program
covers (the systems the strategic sessions named, DESIGN.md §7) and the criteria experts score.
The federal operator publishes it (`template_publish`) and changes it by new versions."""

from __future__ import annotations

TITLE = "Модель региональной программы научно-методического сопровождения (ЕФС НМС)"

COMPONENTS = [
    {
        "code": "diagnostics",
        "title": "Диагностика профессиональных дефицитов",
        "description": "Добровольная диагностика педагогов и управленцев всех категорий без экспертной оценки.",
    },
    {
        "code": "routes",
        "title": "Индивидуальные образовательные маршруты (ИОМ)",
        "description": "ИОМ по итогам диагностики, сопровождение тьютором ЦНППМ, повторная диагностика.",
    },
    {
        "code": "financing",
        "title": "Персонифицированное финансирование ДПО",
        "description": "Сертификаты, выбор программы и провайдера педагогом, расчёты с провайдерами.",
    },
    {
        "code": "depository",
        "title": "Реестр (депозитарий) программ ДПО",
        "description": "Программы, прошедшие экспертизу, доступные педагогам региона и макрорегиона.",
    },
    {
        "code": "support",
        "title": "Научно-методическое сопровождение, тьюторство, наставничество",
        "description": "Консультации, наставничество, методические службы.",
    },
    {
        "code": "reflection",
        "title": "Рефлексивные практики",
        "description": "Циклы «план — действие — наблюдение — рефлексия», профессиональный рост.",
    },
    {
        "code": "practices",
        "title": "Региональный комплекс практик и инноваций, сетевые сообщества",
        "description": "Банк эффективных практик, сетевая школа, смешанное обучение, совместные разработки.",
    },
    {
        "code": "coordination",
        "title": "Координационный совет и управление РС НМС",
        "description": "Стратегические задачи, распределение ответственности и ресурсов между субъектами.",
    },
    {
        "code": "monitoring",
        "title": "Мониторинг и оценка эффективности",
        "description": "Паспорта показателей, целевые значения, регулярные выпуски.",
    },
    {
        "code": "workforce",
        "title": "Кадровая безопасность",
        "description": "Прогноз потребности в кадрах, целевое обучение, молодые педагоги.",
    },
]

CRITERIA = [
    {"code": "grounded", "title": "Цели и задачи обоснованы данными диагностики и мониторинга", "max_score": 3},
    {"code": "coverage", "title": "Полнота охвата компонентов модели ЕФС", "max_score": 3},
    {"code": "measurable", "title": "Показатели измеримы, целевые значения реалистичны", "max_score": 3},
    {"code": "resources", "title": "Ресурсы достаточны и распределены между субъектами", "max_score": 3},
    {"code": "responsibility", "title": "Ответственность субъектов определена", "max_score": 3},
    {"code": "horizontal", "title": "Межрегиональные и сетевые связи", "max_score": 2},
]


def as_lines(entries: list[dict], *, scored: bool) -> str:
    """The textarea form of a list: `code | title | description` or `code | title | max score`."""
    return "\n".join(
        f"{e['code']} | {e['title']} | {e['max_score'] if scored else e.get('description', '')}".rstrip(" |")
        for e in entries
    )

"""Full-text search structures per database, and the published review criteria."""

from django.db import migrations

CRITERIA = [
    ("relevance", "Актуальность и соответствие нормативной базе", "Программа соответствует ФГОС, ФОП, профессиональному стандарту «Педагог» и актуальным задачам системы образования."),
    ("outcomes", "Планируемые результаты и профессиональные дефициты", "Результаты сформулированы через трудовые действия и связаны с конкретными профессиональными дефицитами; карта компетенций программы обоснована."),
    ("content", "Содержание и структура", "Модули выстроены логично, объём часов соответствует содержанию, нет дублирования и пробелов."),
    ("practice", "Практико-ориентированность", "Не меньше половины времени — практические занятия, стажировки, разбор кейсов, проектная работа."),
    ("assessment", "Оценочные материалы", "Итоговая аттестация проверяет заявленные результаты; есть критерии оценивания."),
    ("staff", "Кадровое обеспечение", "Преподаватели имеют опыт практической работы в системе образования и подготовку по профилю программы."),
    ("resources", "Учебно-методическое и информационное обеспечение", "Актуальные материалы, электронные ресурсы и условия для обучения с применением ДОТ."),
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS catalog_program_fts USING fts5(document, tokenize='unicode61 remove_diacritics 0')")
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_program_search ON catalog_program USING GIN (to_tsvector('russian', search_document))"
        )
    Criterion = apps.get_model("catalog", "ReviewCriterion")
    for order, (code, title, description) in enumerate(CRITERIA, start=1):
        Criterion.objects.update_or_create(code=code, defaults={"title": title, "description": description, "max_score": 2, "order": order})


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS catalog_program_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_program_search")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

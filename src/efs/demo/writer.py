"""Bulk writer for generated rows: COPY on PostgreSQL, batched executemany on SQLite.

The ORM's bulk_create builds a model instance per row; at 1.2 M educators that
alone costs minutes, so the generator writes plain tuples with explicit primary
keys (taken from :class:`IdCounter`) and resets the sequences afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from efs.people.models import Educator, Municipality, Organization, Subject, search_key

from .generator import IdCounter, RegionRows

BATCH = 5000


def next_ids() -> IdCounter:
    def after(model) -> int:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    return IdCounter(municipality=after(Municipality), organization=after(Organization), educator=after(Educator))


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def write_region(rows: RegionRows, subject_ids: dict[str, int], *, created_at=None) -> None:
    """`created_at`: when the educators entered the directory (default now; the country demo
    dates them a year back, so that its history of monthly figures has denominators)."""
    now = timezone.now()
    created = created_at or now
    municipality_of = {o.id: o.municipality_id for o in rows.organizations}
    insert_rows(
        Municipality._meta.db_table,
        ("id", "region_id", "name", "kind"),
        ((m.id, m.region_id, m.name, m.kind) for m in rows.municipalities),
    )
    insert_rows(
        Organization._meta.db_table,
        ("id", "region_id", "municipality_id", "kind", "name", "short_name", "inn", "address", "licensed_for_dpo"),
        (
            (o.id, o.region_id, o.municipality_id, o.kind, o.name, o.short_name, o.inn, o.address, o.licensed_for_dpo)
            for o in rows.organizations
        ),
    )
    insert_rows(
        Educator._meta.db_table,
        (
            "id",
            "region_id",
            "organization_id",
            "municipality_id",
            "user_id",
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "snils",
            "email",
            "category",
            "position",
            "experience_years",
            "qualification_category",
            "is_active",
            "search_text",
            "created_at",
            "updated_at",
        ),
        (
            (
                e.id,
                e.region_id,
                e.organization_id,
                municipality_of.get(e.organization_id),
                None,
                e.last_name,
                e.first_name,
                e.middle_name,
                e.birth_date,
                e.snils,
                "",
                e.category,
                e.position,
                e.experience_years,
                e.qualification_category,
                True,
                search_key(e.last_name, e.first_name, e.middle_name, e.position),
                created,
                now,
            )
            for e in rows.educators
        ),
    )
    through = Educator.subjects.through
    insert_rows(
        through._meta.db_table,
        ("educator_id", "subject_id"),
        ((e.id, subject_ids[code]) for e in rows.educators for code in e.subjects),
    )


def reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Municipality, Organization, Educator, Educator.subjects.through]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def subject_ids() -> dict[str, int]:
    return dict(Subject.objects.values_list("code", "id"))

"""On PostgreSQL the analytics table becomes a table partitioned by build: each build's rows are
written into a table of their own with no index to maintain, indexed in bulk, and attached in
one statement; an old build is detached and dropped instead of deleted row by row. The Django
model is unchanged (other databases keep one plain table)."""

from django.db import migrations

FACT = "monitoring_fact"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {FACT} RENAME TO {FACT}_plain")
        for index in ("fact_unit", "fact_region_children", "fact_muni_children"):
            cursor.execute(f"ALTER INDEX {index} RENAME TO {index}_plain")
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {FACT}_row_seq")
        cursor.execute(
            f"CREATE TABLE {FACT} ("
            f"id bigint NOT NULL DEFAULT nextval('{FACT}_row_seq'), "
            "element varchar(40) NOT NULL, level varchar(12) NOT NULL, "
            "unit_id integer NOT NULL CHECK (unit_id >= 0), region_id integer NULL CHECK (region_id >= 0), "
            "municipality_id integer NULL CHECK (municipality_id >= 0), month date NOT NULL, "
            "value bigint NOT NULL, build_id bigint NOT NULL) PARTITION BY LIST (build_id)"
        )
        cursor.execute(f"SELECT DISTINCT build_id FROM {FACT}_plain")
        for (build_id,) in cursor.fetchall():
            cursor.execute(f"CREATE TABLE {FACT}_b{int(build_id)} PARTITION OF {FACT} FOR VALUES IN ({int(build_id)})")
        cursor.execute(
            f"INSERT INTO {FACT} (element, level, unit_id, region_id, municipality_id, month, value, build_id) "
            f"SELECT element, level, unit_id, region_id, municipality_id, month, value, build_id FROM {FACT}_plain"
        )
        cursor.execute(f"DROP TABLE {FACT}_plain")
        cursor.execute(f"CREATE INDEX fact_unit ON {FACT} (build_id, element, level, unit_id, month)")
        cursor.execute(f"CREATE INDEX fact_region_children ON {FACT} (build_id, element, level, region_id, month)")
        cursor.execute(f"CREATE INDEX fact_muni_children ON {FACT} (build_id, element, level, municipality_id, month)")


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

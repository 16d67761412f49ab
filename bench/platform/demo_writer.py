"""The demo writer against Django's bulk_create, on the same generated rows.

    .venv/bin/python bench/platform/demo_writer.py [--educators 100000] [--database sqlite|postgres]

Both write the same region (municipalities, organizations, educators and their
subjects) into a freshly migrated database; the script prints the time of each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--educators", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    os.environ["EFS_DATA_DIR"] = tempfile.mkdtemp(prefix="efs-bench-")
    if args.database == "postgres":
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/efs_bench_writer"
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "efs.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from efs.demo import generator, writer
    from efs.people.models import Educator, Municipality, Organization, Region

    if args.database == "postgres":
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS efs_bench_writer")
            admin.execute("CREATE DATABASE efs_bench_writer")
    call_command("migrate", verbosity=0)
    regions = {r.code: (r.pk, r.capital) for r in Region.objects.all()}
    subject_ids = writer.subject_ids()

    def rows():
        return list(
            generator.generate(seed=1, regions=regions, scale="region", educators=args.educators, ids=writer.next_ids())
        )[0]

    def wipe():
        with transaction.atomic():
            Educator.subjects.through.objects.all().delete()
            Educator.objects.all().delete()
            Organization.objects.all().delete()
            Municipality.objects.all().delete()

    def with_writer(data):
        with transaction.atomic():
            writer.write_region(data, subject_ids)

    def with_bulk_create(data):
        with transaction.atomic():
            Municipality.objects.bulk_create(
                [Municipality(id=m.id, region_id=m.region_id, name=m.name, kind=m.kind) for m in data.municipalities]
            )
            Organization.objects.bulk_create(
                [
                    Organization(
                        id=o.id,
                        region_id=o.region_id,
                        municipality_id=o.municipality_id,
                        kind=o.kind,
                        name=o.name,
                        short_name=o.short_name,
                        inn=o.inn,
                        address=o.address,
                        licensed_for_dpo=o.licensed_for_dpo,
                    )
                    for o in data.organizations
                ],
                batch_size=5000,
            )
            Educator.objects.bulk_create(
                [
                    Educator(
                        id=e.id,
                        region_id=e.region_id,
                        organization_id=e.organization_id,
                        last_name=e.last_name,
                        first_name=e.first_name,
                        middle_name=e.middle_name,
                        birth_date=e.birth_date,
                        snils=e.snils,
                        category=e.category,
                        position=e.position,
                        experience_years=e.experience_years,
                        qualification_category=e.qualification_category,
                    )
                    for e in data.educators
                ],
                batch_size=5000,
            )
            through = Educator.subjects.through
            through.objects.bulk_create(
                [through(educator_id=e.id, subject_id=subject_ids[c]) for e in data.educators for c in e.subjects],
                batch_size=5000,
            )

    results = {}
    for name, fn in (
        ("writer (COPY / executemany)", with_writer),
        ("Django bulk_create", with_bulk_create),
        ("writer again", with_writer),
    ):
        data = rows()
        started = time.perf_counter()
        fn(data)
        results[name] = time.perf_counter() - started
        assert Educator.objects.count() == len(data.educators)
        wipe()
    print(f"{args.educators:,} educators on {connection.vendor}:")
    for name, seconds in results.items():
        print(f"  {name:<30} {seconds:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

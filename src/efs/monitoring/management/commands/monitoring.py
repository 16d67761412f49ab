"""`efs monitoring build [--incremental]`, `efs monitoring values …`, `efs monitoring starter`."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from efs.errors import DomainError
from efs.monitoring import queries, services
from efs.monitoring.models import Indicator, Level


def _bar(step: int, total: int, label: str) -> None:
    width = 30
    done = int(width * step / total)
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {step}/{total} {label:<40}")
    if step == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Command(BaseCommand):
    help = "Monitoring: build the analytics tables, print indicator values, load the federal passports."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="build the analytics tables (aside, then swapped in)")
        build.add_argument("--incremental", action="store_true", help="recompute only the last two months")
        values = sub.add_parser("values", help="one JSON line per unit")
        values.add_argument("--indicator", required=True)
        values.add_argument("--level", required=True, choices=[c for c, _ in Level.choices])
        values.add_argument("--period", required=True, help="YYYY, YYYY-MM or YYYY-Qn")
        values.add_argument("--format", default="json", choices=["json"])
        sub.add_parser("starter", help="create the federal indicator passports that are missing")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "starter":
            self.stdout.write(f"Паспорта показателей: создано {services.starter_indicators_load()}.")
        elif action == "build":
            services.starter_indicators_load()
            build = services.analytics_build(incremental=options["incremental"], progress=_bar)
            self.stdout.write(
                f"Построено: {build.rows} строк, месяцы {build.first_month:%Y-%m} — {build.last_month:%Y-%m}."
            )
            if build.base_id is not None:
                self.stdout.write(
                    f"Инкрементальная сборка {build.pk}: пересчитаны месяцы с {build.own_from:%Y-%m}, "
                    f"более ранние читаются из полной сборки {build.base_id}."
                )
            elif options["incremental"]:
                self.stdout.write(f"Сборка {build.pk} полная: подходящей полной сборки-основы нет.")
        else:
            indicator = Indicator.objects.filter(code=options["indicator"]).first()
            if indicator is None:
                raise CommandError(f"Показатель «{options['indicator']}» не найден.")
            try:
                rows = queries.indicator_values(indicator=indicator, level=options["level"], period=options["period"])
            except DomainError as exc:
                raise CommandError(exc.message) from None
            if queries.published_build() is None:
                raise CommandError("Аналитические таблицы ещё не построены: запустите «efs monitoring build».")
            for row in rows:
                self.stdout.write(json.dumps(row.as_json(), ensure_ascii=False))

"""Reference data shipped with the project: the 89 regions, subjects, consent texts.

Loaded by migration 0002; `load` takes an app registry so the migration can pass its
historical models (and tests that flush the database can load it again).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def load(apps) -> None:
    Region = apps.get_model("people", "Region")
    Subject = apps.get_model("people", "Subject")
    ConsentDocument = apps.get_model("people", "ConsentDocument")
    for row in json.loads((DATA / "regions.json").read_text(encoding="utf-8")):
        Region.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})
    for row in json.loads((DATA / "subjects.json").read_text(encoding="utf-8")):
        Subject.objects.update_or_create(code=row["code"], defaults={"name": row["name"]})
    for row in json.loads((DATA / "consents.json").read_text(encoding="utf-8")):
        ConsentDocument.objects.update_or_create(
            kind=row["kind"],
            version=row["version"],
            defaults={
                "title": row["title"],
                "text": row["text"],
                "published_at": dt.datetime.fromisoformat(row["published_at"]),
            },
        )

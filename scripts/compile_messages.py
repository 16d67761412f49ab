"""Compile the Russian catalog (.po -> .mo) with polib; fail on untranslated entries.

`make messages` runs this after makemessages. The compiled .mo is committed, so a
fresh machine needs no GNU gettext to show the Russian interface.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

CATALOG = Path(__file__).resolve().parent.parent / "src/efs/locale/ru/LC_MESSAGES/django.po"


def untranslated(po: polib.POFile) -> list[str]:
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            missing.append(f"fuzzy: {entry.msgid}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                missing.append(entry.msgid)
        elif not entry.msgstr:
            missing.append(entry.msgid)
    return missing


def main() -> int:
    po = polib.pofile(str(CATALOG))
    po.metadata["Language"] = "ru"
    po.metadata["Project-Id-Version"] = "efs"
    po.metadata_is_fuzzy = False
    missing = untranslated(po)
    if missing:
        print("Untranslated messages in the Russian catalog:", *missing, sep="\n  ")
        return 1
    po.save(str(CATALOG))
    po.save_as_mofile(str(CATALOG.with_suffix(".mo")))
    print(f"Compiled {len(po)} messages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

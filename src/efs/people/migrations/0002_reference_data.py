"""Loads the 89 regions, the subject list and the first consent texts."""

from django.db import migrations


def load(apps, schema_editor):
    from efs.people.reference import load as load_reference

    load_reference(apps)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

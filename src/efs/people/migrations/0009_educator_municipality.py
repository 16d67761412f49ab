"""The educator's municipality, the organization's copied (the municipal operator's people list pages its index)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0008_email_preference'),
    ]

    operations = [
        migrations.AddField(
            model_name='educator',
            name='municipality',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.municipality', verbose_name='municipality'),
        ),
        # Every educator takes their organization's municipality (one statement: 1.2 M rows).
        migrations.RunSQL(
            "UPDATE people_educator SET municipality_id = (SELECT o.municipality_id FROM people_organization o"
            " WHERE o.id = people_educator.organization_id) WHERE organization_id IS NOT NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='educator',
            index=models.Index(fields=['municipality', 'last_name', 'first_name', 'middle_name', 'id'], name='educator_muni_name_order'),
        ),
    ]

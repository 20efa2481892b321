"""Random external ids (HubSync_Id__c) for contacts, activities and CRM tasks.

Until now the external id was the row's primary key, which anyone could guess. Existing
rows get a UUID here; a contact already linked keeps its link (Salesforce writes go by
record Id), and its record takes the new id at its next update, so nothing is created
again in Salesforce. Activities and tasks are written once: those already in Salesforce
are never written again.
"""

import uuid

from django.db import migrations, models

MODELS = ("contact", "activity", "crmtask")


def fill(apps, schema_editor):
    """One executemany UPDATE per model (bulk_update's CASE per row is slow on large tables)."""
    connection = schema_editor.connection
    for name in MODELS:
        model = apps.get_model("marketing", name)
        field = model._meta.get_field("external_id")
        table = connection.ops.quote_name(model._meta.db_table)
        pks = list(model.objects.filter(external_id__isnull=True).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET external_id = %s WHERE id = %s",
                [(field.get_db_prep_value(uuid.uuid4(), connection), pk) for pk in pks],
            )


class Migration(migrations.Migration):
    dependencies = [("marketing", "0002_opportunities")]

    operations = [
        *(
            migrations.AddField(
                model_name=name, name="external_id", field=models.UUIDField(null=True)
            )
            for name in MODELS
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        *(
            migrations.AlterField(
                model_name=name,
                name="external_id",
                field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
            )
            for name in MODELS
        ),
    ]

from django.db import migrations


def seed(apps, schema_editor):
    from connector.services.bootstrap import DEFAULT_FIELD_MAPPINGS

    FieldMapping = apps.get_model("connector", "FieldMapping")
    for prop, lead_field, contact_field, rule in DEFAULT_FIELD_MAPPINGS:
        FieldMapping.objects.get_or_create(
            hubsync_property=prop,
            defaults={"lead_field": lead_field, "contact_field": contact_field, "sync_rule": rule},
        )


class Migration(migrations.Migration):
    dependencies = [("connector", "0002_sync_state")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

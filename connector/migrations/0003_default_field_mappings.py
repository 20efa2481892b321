from django.db import migrations

# hubsync property, Lead field, Contact field, sync rule (PRODUCT.md: email prefers Salesforce).
DEFAULTS = [
    ("email", "Email", "Email", "prefer_salesforce"),
    ("first_name", "FirstName", "FirstName", "two_way"),
    ("last_name", "LastName", "LastName", "two_way"),
    ("company_name", "Company", "", "two_way"),
    ("phone", "Phone", "Phone", "two_way"),
    ("job_title", "Title", "Title", "two_way"),
    ("state", "State", "MailingState", "two_way"),
    ("country", "Country", "MailingCountry", "two_way"),
]


def seed(apps, schema_editor):
    FieldMapping = apps.get_model("connector", "FieldMapping")
    for prop, lead_field, contact_field, rule in DEFAULTS:
        FieldMapping.objects.get_or_create(
            hubsync_property=prop,
            defaults={"lead_field": lead_field, "contact_field": contact_field, "sync_rule": rule},
        )


class Migration(migrations.Migration):
    dependencies = [("connector", "0002_sync_state")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

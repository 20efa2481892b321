"""The contacts' link columns keep one plain index: salesforce_id's, without the LIKE
(``varchar_pattern_ops``) index Django adds to an indexed text column on PostgreSQL, and
salesforce_object loses both of its own (nothing selects by it alone: "Lead" or "Contact"
each matches half the table). Every index is written again when the push links a contact.

The new index is built first, concurrently (writes go on; lookups by Id never lose their
index), then the old ones are dropped."""

from django.db import migrations, models

from connector.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("marketing", "0006_campaigns"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="contact",
            index=models.Index(fields=["salesforce_id"], name="marketing_contact_sf_id_idx"),
        ),
        migrations.AlterField(
            model_name="contact",
            name="salesforce_id",
            field=models.CharField(blank=True, max_length=18),
        ),
        migrations.AlterField(
            model_name="contact",
            name="salesforce_object",
            field=models.CharField(
                blank=True,
                choices=[("Lead", "Lead"), ("Contact", "Contact")],
                max_length=7,
            ),
        ),
    ]

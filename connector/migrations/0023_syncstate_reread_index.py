from django.db import migrations, models

from connector.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY (PostgreSQL) runs outside a transaction: writes to the sync
    # states go on while it is built.
    atomic = False

    dependencies = [
        ("connector", "0022_emailcollision_chosen_id_index"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="contactsyncstate",
            index=models.Index(
                condition=models.Q(("reread_when_included", True)),
                fields=["contact"],
                name="syncstate_reread",
            ),
        ),
    ]

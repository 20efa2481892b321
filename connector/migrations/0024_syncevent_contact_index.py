"""The sync history's own index on contact goes: ``syncevent_contact_at`` (contact, at)
begins with that column, and every history row (the push writes one per contact) paid for
both. Only the index is dropped (concurrently on PostgreSQL): Django's AlterField would
also drop the foreign key and add it back, validating every history row under a lock that
blocks the table's writes."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "connector_contactsyncevent"


def _contact_index(schema_editor) -> str | None:
    """The name of the index on (contact_id) alone, if the table has one."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        if (
            info["index"]
            and info["columns"] == ["contact_id"]
            and not (info["primary_key"] or info["unique"] or info["foreign_key"])
        ):
            return name
    return None


def drop_contact_index(apps, schema_editor) -> None:
    name = _contact_index(schema_editor)
    if name is None:
        return
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}{schema_editor.quote_name(name)}")


def create_contact_index(apps, schema_editor) -> None:
    if _contact_index(schema_editor) is not None:
        return
    model = apps.get_model("connector", "ContactSyncEvent")
    field = model._meta.get_field("contact")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    # DROP INDEX CONCURRENTLY (PostgreSQL) runs outside a transaction.
    atomic = False

    dependencies = [
        ("connector", "0023_syncstate_reread_index"),
        ("marketing", "0007_contact_link_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contactsyncevent",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sync_events",
                        to="marketing.contact",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_contact_index, create_contact_index, elidable=False),
            ],
        ),
    ]

"""Random external ids (HubSync_Id__c) for contacts, activities and CRM tasks.

Until now the external id was the row's primary key, which anyone could guess. Existing
rows get a UUID here; a contact already linked keeps its link (Salesforce writes go by
record Id), and its record takes the new id at its next update, so nothing is created
again in Salesforce. Activities and tasks are written once: those already in Salesforce
are never written again.

On PostgreSQL without blocking writes for long, whatever the tables' size (at 2,000,000
contacts, one transaction held every write to the three tables for minutes): the column is
added nullable, filled ``FILL_BATCH`` rows a transaction (``gen_random_uuid()``), its
unique index built ``CONCURRENTLY`` and attached as the constraint Django names, and NOT
NULL set through a validated CHECK constraint, so that no step scans a table under its
exclusive lock. The schema is the one the ``AlterField`` below describes. Other databases
(SQLite) take Django's own ``AlterField`` after the fill.
"""

import uuid

from django.db import migrations, models, transaction

MODELS = ("contact", "activity", "crmtask")
FILL_BATCH = 5_000
FINAL = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)


def _fill(model, connection) -> None:
    """FILL_BATCH rows a transaction, in primary-key order (each batch starts where the last
    ended: no scan over the rows already filled)."""
    table = connection.ops.quote_name(model._meta.db_table)
    field = model._meta.get_field("external_id")
    last = 0
    while True:
        with transaction.atomic(using=connection.alias):
            pks = list(
                model.objects.filter(pk__gt=last, external_id__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:FILL_BATCH]
            )
            if not pks:
                return
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(
                        f"UPDATE {table} SET external_id = gen_random_uuid() WHERE id = ANY(%s)",
                        [pks],
                    )
                else:
                    # One executemany UPDATE a batch (bulk_update's CASE per row is slow).
                    cursor.executemany(
                        f"UPDATE {table} SET external_id = %s WHERE id = %s",
                        [(field.get_db_prep_value(uuid.uuid4(), connection), pk) for pk in pks],
                    )
            last = pks[-1]


def _constrain_postgresql(model, schema_editor) -> None:
    table_name = model._meta.db_table
    table = schema_editor.quote_name(table_name)
    unique = schema_editor._create_index_name(table_name, ["external_id"], suffix="_uniq")
    check = schema_editor.quote_name(f"{table_name}_external_id_not_null")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {schema_editor.quote_name(unique)} "
            f"ON {table} (external_id)"
        )
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = %s AND conrelid = %s::regclass",
            [unique, table_name],
        )
        if cursor.fetchone() is None:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {schema_editor.quote_name(unique)} "
                f"UNIQUE USING INDEX {schema_editor.quote_name(unique)}"
            )
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {check}")
        cursor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK (external_id IS NOT NULL) NOT VALID"
        )
        cursor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}")  # no write lock
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN external_id SET NOT NULL")  # no scan
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {check}")


def _final_field(model) -> models.Field:
    field = FINAL.clone()
    field.set_attributes_from_name("external_id")
    field.model = model
    return field


def forward(apps, schema_editor):
    connection = schema_editor.connection
    for name in MODELS:
        model = apps.get_model("marketing", name)
        _fill(model, connection)
        if connection.vendor == "postgresql":
            _fill(model, connection)  # rows the running release added meanwhile
            _constrain_postgresql(model, schema_editor)
        else:
            with transaction.atomic(using=connection.alias):
                schema_editor.alter_field(
                    model, model._meta.get_field("external_id"), _final_field(model)
                )


def backward(apps, schema_editor):
    """Back to a nullable column without its constraint (AddField's reverse drops it)."""
    for name in MODELS:
        model = apps.get_model("marketing", name)
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.alter_field(
                model, _final_field(model), model._meta.get_field("external_id")
            )


class Migration(migrations.Migration):
    # Each step commits on its own (CREATE INDEX CONCURRENTLY runs outside a transaction).
    atomic = False

    dependencies = [("marketing", "0002_opportunities")]

    operations = [
        *(
            migrations.AddField(
                model_name=name, name="external_id", field=models.UUIDField(null=True)
            )
            for name in MODELS
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(model_name=name, name="external_id", field=FINAL.clone())
                for name in MODELS
            ],
        ),
    ]

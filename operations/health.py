"""What ``/readyz`` checks: the database answers, every migration is applied, the broker
answers. Each check returns None when fine, else a short reason (no secret: the broker's
URL is never part of it)."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from hubsync.celery import app

#: Seconds the broker may take to accept a connection before it counts as down.
BROKER_TIMEOUT_S = 2

# Once every migration is applied, this process's code cannot need another one: the
# migration files are not read again at every probe.
_migrations_applied = False


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return f"unreachable ({type(error).__name__})"
    return None


def migrations_problem() -> str | None:
    global _migrations_applied
    if _migrations_applied:
        return None
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return f"unknown ({type(error).__name__})"
    if plan:
        return f"{len(plan)} not applied (run manage.py migrate)"
    _migrations_applied = True
    return None


def broker_problem() -> str | None:
    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT_S) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_S)
    except Exception as error:  # noqa: BLE001 — any failure to connect means "not ready"
        return f"unreachable ({type(error).__name__})"
    return None


def readiness_problems() -> dict[str, str]:
    """The failing parts by name (database, migrations, broker); empty when ready. Without
    a database the migrations cannot be read: only the database is named then."""
    problems: dict[str, str] = {}
    if problem := database_problem():
        problems["database"] = problem
    elif problem := migrations_problem():
        problems["migrations"] = problem
    if problem := broker_problem():
        problems["broker"] = problem
    return problems

"""Throw-away PostgreSQL databases and hubsync processes on them, for the backup, restore
and upgrade tests. The server: POSTGRES_TEST_URL (default postgres://postgres@127.0.0.1:5432,
trust auth, as .ci/run starts it); tests skip with the reason when it does not answer."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("POSTGRES_TEST_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
SF_USERNAME = "integration@acme.example"
SF_PASSWORD = "sf-Password-1"
SF_TOKEN = "SFTOKEN42"


def _server_env() -> dict[str, str]:
    parts = urlsplit(SERVER)
    env = {"PGHOST": parts.hostname or "127.0.0.1", "PGPORT": str(parts.port or 5432)}
    env["PGUSER"] = parts.username or "postgres"
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return {**os.environ, **env}


def _psql(sql: str, database: str = "postgres") -> None:
    done = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        env=_server_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def require_postgres() -> None:
    """Skip (with the reason) unless PostgreSQL and its client tools are here."""
    try:
        import psycopg

        psycopg.connect(f"{SERVER}/postgres", connect_timeout=3).close()
    except Exception as error:  # noqa: BLE001 — any reason to skip is named
        pytest.skip(f"PostgreSQL is not reachable at {SERVER}: {error}")
    for tool in ("psql", "pg_dump", "pg_restore"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            pytest.skip(f"{tool} is not installed")


class Databases:
    """Creates uniquely named databases (this process, a random part) and drops them all."""

    def __init__(self) -> None:
        self.prefix = f"hubsync_ops_{os.getpid()}_{secrets.token_hex(3)}"
        self.created: list[str] = []

    def create(self, purpose: str) -> str:
        name = f"{self.prefix}_{purpose}"
        _psql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return name

    def url(self, name: str) -> str:
        return f"{SERVER}/{name}"

    def dump(self, name: str, path: Path) -> None:
        """``pg_dump -Fc``: the backup the README describes."""
        done = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(path), name],
            env=_server_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr

    def restore(self, path: Path, name: str) -> None:
        done = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", name, str(path)],
            env=_server_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr

    def drop_all(self) -> None:
        for name in self.created:
            _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def databases() -> Iterator[Databases]:
    require_postgres()
    made = Databases()
    try:
        yield made
    finally:
        made.drop_all()


class Installation:
    """A hubsync installation on one database: its manage.py commands run as processes with
    production settings (DEBUG off) and the given encryption key."""

    def __init__(self, database_url: str, emulator_url: str, key: str | None = None) -> None:
        self.key = key or Fernet.generate_key().decode()
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SALESFORCE_"))
        } | {
            "DEBUG": "false",
            "SECRET_KEY": "ops-tests-not-secret-" + "x" * 40,
            "HUBSYNC_ENCRYPTION_KEY": self.key,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": "memory://",
            "SALESFORCE_EMULATOR_URL": emulator_url,
            "LOG_LEVEL": "WARNING",
        }

    @property
    def database(self) -> str:
        return self.env["DATABASE_URL"].rsplit("/", 1)[1]

    def with_key(self, key: str) -> Installation:
        other = Installation(self.env["DATABASE_URL"], self.env["SALESFORCE_EMULATOR_URL"], key)
        return other

    def on(self, database_url: str) -> Installation:
        return Installation(database_url, self.env["SALESFORCE_EMULATOR_URL"], self.key)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def step(self, name: str, **kwargs: Any) -> Any:
        """Run ``tests.operations.steps.<name>(**kwargs)`` in a process on this database;
        returns what it returned (JSON)."""
        code = (
            "import json, os; from tests.operations import steps; "
            f"print(json.dumps(steps.{name}(**json.loads(os.environ['STEP_ARGS']))))"
        )
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env | {"STEP_ARGS": json.dumps(kwargs)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def sync(self) -> dict:
        return json.loads(self.manage("salesforce_sync").stdout.strip().splitlines()[-1])

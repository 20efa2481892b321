"""hubsync's documented commands as tests call them: each returns what it printed."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from django.core.management import call_command


def salesforce_sync() -> dict[str, int]:
    """``manage.py salesforce_sync``: one full cycle; its JSON counts."""
    out = io.StringIO()
    call_command("salesforce_sync", stdout=out)
    return json.loads(out.getvalue())


def contacts_import(tmp_path: Path, header: str, *rows: str) -> None:
    """``manage.py contacts_import`` of a CSV file with these lines."""
    path = tmp_path / f"import-{time.monotonic_ns()}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    call_command("contacts_import", str(path), stdout=io.StringIO(), stderr=io.StringIO())

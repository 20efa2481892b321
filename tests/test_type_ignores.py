"""Every ``# type: ignore`` in hubsync's packages and the emulator's sources names its error
code and says why.

mypy itself refuses an ignore without a code (``ignore-without-code``) and one that no
longer silences anything (``warn_unused_ignores``); the reason is ours to require.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "hubsync",
    "connector",
    "marketing",
    "settings_ui",
    "operations",
    "pubsub-api/src/pubsub_api",
    "emulator/src/salesforce_emulator",
)
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<rest>.*)$")
EXPLAINED = re.compile(r"^\[[a-z0-9-]+(,\s*[a-z0-9-]+)*\]\s+#\s*\S")


def _checked_files() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and "_pb2" not in path.name
    ]


def test_every_type_ignore_has_a_code_and_a_reason() -> None:
    bare = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _checked_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if (match := IGNORE.search(line)) and not EXPLAINED.match(match["rest"])
    ]
    assert not bare, "type: ignore[code]  # reason, on the same line:\n" + "\n".join(bare)


def test_the_pattern_tells_explained_from_bare() -> None:
    assert EXPLAINED.match("[attr-defined]  # django-csp reads it")
    assert not EXPLAINED.match("[attr-defined]")
    assert not EXPLAINED.match("")


def test_every_listed_folder_exists() -> None:
    missing = [package for package in PACKAGES if not (ROOT / package).is_dir()]
    assert not missing, f"not a folder (the check would find nothing there): {missing}"


@pytest.mark.subprocess
def test_the_type_checkers_settings_load_without_debug_or_a_secret_key():
    """`mypy` run as is (no DEBUG, no SECRET_KEY, as in a shell or an editor) ended with an
    internal error: django-stubs could not load hubsync's settings, which require the key
    when DEBUG is off. It loads [tool.django-stubs]'s module, which must set Django up."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module = config["tool"]["django-stubs"]["django_settings_module"]
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env["DJANGO_SETTINGS_MODULE"] = module
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"

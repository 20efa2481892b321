"""Every ``# type: ignore`` in hubsync's packages and the emulator's sources names its error
code and says why.

mypy itself refuses an ignore without a code (``ignore-without-code``) and one that no
longer silences anything (``warn_unused_ignores``); the reason is ours to require.
"""

from __future__ import annotations

import re
from pathlib import Path

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

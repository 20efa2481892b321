"""The emulator's own tests: one server per session, a fresh org and a logged-in client per
test (the fixtures of salesforce_emulator.pytest_plugin, registered by the distribution's
pytest11 entry point), against the org of tests/org/ (pyproject: salesforce_emulator_config).

No Django: these tests run in a venv without it (`make test-emulator`), and where it is
installed (hubsync's, `make test`) it cannot be imported here, so nothing of the emulator
can come to need it unnoticed.
"""

from __future__ import annotations

import sys

sys.modules["django"] = None  # type: ignore[assignment]  # any `import django` fails

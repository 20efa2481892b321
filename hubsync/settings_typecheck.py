"""The settings django-stubs loads while mypy type-checks hubsync ([tool.django-stubs] in
pyproject.toml); never a running site's.

django-stubs imports a settings module to learn the installed apps and their models.
hubsync's own settings refuse to load without SECRET_KEY when DEBUG is off (production must
set it), and the plugin's failure to load them ends mypy with an internal error. The type
checker reads no secret, so it gets a placeholder here when the environment has none.
"""

import os

os.environ.setdefault("SECRET_KEY", "type-checking-only-never-a-running-site")

from hubsync.settings import *  # noqa: E402, F403 — the settings as they are, for their types

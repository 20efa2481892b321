"""The image (no Docker engine here: the files are read): nothing secret or local is copied
in, it runs as a non-root user, and it has a HEALTHCHECK on the web server's /healthz; the
emulator is an image of its own, and hubsync's holds none of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hubsync.healthcheck import health_request

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
EMULATOR_DOCKERFILE = (ROOT / "emulator" / "Dockerfile").read_text()

NEVER_COPIED = (
    ".env",
    ".env.production",
    "var/hubsync.sqlite3",
    "var/broker/data/message.msg",
    "var/demo/jwt-certificate.pem",
    ".venv/bin/python",
    "node_modules/jsforce/package.json",
    ".git/HEAD",
    "test-artifacts/trace.zip",
    ".pytest_cache/v/cache/nodeids",
    "connector/__pycache__/client.cpython-311.pyc",
    ".hypothesis/examples/x",
    "mutants/connector/soql.py",
)
COPIED = (
    "manage.py",
    "pyproject.toml",
    ".env.example",
    "connector/client.py",
    "salesforce/force-app/main/default/labels/CustomLabels.labels-meta.xml",
    "templates/base.html",
)


def _pattern(text: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match, plus ``**``) as a regex on a path
    relative to the build context; it also matches everything under a matching directory."""
    text = text.strip().strip("/")
    out = ""
    index = 0
    while index < len(text):
        if text.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif text.startswith("**", index):
            out += ".*"
            index += 2
        elif text[index] == "*":
            out += "[^/]*"
            index += 1
        elif text[index] == "?":
            out += "[^/]"
            index += 1
        else:
            out += re.escape(text[index])
            index += 1
    return re.compile(f"^{out}(?:/.*)?$")


def dockerignored(path: str) -> bool:
    """Whether ``docker build`` leaves ``path`` out of the context (the last matching line
    wins; ``!`` lines take a path back in)."""
    ignored = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if _pattern(line.lstrip("!")).match(path):
            ignored = not negated
    return ignored


@pytest.mark.parametrize("path", NEVER_COPIED)
def test_secrets_local_state_and_artefacts_stay_out_of_the_image(path):
    assert dockerignored(path), f"{path} would be copied into the image"


@pytest.mark.parametrize("path", COPIED)
def test_the_sources_go_in(path):
    assert not dockerignored(path)


def test_the_dockerfile_copies_nothing_past_the_ignore_file():
    sources = re.findall(r"^(?:COPY|ADD)\s+(?:--\S+\s+)*(.+?)\s+\S+\s*$", DOCKERFILE, re.M)
    assert sources
    for source in sources:
        for item in source.split():
            assert not item.startswith((".env", "var", ".venv")), item
            if item in (".", "./", "*"):  # the whole context: the ignore file decides
                assert dockerignored(".env") and dockerignored("var/hubsync.sqlite3")


def test_the_image_runs_as_a_non_root_user():
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0", "0:0")
    # Set before the command that runs the server.
    assert DOCKERFILE.rindex("USER ") < DOCKERFILE.index("CMD ")


def test_the_healthcheck_asks_healthz_with_python():
    [command] = re.findall(r"^HEALTHCHECK [^\n]*?\\\n\s*CMD (.+)$", DOCKERFILE, re.M)
    assert command == '["python", "-m", "hubsync.healthcheck"]'  # urllib, no curl
    request = health_request(
        {"WEB_LISTEN": "0.0.0.0:8000", "ALLOWED_HOSTS": "hubsync.example.com,localhost"}
    )
    assert request.full_url == "http://127.0.0.1:8000/healthz"
    assert request.get_header("Host") == "hubsync.example.com"
    assert request.get_header("X-forwarded-proto") == "https"


def _copies(dockerfile: str) -> list[tuple[list[str], list[str]]]:
    """(flags, sources) of every COPY."""
    out = []
    for line in re.findall(r"^COPY\s+(.+)$", dockerfile, re.M):
        words = line.split()[:-1]
        out.append(([w for w in words if w.startswith("--")], [w for w in words if w[:2] != "--"]))
    return out


def test_hubsyncs_image_never_copies_the_emulator():
    """Its folder is only mounted for the install (the demo extra builds the emulator from
    it); the production image (no HUBSYNC_EXTRAS) has no emulator and no Werkzeug."""
    for flags, sources in _copies(DOCKERFILE):
        assert not [s for s in sources if s.strip("./").startswith("emulator")], sources
        if "." in sources:
            assert "--exclude=emulator" in flags
    [install] = re.findall(
        r"^RUN --mount=type=bind,source=emulator,[^\n]*\\\n\s*(.+)$", DOCKERFILE, re.M
    )
    assert install == 'pip install --no-cache-dir -e ".${HUBSYNC_EXTRAS:+[$HUBSYNC_EXTRAS]}"'
    assert re.search(r'^ARG HUBSYNC_EXTRAS=""$', DOCKERFILE, re.M)
    assert "PYTHONPATH" not in DOCKERFILE  # the editable install puts /app on the path


def test_the_emulator_image_runs_as_a_non_root_user_with_its_own_sources_only():
    users = re.findall(r"^USER\s+(\S+)", EMULATOR_DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0", "0:0")
    assert EMULATOR_DOCKERFILE.rindex("USER ") < EMULATOR_DOCKERFILE.index("CMD ")
    sources = {s for _flags, found in _copies(EMULATOR_DOCKERFILE) for s in found}
    assert all(s.startswith(("emulator/", "pubsub-api")) for s in sources), sources
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "dockerfile: emulator/Dockerfile" in compose
    assert "--config /config/emulator.toml" in compose and "./salesforce:/config:ro" in compose

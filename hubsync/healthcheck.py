"""The container's HEALTHCHECK: ``python -m hubsync.healthcheck`` asks the web server's
``/healthz`` on its own port (python's urllib: the image has no curl) and exits 0 when it
answers 200, 1 otherwise.

It asks as the TLS proxy would: the Host is the first of ALLOWED_HOSTS (so Django does not
refuse it), and ``X-Forwarded-Proto: https`` (believed from 127.0.0.1, the default
TRUSTED_PROXY, so SECURE_SSL_REDIRECT does not redirect it). No Django import: it runs
every 30 seconds and must stay cheap.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_S = 4


def health_request(
    environ: os._Environ[str] | dict[str, str] = os.environ,
) -> urllib.request.Request:
    listen = environ.get("WEB_LISTEN", "0.0.0.0:8000")
    port = listen.rsplit(":", 1)[-1] if ":" in listen else "8000"
    hosts = [h.strip() for h in environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    return urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )


def main() -> int:
    try:
        with urllib.request.urlopen(health_request(), timeout=TIMEOUT_S) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main())

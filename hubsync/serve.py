"""The production web server: waitress serving hubsync's WSGI application.

    python -m hubsync.serve [--listen 0.0.0.0:8000]

Configured from the same environment as the settings (hubsync/settings.py):
TRUSTED_PROXY / TRUSTED_PROXY_COUNT (whose X-Forwarded-* headers to believe, so that a
request the TLS proxy marks https is not redirected again), MAX_REQUEST_BODY_BYTES
(a larger body is refused before Django reads it), WEB_THREADS. Static files are served
by WhiteNoise from STATIC_ROOT (run ``manage.py collectstatic`` first).
https://docs.pylonsproject.org/projects/waitress/en/stable/arguments.html
"""

from __future__ import annotations

import argparse
import os

FORWARDED_HEADERS = {"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port"}


def server_options(settings) -> dict:  # type: ignore[no-untyped-def]
    """waitress's arguments from hubsync's settings."""
    options: dict = {
        "threads": settings.WEB_THREADS,
        "max_request_body_size": settings.MAX_REQUEST_BODY_BYTES,
        "clear_untrusted_proxy_headers": True,
        "ident": "hubsync",
    }
    if settings.TRUSTED_PROXY:
        options |= {
            "trusted_proxy": settings.TRUSTED_PROXY,
            "trusted_proxy_count": settings.TRUSTED_PROXY_COUNT,
            "trusted_proxy_headers": FORWARDED_HEADERS,
        }
    return options


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubsync.settings")
    import waitress
    from django.conf import settings

    from hubsync.wsgi import application

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default=settings.WEB_LISTEN, help="default: WEB_LISTEN")
    args = parser.parse_args()
    waitress.serve(application, listen=args.listen, **server_options(settings))


if __name__ == "__main__":
    main()

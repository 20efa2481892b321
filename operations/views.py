"""The operations endpoints (served by operations.middleware, not the URLconf)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client.exposition import choose_encoder

from .health import readiness_problems
from .metrics import registry


def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers (no database, no broker: a restart would not fix those)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: database reachable, migrations applied, broker reachable. 503 names
    the failing parts, e.g. ``{"status": "unavailable", "failing": {"broker": "…"}}``."""
    problems = readiness_problems()
    if problems:
        return JsonResponse({"status": "unavailable", "failing": problems}, status=503)
    return JsonResponse({"status": "ok"})


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, only for ``Authorization: Bearer <METRICS_TOKEN>``; 404 while
    METRICS_TOKEN is not set (the endpoint does not exist), 401 for any other request."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="hubsync metrics"'
        return response
    # The format the scraper asks for in Accept (Prometheus' text format, or OpenMetrics).
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    try:
        body = encoder(registry())
    except DatabaseError as error:  # the scrape fails (Prometheus: up 0), not a 500 page
        return HttpResponse(
            f"database unreachable ({type(error).__name__})",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse(body, content_type=content_type)

"""``/healthz``, ``/readyz`` and ``/metrics``, answered before the rest of the stack.

Load balancers and orchestrators probe over plain http by the container's address, and
Prometheus scrapes ``web:8000``: neither Host is in ALLOWED_HOSTS and neither speaks https.
So this middleware comes first (after the request-body limit) and answers these three
paths itself, before host validation, the HTTPS redirect, sessions, CSRF and the login
rate limit (django-axes) see the request. None of them reads a session or renders a page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from .views import healthz, metrics, readyz

ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics,
}


class OperationsEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = view(request)
        response["Cache-Control"] = "no-store"
        return response

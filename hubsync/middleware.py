"""Project-wide request guards."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class RequestBodyLimitMiddleware:
    """Answer 413 to a request whose body is larger than ``MAX_REQUEST_BODY_BYTES``.

    Django bounds form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files to
    disk whatever their size; this refuses the request before anything reads its body.
    The production server refuses such a body itself, before Django sees it
    (hubsync/serve.py); this covers every other server.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return HttpResponse("Request body too large.", status=413, content_type="text/plain")
        return self.get_response(request)


class PrivateCacheControlMiddleware:
    """``Cache-Control: no-store`` (Django's never-cache headers) on every response to a
    logged-in user: pages and exports carry personal data and must stay out of shared and
    browser caches. A view's own Cache-Control is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

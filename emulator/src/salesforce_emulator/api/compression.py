"""Response compression: an API response is gzip- (or deflate-) encoded when the request's
``Accept-Encoding`` asks for it, as Salesforce does for REST (REST API Developer Guide,
"Compression Headers") and Bulk API 2.0 query results ("Use Compression for Bulk API 2.0
Query Responses"). The control API is never compressed."""

from __future__ import annotations

import gzip
import zlib

from werkzeug.wrappers import Request, Response

#: Fast compression: the emulator's CPU is the benchmarks' budget.
LEVEL = 1


def compressed(request: Request, response: Response) -> Response:
    """``response`` encoded as the request accepts (gzip preferred), else unchanged."""
    if request.path.startswith("/__emulator/") or response.status_code == 204:
        return response
    accepted = request.accept_encodings
    encoding = next((e for e in ("gzip", "deflate") if accepted[e] > 0), None)
    if encoding is None or response.direct_passthrough:
        return response
    body = response.get_data()
    if not body:
        return response
    if encoding == "gzip":
        data = gzip.compress(body, compresslevel=LEVEL, mtime=0)
    else:
        data = zlib.compress(body, LEVEL)
    response.set_data(data)
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response

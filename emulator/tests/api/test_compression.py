"""gzip (and deflate) when the request's ``Accept-Encoding`` asks: REST queries and Bulk API
2.0 query results come compressed, with ``Content-Encoding``; without the header, plain."""

from __future__ import annotations

import gzip
import json
import zlib

import requests


def _raw(emulator, sf, path, encoding, **params):
    """The undecoded answer of ``path`` (``urllib3`` left to hand back the raw bytes)."""
    res = emulator.session().get(
        f"https://{sf.sf_instance}{path}",
        headers={**sf.headers, "Accept-Encoding": encoding},
        params=params,
        stream=True,
    )
    return res, res.raw.read(decode_content=False)


def test_rest_query_gzip_and_deflate(emulator, sf, emulator_control):
    emulator_control.load_records(
        "Lead", [{"LastName": f"L{i}", "Company": "C"} for i in range(50)]
    )
    path = "/services/data/v59.0/query/"
    res, body = _raw(emulator, sf, path, "gzip", q="SELECT Id, LastName FROM Lead")
    assert res.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in res.headers["Vary"]
    assert json.loads(gzip.decompress(body))["totalSize"] == 50
    res, body = _raw(emulator, sf, path, "deflate", q="SELECT Id FROM Lead")
    assert res.headers["Content-Encoding"] == "deflate"
    assert json.loads(zlib.decompress(body))["totalSize"] == 50
    res, body = _raw(emulator, sf, path, "identity", q="SELECT Id FROM Lead")
    assert "Content-Encoding" not in res.headers and json.loads(body)["totalSize"] == 50
    res, body = _raw(emulator, sf, path, "gzip;q=0", q="SELECT Id FROM Lead")
    assert "Content-Encoding" not in res.headers
    # simple-salesforce (requests) asks for gzip and decodes it itself.
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 50


def test_bulk_query_results_gzip(emulator, sf, emulator_control):
    emulator_control.load_records(
        "Lead", [{"LastName": f"L{i}", "Company": "C"} for i in range(20)]
    )
    rows = "".join(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=0))
    assert rows.count("\n") == 21
    jobs = [
        j for j in sf.session.get(f"{sf.base_url}jobs/query", headers=sf.headers).json()["records"]
    ]
    path = f"/services/data/v59.0/jobs/query/{jobs[-1]['id']}/results"
    res, body = _raw(emulator, sf, path, "gzip")
    assert res.headers["Content-Encoding"] == "gzip"
    assert res.headers["Sforce-NumberOfRecords"] == "20"
    assert gzip.decompress(body).decode().count("\n") == 21


def test_control_api_is_not_compressed(emulator):
    res = requests.get(
        f"{emulator.url}/__emulator/health", headers={"Accept-Encoding": "gzip"}, timeout=10
    )
    assert "Content-Encoding" not in res.headers

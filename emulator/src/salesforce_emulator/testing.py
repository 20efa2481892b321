"""Programmatic use for tests and benchmarks: start an emulator, drive its control API.

    from salesforce_emulator.testing import running_emulator

    with running_emulator() as emu:              # in-process, background thread
        emu.control.create_user("u@example.com", "pw", "TOKEN")
        sf = emu.salesforce("u@example.com", "pw", "TOKEN")   # simple_salesforce.Salesforce

``running_emulator(in_process=False)`` runs ``python -m salesforce_emulator`` in a
subprocess instead (no GIL shared with the client: use it for benchmarks).
``running_emulator(config=...)``: the org's configuration (:mod:`.config`).

Importing this module starts nothing and builds no object metadata (the server side is
imported by :func:`running_emulator`): :func:`jwt_key_pair` and :class:`EmulatorControl`
are usable on their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .config import CONFIG_ENV_VAR, DEFAULT_CONFIG, EmulatorConfig, as_config, for_emulator
from .testing_campaigns import CampaignControlMixin
from .testing_org import OrgControlMixin
from .testing_rules import RulesControlMixin

if TYPE_CHECKING:
    # simple-salesforce (the test extra) is imported only by RunningEmulator.salesforce.
    from simple_salesforce.api import Salesforce


def certificate_for(private_key_pem: str, *, common_name: str = "emulator") -> str:
    """A self-signed certificate (PEM) for an RSA private key: what an admin uploads to an
    External Client App for JWT bearer."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("certificate_for takes an RSA private key")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def jwt_key_pair(common_name: str = "emulator") -> tuple[str, str]:
    """A new RSA private key and a self-signed certificate for it, both PEM: register the
    certificate with ``add_connected_app(certificate=...)``, sign assertions with the key."""
    key_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    return key_pem, certificate_for(key_pem, common_name=common_name)


class EmulatorControl(RulesControlMixin, OrgControlMixin, CampaignControlMixin):
    """A small client for the ``/__emulator/`` control API (costs no API calls); rules and
    custom fields: :class:`~.testing_rules.RulesControlMixin`."""

    def __init__(self, url: str, session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.http = session or requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        resp = self.http.request(method, f"{self.url}/__emulator/{path}", timeout=30, **kwargs)
        if resp.status_code >= 400:
            raise RuntimeError(f"control API {method} {path}: {resp.status_code} {resp.text}")
        # The control API answers a JSON object (README's Control API).
        return cast("dict[str, Any]", resp.json())

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def reset(self, seed: str | None = None) -> dict[str, Any]:
        """Wipe the org (records, users, sessions, jobs, faults, stats, settings)."""
        return self._call("POST", "reset", json={"seed": seed} if seed else {})

    def create_user(
        self,
        username: str,
        password: str = "",
        security_token: str = "",
        *,
        sandbox: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """Create a user that can log in (``sandbox`` users only on the ``test`` domain;
        no ``password``: a random one, for users who only own records);
        ``extra``: ``first_name``, ``last_name``, ``email``, ``active`` (default true)."""
        body = {
            "username": username,
            "password": password,
            "security_token": security_token,
            "sandbox": sandbox,
            **extra,
        }
        return self._call("POST", "users", json=body)

    def add_connected_app(
        self,
        consumer_key: str,
        consumer_secret: str,
        username: str | None = None,
        *,
        certificate: str | None = None,
        callback_url: str | None = None,
    ) -> dict[str, Any]:
        """Register (or replace) an OAuth client. ``username`` is the client-credentials
        run-as user; ``certificate`` (PEM X.509) verifies JWT bearer assertions;
        ``callback_url`` is the web server flow's only accepted ``redirect_uri``."""
        body = {
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "username": username,
            "certificate": certificate,
            "callback_url": callback_url,
        }
        return self._call("POST", "connected-apps", json=body)

    def configure_org(self, **settings: Any) -> dict[str, Any]:
        """Change org settings; returns them all. Keys: ``api_limit``, ``api_used``,
        ``state_country_picklists``, ``multi_currency``, ``connector_version``, ``org_name``,
        ``soap_login_enabled``, ``username_password_flow_enabled``, ``my_domain``,
        ``login_requires_my_domain``, ``metadata_deployed``, ``recycle_bin_capacity``,
        ``concurrent_request_limit``, ``long_running_request_s``, ``query_timeout_rows``,
        ``pubsub_enabled``, ``change_data_capture_entities``, ``pubsub_keepalive_s``,
        ``latency_ms``, ``bulk_records_per_s`` (see the README)."""
        return self._call("POST", "org", json=settings)

    def set_field_security(self, username: str, mapping: dict[str, str]) -> dict[str, str]:
        """Merge ``{"Lead.Phone": "hidden" | "read" | "edit"}`` into the user's field-level
        security; returns the user's restrictions (``edit`` ones are not listed)."""
        return cast(
            "dict[str, str]",
            self._call("POST", f"users/{username}/field-security", json=mapping)["fields"],
        )

    def field_security(self, username: str) -> dict[str, str]:
        return cast(
            "dict[str, str]", self._call("GET", f"users/{username}/field-security")["fields"]
        )

    def org(self) -> dict[str, Any]:
        return self._call("GET", "org")

    def add_fault(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int | None = None,
        error_code: str | None = None,
        message: str | None = None,
        count: int = 1,
        delay_s: float = 0.0,
        reset_connection: bool = False,
        share: float = 1.0,
        record_error_code: str | None = None,
        record_count: int = 0,
        record_share: float = 0.0,
        body: Any = None,
    ) -> dict[str, Any]:
        """Make the next ``count`` requests whose path matches the regex ``path`` fail.

        ``body`` (with ``status``): answer that JSON instead of Salesforce's error list.

        ``share`` < 1 fails only that share of the matching requests, spread evenly.
        ``record_error_code`` fails records, not the request: in each of the next
        ``count`` sObject Collections writes that match, ``record_count`` records (or
        ``record_share`` of them) fail with that code and the others are written.
        """
        request = {
            "path": path,
            "method": method,
            "status": status,
            "error_code": error_code,
            "message": message,
            "count": count,
            "delay_s": delay_s,
            "reset_connection": reset_connection,
            "share": share,
            "record_error_code": record_error_code,
            "record_count": record_count,
            "record_share": record_share,
            "body": body,
        }
        return self._call("POST", "faults", json=request)

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def faults(self) -> list[dict[str, Any]]:
        return cast("list[dict[str, Any]]", self._call("GET", "faults")["faults"])

    def expire_sessions(self) -> int:
        """Invalidate every session: the next API call answers 401 INVALID_SESSION_ID."""
        return cast("int", self._call("POST", "expire-sessions")["expired"])

    def stats(self) -> dict[str, Any]:
        """``{api_used, api_limit, requests: {"GET /services/data/v<version>/query/": n},
        total_requests, faults: {"status:503:SERVER_UNAVAILABLE": n, "delay": n,
        "reset_connection": n, "record:UNABLE_TO_LOCK_ROW": n, "refused:INVALID_SESSION_ID": n,
        "refused:REQUEST_LIMIT_EXCEEDED": n}}``."""
        return self._call("GET", "stats")

    def reset_stats(self) -> None:
        self._call("POST", "stats/reset")

    def expire_change_events(self, before: str | None = None) -> dict[str, int]:
        """Stop retaining the change events committed at or before ``before`` (ISO
        datetime; default: all), as if the 72-hour window had passed them → ``{expired,
        purged_through}``. Subscribing with the replay id of one of them is then refused."""
        return self._call("POST", "change-events/expire", json={"before": before})

    def change_events(self) -> dict[str, int]:
        """``{latest_seq, purged_through, retained}`` of the change event log."""
        return self._call("GET", "change-events")

    def records(self, sobject: str, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        """All rows of an object (deleted ones too, by default), without API usage."""
        params = {"include_deleted": str(include_deleted).lower()}
        return cast(
            "list[dict[str, Any]]",
            self._call("GET", f"records/{sobject}", params=params)["records"],
        )

    def load_records(
        self, sobject: str, records: list[dict[str, Any]], *, owner_id: str | None = None
    ) -> list[str]:
        """Insert records (validated) without API usage, as ``owner_id`` (a user id; default:
        the org's first user); returns the new ids. A record may carry past
        ``CreatedDate``/``LastModifiedDate``/``SystemModstamp`` (ISO datetimes)."""
        body: dict[str, Any] = {"records": records}
        if owner_id:
            body["owner_id"] = owner_id
        out = self._call("POST", f"records/{sobject}", json=body)
        errors = [r for r in out["results"] if not r["success"]]
        if errors:
            raise RuntimeError(f"load_records({sobject}) failed: {errors[:3]}")
        return [r["id"] for r in out["results"]]


@dataclass
class RunningEmulator:
    """A started emulator: its base ``url``, a :class:`EmulatorControl` and the
    ``pubsub_address`` (``host:port``) of its Pub/Sub API."""

    url: str
    control: EmulatorControl
    process: subprocess.Popen[str] | None = None
    app: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    pubsub_address: str = ""

    def pubsub_stub(self) -> Any:
        """A ``pubsub_api.pb2_grpc.PubSubStub`` on a new insecure channel to the Pub/Sub API
        (close it with ``stub.channel.close()``)."""
        # Imported here: grpc is needed only by callers that talk to the Pub/Sub API.
        import grpc

        from pubsub_api import pb2_grpc

        channel = grpc.insecure_channel(self.pubsub_address)
        stub = pb2_grpc.PubSubStub(channel)
        stub.channel = channel  # type: ignore[attr-defined]  # for the caller to close it
        return stub

    def pubsub_metadata(self, session_id: str) -> tuple[tuple[str, str], ...]:
        """Salesforce's auth metadata for a Pub/Sub call made with ``session_id`` (a
        ``Salesforce.session_id`` or an OAuth access token of this org)."""
        return (
            ("accesstoken", session_id),
            ("instanceurl", self.url),
            ("tenantid", self.control.org()["org_id"]),
        )

    def session(self) -> requests.Session:
        """A ``requests`` session routed to this emulator (:mod:`.client`)."""
        from .client import emulator_session

        return emulator_session(self.url)

    def salesforce(
        self,
        username: str,
        password: str,
        security_token: str,
        *,
        domain: str = "login",
        **kwargs: Any,
    ) -> Salesforce:
        """A logged-in ``simple_salesforce.Salesforce`` talking to this emulator."""
        # Imported here: simple-salesforce is a client library, needed only by callers that
        # want a logged-in client, not by the emulator or its control API.
        from simple_salesforce.api import Salesforce

        return Salesforce(
            username=username,
            password=password,
            security_token=security_token,
            domain=domain,
            session=self.session(),
            **kwargs,
        )


@contextmanager
def running_emulator(
    *,
    in_process: bool = True,
    db: str = ":memory:",
    seed: str = "empty",
    api_limit: int = 100_000,
    host: str = "127.0.0.1",
    port: int = 0,
    threads: int = 8,
    startup_timeout: float = 20.0,
    pubsub_port: int = 0,
    latency_ms: float = 0,
    bulk_records_per_s: float | None = None,
    config: EmulatorConfig | str | Path | None = None,
    pubsub: bool | None = None,
) -> Iterator[RunningEmulator]:
    """Start an emulator on a free port (``port=0``; its Pub/Sub API on ``pubsub_port``,
    also free by default) and stop it on exit.

    ``in_process=True`` serves from a waitress thread in this process (fast start, shares
    the GIL); ``False`` runs ``python -m salesforce_emulator`` as a subprocess.
    ``latency_ms`` and ``bulk_records_per_s``: as the command-line flags. ``config``: the
    org's configuration (default: this process's, :func:`~.config.active_config`); in
    process, every emulator shares one setup package. ``pubsub``: serve the Pub/Sub API
    (default: when the ``pubsub`` extra is installed).
    """
    if pubsub is None:
        pubsub = _pubsub_installed()
    if in_process:
        chosen = for_emulator(config)  # before the server side (the object metadata)
        from .server import create_app, make_server, stop_server

        app = create_app(
            db,
            seed=seed,
            api_limit=api_limit,
            latency_ms=latency_ms,
            bulk_records_per_s=bulk_records_per_s,
            config=chosen,
        )
        server = make_server(app, host, port, threads)
        thread = threading.Thread(target=server.run, name="salesforce-emulator", daemon=True)
        thread.start()
        pubsub_server = None
        if pubsub:
            from .pubsub import start_pubsub_server

            pubsub_server = start_pubsub_server(app.store, host, pubsub_port)
        url = f"http://{host}:{server.effective_port}"
        try:
            yield RunningEmulator(
                url=url,
                control=EmulatorControl(url),
                app=app,
                pubsub_address=pubsub_server.address if pubsub_server else "",
            )
        finally:
            if pubsub_server is not None:
                pubsub_server.stop(grace=0)
            stop_server(server, thread)
        return
    cmd = [
        sys.executable,
        "-m",
        "salesforce_emulator",
        "--host",
        host,
        "--port",
        str(port),
        "--db",
        db,
        "--seed",
        seed,
        "--api-limit",
        str(api_limit),
        "--threads",
        str(threads),
        "--latency-ms",
        str(latency_ms),
    ]
    cmd += ["--pubsub-port", str(pubsub_port)] if pubsub else ["--no-pubsub"]
    if bulk_records_per_s is not None:
        cmd += ["--bulk-records-per-s", str(bulk_records_per_s)]
    chosen = as_config(config)
    if chosen.source is not None:
        cmd += ["--config", str(chosen.source)]
    elif chosen != DEFAULT_CONFIG:
        raise ValueError("a subprocess emulator takes its configuration from a file")
    # The configuration travels as --config (or, for the plain org, not at all).
    env = {k: v for k, v in os.environ.items() if k != CONFIG_ENV_VAR}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    try:
        url, pubsub_address = _wait_for_url(proc, startup_timeout)
        control = EmulatorControl(url)
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                control.health()
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield RunningEmulator(url=url, control=control, process=proc, pubsub_address=pubsub_address)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _pubsub_installed() -> bool:
    """Whether the ``pubsub`` extra is installed (grpcio, fastavro, the interface)."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("grpc", "fastavro", "pubsub_api"))


def _wait_for_url(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """The emulator's URL and Pub/Sub address from its start-up lines."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    pubsub_address = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError(f"emulator exited with code {proc.returncode}")
            continue
        if line.startswith("SALESFORCE_PUBSUB_ADDRESS="):
            pubsub_address = line.strip().split("=", 1)[1]
        if line.startswith("SALESFORCE_EMULATOR_URL="):
            return line.strip().split("=", 1)[1], pubsub_address
    raise RuntimeError("emulator did not start in time")

"""``salesforce-emulator`` (or ``python -m salesforce_emulator``) ``--host 127.0.0.1
--port 8765 [--config FILE] [--db PATH|:memory:] [--seed demo|empty] [--demo-certificate PEM
[--demo-callback-url URL]] [--api-limit N] [--tls [--tls-dir DIR]] [--pubsub-port N |
--no-pubsub] [--latency-ms N] [--bulk-records-per-s N]``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .config import ConfigError, use_config


def _version() -> str:
    try:
        return version("salesforce-emulator")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _pubsub_server() -> Any:
    """``start_pubsub_server``, or None without the ``pubsub`` extra (grpcio, fastavro and
    the ``pubsub_api`` interface)."""
    try:
        from .pubsub import start_pubsub_server
    except ImportError:
        return None
    return start_pubsub_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="salesforce-emulator", description="Local Salesforce emulator"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--config",
        type=Path,
        help="the org's configuration (TOML: setup package, org settings, installed package, "
        "demo user; see README); default: $SALESFORCE_EMULATOR_CONFIG, else a plain org",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--db", default=":memory:", help="SQLite file, or :memory:")
    parser.add_argument("--seed", choices=["demo", "empty"], default="empty")
    parser.add_argument(
        "--demo-certificate",
        type=Path,
        help="with --seed demo: the certificate of the demo app's JWT key (if the file exists, "
        "the demo org gets that External Client App and SOAP login is off)",
    )
    parser.add_argument(
        "--demo-callback-url",
        help="with --demo-certificate: the demo app's callback URL, the only redirect_uri its "
        "web server flow (Connect with Salesforce) accepts, e.g. "
        "http://127.0.0.1:8000/integrations/salesforce/oauth/callback/",
    )
    parser.add_argument("--api-limit", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https:// with a self-signed certificate generated at start (its path is "
        "printed as SALESFORCE_EMULATOR_CERT=...)",
    )
    parser.add_argument(
        "--tls-dir", type=Path, help="with --tls: write cert.pem and key.pem here (default: temp)"
    )
    parser.add_argument(
        "--pubsub-port",
        type=int,
        default=None,
        help="port of the Pub/Sub API (gRPC; default: --port + 1, a free one with --port 0); "
        "0 picks a free one; printed as SALESFORCE_PUBSUB_ADDRESS=HOST:PORT; needs the "
        "pubsub extra (without it and without this option the Pub/Sub API is off)",
    )
    parser.add_argument("--no-pubsub", action="store_true", help="do not serve the Pub/Sub API")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0,
        help="every API request and Pub/Sub call waits this long before answering (network)",
    )
    parser.add_argument(
        "--bulk-records-per-s",
        type=float,
        default=None,
        help="Bulk API 2.0 jobs process at most this many records per second",
    )
    args = parser.parse_args(argv)
    if args.config is not None:
        try:
            use_config(args.config)  # before the object metadata is built (imports below)
        except ConfigError as exc:
            parser.error(str(exc))
    start_pubsub_server = None if args.no_pubsub else _pubsub_server()
    if start_pubsub_server is None and args.pubsub_port is not None and not args.no_pubsub:
        parser.error(
            "--pubsub-port needs the Pub/Sub API: pip install 'salesforce-emulator[pubsub]'"
        )
    if args.pubsub_port is None:
        args.pubsub_port = args.port + 1 if args.port else 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from .seed import demo_connected_app
    from .server import create_app, make_server, stop_server
    from .tls import make_tls_server, write_self_signed

    app = create_app(  # with this process's configuration (--config)
        args.db,
        seed=args.seed,
        api_limit=args.api_limit,
        latency_ms=args.latency_ms,
        bulk_records_per_s=args.bulk_records_per_s,
    )
    if args.seed == "demo" and args.demo_certificate and args.demo_certificate.is_file():
        demo_connected_app(
            app.store, args.demo_certificate.read_text(), callback_url=args.demo_callback_url
        )
        print("Demo org: JWT bearer app registered; SOAP login is off.", flush=True)
    if args.tls:
        cert, key = write_self_signed(args.host, args.tls_dir)
        tls_server = make_tls_server(app, args.host, args.port, cert, key)
        print(f"SALESFORCE_EMULATOR_CERT={cert}", flush=True)
        url = f"https://{args.host}:{tls_server.port}"
        pubsub_tls = {"cert": cert, "key": key}
    else:
        server = make_server(app, args.host, args.port, args.threads)
        url = f"http://{args.host}:{server.effective_port}"
        pubsub_tls = {}
    pubsub = None
    if start_pubsub_server is not None:
        pubsub = start_pubsub_server(app.store, args.host, args.pubsub_port, **pubsub_tls)
    elif not args.no_pubsub:
        print("Pub/Sub API off: pip install 'salesforce-emulator[pubsub]'", file=sys.stderr)
    if app.seed_info:
        info = app.seed_info
        print(
            f"Demo user: username={info['username']} password={info['password']} "
            f"security_token={info['security_token']}",
            flush=True,
        )
    # Machine-readable lines: testing.running_emulator(in_process=False) parses them (the
    # URL comes last: it means "ready").
    if pubsub is not None:
        print(f"SALESFORCE_PUBSUB_ADDRESS={pubsub.address}", flush=True)
    print(f"SALESFORCE_EMULATOR_URL={url}", flush=True)

    def _terminate(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _terminate)
    if args.tls:
        try:
            tls_server.serve_forever()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            tls_server.server_close()
            if pubsub is not None:
                pubsub.stop()
        return 0
    try:
        server.run()  # waitress returns from run() on SystemExit/KeyboardInterrupt
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop_server(server)
        if pubsub is not None:
            pubsub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

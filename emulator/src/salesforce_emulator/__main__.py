"""``python -m salesforce_emulator --host 127.0.0.1 --port 8765 [--db PATH|:memory:]
[--seed demo|empty] [--demo-certificate PEM [--demo-callback-url URL]] [--api-limit N]
[--tls [--tls-dir DIR]] [--pubsub-port N] [--latency-ms N] [--bulk-records-per-s N]``."""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path

from .pubsub import start_pubsub_server
from .seed import demo_connected_app
from .server import create_app, make_server, stop_server
from .tls import make_tls_server, write_self_signed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m salesforce_emulator", description="Local Salesforce emulator"
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
        "0 picks a free one; printed as SALESFORCE_PUBSUB_ADDRESS=HOST:PORT",
    )
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
    if args.pubsub_port is None:
        args.pubsub_port = args.port + 1 if args.port else 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    app = create_app(
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
        pubsub = start_pubsub_server(app.store, args.host, args.pubsub_port, cert=cert, key=key)
    else:
        server = make_server(app, args.host, args.port, args.threads)
        url = f"http://{args.host}:{server.effective_port}"
        pubsub = start_pubsub_server(app.store, args.host, args.pubsub_port)
    if app.seed_info:
        info = app.seed_info
        print(
            f"Demo user: username={info['username']} password={info['password']} "
            f"security_token={info['security_token']}",
            flush=True,
        )
    # Machine-readable lines: testing.running_emulator(in_process=False) parses them (the
    # URL comes last: it means "ready").
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
            pubsub.stop()
        return 0
    try:
        server.run()  # waitress returns from run() on SystemExit/KeyboardInterrupt
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop_server(server)
        pubsub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

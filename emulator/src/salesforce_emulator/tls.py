"""``--tls``: a self-signed certificate for the emulator's host, and a threaded HTTPS server.

waitress speaks plain HTTP only, so with ``--tls`` the app is served by Werkzeug's threaded
server with an SSL context instead (fine for clients that insist on ``https://``; the
benchmarks and most tests use plain HTTP and waitress). A ``reset_connection`` fault
then answers 503 instead of dropping the connection.
"""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server as werkzeug_server


def write_self_signed(host: str, directory: Path | None = None) -> tuple[Path, Path]:
    """A new key and a self-signed certificate for ``host`` (plus ``localhost``,
    ``127.0.0.1`` and ``::1``), valid for a year: ``(cert.pem, key.pem)`` in ``directory``
    (default: a new temporary directory)."""
    folder = directory or Path(tempfile.mkdtemp(prefix="salesforce-emulator-tls-"))
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    for ip in {"127.0.0.1", "::1", host}:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            names.append(x509.DNSName(ip))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def make_tls_server(app: Any, host: str, port: int, cert: Path, key: Path) -> Any:
    """A threaded HTTPS server (not yet serving); ``server.port`` is the bound port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return werkzeug_server(host, port, app, threaded=True, ssl_context=context)

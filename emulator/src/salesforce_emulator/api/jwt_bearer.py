"""The JWT bearer grant's assertion check, as Salesforce does it: an RS256 signature made
with the key of the certificate uploaded to the connected app (``iss`` = its consumer key),
``aud`` = the login host the assertion was posted to, an ``exp`` in the future but at most a
few minutes ahead, ``sub`` = the username. Verified with PyJWT."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ..store import ConnectedApp

#: Clock skew allowed on ``exp``, and how far ahead it may be (Salesforce: 3 minutes).
LEEWAY_S = 30
MAX_AHEAD_S = 5 * 60


class AssertionRefused(Exception):
    """A refused assertion: the OAuth ``error`` and ``error_description``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _invalid() -> AssertionRefused:
    return AssertionRefused("invalid_grant", "invalid assertion")


def load_certificate(pem: str) -> x509.Certificate:
    """A PEM X.509 certificate (ValueError if it is not one)."""
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"certificate must be a PEM X.509 certificate: {exc}") from exc


def verify_assertion(
    assertion: str,
    find_app: Callable[[str], ConnectedApp | None],
    audiences: set[str],
) -> tuple[dict[str, Any], str]:
    """The claims of a valid assertion and the audience it matched, or
    :class:`AssertionRefused`."""
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise _invalid() from exc
    if header.get("alg") != "RS256":
        raise _invalid()
    app = find_app(str(unverified.get("iss", "")))
    if app is None or not app.certificate:
        raise _invalid()
    try:
        key = load_certificate(app.certificate).public_key()
    except ValueError as exc:
        raise _invalid() from exc
    if not isinstance(key, rsa.RSAPublicKey):  # RS256 verifies with an RSA key only
        raise _invalid()
    try:
        claims = jwt.decode(
            assertion,
            key=key,
            algorithms=["RS256"],
            # exp is checked below: simple-salesforce sends it as a string of digits.
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise _invalid() from exc
    aud = claims.get("aud")
    given = [aud] if isinstance(aud, str) else list(aud or [])
    matched = [a.rstrip("/") for a in given if isinstance(a, str) and a.rstrip("/") in audiences]
    if not matched:
        raise AssertionRefused("invalid_grant", "audience is invalid")
    try:
        exp = float(claims["exp"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid() from exc
    now = time.time()
    if exp < now - LEEWAY_S:
        raise AssertionRefused("invalid_grant", "expired authorization code")
    if exp > now + MAX_AHEAD_S + LEEWAY_S:
        raise _invalid()
    return claims, matched[0]

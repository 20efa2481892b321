"""Where hubsync may send a Salesforce credential or token: Salesforce's own hosts only.

Every request the connector makes (SOAP and OAuth logins, REST, Bulk, Tooling, identity,
revocation) goes through :class:`HostGuardAdapter`, which refuses, before anything is sent
or counted, a URL whose host is not

- ``login.salesforce.com`` or ``test.salesforce.com``,
- a My Domain: ``*.my.salesforce.com`` (sandboxes: ``*.sandbox.my.salesforce.com``),
- the instance host Salesforce itself returned at login (``instance_url``, SOAP
  ``serverUrl``), exactly as returned (port included), or
- a host the operator lists in ``SALESFORCE_ALLOWED_HOSTS`` (``host`` or ``.suffix``),

and any URL that is not https, carries a user name or password in its address, or reaches
the emulator's control API (``/__emulator/``). This holds whatever a form, the admin or an
import let into the stored settings. Pure: no Django (the emulator's tests import the
transport).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter

from .errors import ConfigurationError

SALESFORCE_LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})
# acme.my.salesforce.com, acme--uat.sandbox.my.salesforce.com
MY_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(\.sandbox)?\.my\.salesforce\.com$")
EMULATOR_CONTROL_PATH = "/__emulator"


class UntrustedHost(ConfigurationError):
    """A request would have carried credentials or a token somewhere that is not Salesforce."""

    def __init__(self, url: str, reason: str) -> None:
        host = urlsplit(url).netloc or url
        super().__init__(
            f"hubsync sends Salesforce credentials only to Salesforce: refused {host!r} "
            f"({reason}). Use login.salesforce.com, test.salesforce.com or the org's My Domain "
            "(…my.salesforce.com), or list the host in SALESFORCE_ALLOWED_HOSTS.",
            code="UNTRUSTED_HOST",
        )


def is_my_domain(host: str) -> bool:
    return bool(MY_DOMAIN.match(host))


def operator_allows(host: str, allowed: Iterable[str]) -> bool:
    """Whether ``host`` is one the operator listed (``host``, or ``.suffix`` for subdomains)."""
    host = host.lower()
    for entry in allowed:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.startswith(".") and host.endswith(entry) and len(host) > len(entry):
            return True
        if host == entry:
            return True
    return False


def is_salesforce_login_host(host: str, allowed: Iterable[str] = ()) -> bool:
    """A host a login may go to: login/test.salesforce.com, a My Domain, or operator-listed."""
    host = host.lower()
    return host in SALESFORCE_LOGIN_HOSTS or is_my_domain(host) or operator_allows(host, allowed)


class HostPolicy:
    """The hosts one session may talk to: Salesforce's login hosts and My Domains, the
    operator's list, and the instance hosts Salesforce returned to this session's logins."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed = tuple(allowed)
        self.instances: set[str] = set()

    def allow_instance(self, url_or_host: str) -> None:
        """Salesforce's login answer named this instance: requests may go there now."""
        netloc = urlsplit(url_or_host).netloc if "//" in url_or_host else url_or_host
        if netloc:
            self.instances.add(netloc.lower())

    def check(self, url: str) -> None:
        """Raise :class:`UntrustedHost` unless ``url`` may carry credentials."""
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise UntrustedHost(url, "not https")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise UntrustedHost(url, "a user name in the address")
        if EMULATOR_CONTROL_PATH in unquote(parts.path).lower():
            raise UntrustedHost(url, "the emulator's control API")
        netloc, host = parts.netloc.lower(), (parts.hostname or "").lower()
        if netloc in self.instances:
            return
        try:
            port = parts.port
        except ValueError:
            raise UntrustedHost(url, "not a host") from None
        if port not in (None, 443):
            raise UntrustedHost(url, "not Salesforce's port")
        if not is_salesforce_login_host(host, self.allowed):
            raise UntrustedHost(url, "not a Salesforce host")


class HostGuardAdapter(BaseAdapter):
    """Checks each request's URL (the host the client means, before any emulator rewrite)
    against its :class:`HostPolicy`, then hands it to the real adapter."""

    def __init__(self, inner: BaseAdapter, policy: HostPolicy) -> None:
        super().__init__()
        self.inner = inner
        self.policy = policy

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.policy.check(request.url or "")
        return self.inner.send(request, *args, **kwargs)

    def close(self) -> None:
        self.inner.close()


def guard_session(session: requests.Session, policy: HostPolicy) -> requests.Session:
    """Route every request of ``session`` (any scheme) through ``policy``."""
    inner = session.adapters.get("https://") or requests.adapters.HTTPAdapter()
    plain = session.adapters.get("http://") or requests.adapters.HTTPAdapter()
    session.mount("https://", HostGuardAdapter(inner, policy))
    session.mount("http://", HostGuardAdapter(plain, policy))  # refused: not https
    return session


def host_policy(session: Any) -> HostPolicy | None:
    """The policy guarding ``session`` (or an OAuth session sharing its adapters)."""
    adapter = getattr(session, "adapters", {}).get("https://")
    return adapter.policy if isinstance(adapter, HostGuardAdapter) else None


def allow_instance(session: Any, instance_url: str) -> None:
    """After a login: the instance Salesforce returned may receive the session's token."""
    policy = host_policy(session)
    if policy is not None:
        policy.allow_instance(instance_url)

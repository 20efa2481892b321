"""Which users may log in at which host: ``login.salesforce.com`` (production users),
``test.salesforce.com`` (sandbox users), the org's My Domain (``my_domain``: production, or
sandbox for ``*.sandbox.my.salesforce.com``), and the emulator's own address (both).

The host a request meant is the adapter's ``X-Salesforce-Host`` or, for any other client, the
``Host`` header: a client that resolves ``test.salesforce.com`` to the emulator sends that
name there and gets the ``test`` rules. A ``Host`` that is no Salesforce name (an IP address,
``localhost``, a container's name) is the emulator's own address.

``login_requires_my_domain`` refuses logins at ``login``/``test``; once ``my_domain`` is set,
another org's My Domain does not know this org's users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import Ctx

SANDBOX_MARK = ".sandbox.my.salesforce.com"


@dataclass(frozen=True)
class LoginHost:
    """The host a login or token request was meant for, classified for this org."""

    host: str
    #: ``login`` | ``test`` | ``my_domain`` (the org's) | ``instance`` (the emulator itself,
    #: e.g. a direct client) | ``other`` (any other host, a My Domain when none is set)
    kind: str
    my_domain: str | None
    requires_my_domain: bool

    @property
    def generic(self) -> bool:
        """``login.salesforce.com`` or ``test.salesforce.com``."""
        return self.kind in ("login", "test")

    def admits(self, sandbox: bool) -> bool:
        """Whether a (sandbox or production) user may log in here."""
        if self.kind == "login":
            return not sandbox
        if self.kind == "test":
            return sandbox
        if self.kind == "my_domain":
            return sandbox == self.host.endswith(SANDBOX_MARK)
        if self.kind == "other":
            return self.my_domain is None
        return True

    def refusal(self) -> str | None:
        """Why the org refuses every login here (``login_requires_my_domain``), or None."""
        if self.generic and self.requires_my_domain:
            where = f": https://{self.my_domain}" if self.my_domain else ""
            return f"this org requires its My Domain login URL{where}"
        return None

    def audiences(self) -> set[str]:
        """JWT ``aud`` values a bearer assertion posted here may carry."""
        if self.kind == "instance":
            hosts = {"login.salesforce.com", "test.salesforce.com"}
            if self.my_domain:
                hosts.add(self.my_domain)
            return {f"https://{h}" for h in hosts}
        return {f"https://{self.host}"}

    def for_audience(self, aud: str) -> LoginHost:
        """At the instance, the login host the assertion's ``aud`` names (its user rules)."""
        if self.kind != "instance":
            return self
        host = aud.removeprefix("https://").rstrip("/").lower()
        return classify(host, "", self.my_domain, self.requires_my_domain)


#: Salesforce's own domains: a ``Host`` under one of them names a Salesforce host, not the
#: emulator's address (login/test, My Domains ``*.my.salesforce.com``, instances).
SALESFORCE_DOMAINS = ("salesforce.com", "force.com")


def is_salesforce_name(host: str) -> bool:
    """Whether ``host`` (a port allowed) is under one of Salesforce's domains."""
    name = host.lower().rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()
    return any(name == d or name.endswith("." + d) for d in SALESFORCE_DOMAINS)


def classify(sf_host: str, own_host: str, my_domain: str | None, requires: bool) -> LoginHost:
    """``sf_host`` as a login host; it is the emulator itself when it equals ``own_host``
    (the ``Host`` header) and is no Salesforce name."""
    host = sf_host.lower()
    if host.count(":") == 1 and is_salesforce_name(host):
        host = host.rsplit(":", 1)[0]  # test.salesforce.com:8765: the name is what counts
    first = host.split(".", 1)[0]
    if sf_host.lower() == own_host.lower() and not is_salesforce_name(host):
        kind = "instance"
    elif first in ("login", "test"):
        kind = first
    elif my_domain and host == my_domain:
        kind = "my_domain"
    else:
        kind = "other"
    return LoginHost(host, kind, my_domain, requires)


def login_host(ctx: Ctx, org: dict[str, Any]) -> LoginHost:
    """The login host of ``ctx`` under the org's settings."""
    return classify(
        ctx.sf_host, ctx.host, org.get("my_domain"), bool(org.get("login_requires_my_domain"))
    )

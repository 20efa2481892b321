"""What makes an emulated org someone's: the configuration a project passes.

Without any, the emulator is a plain Enterprise org: standard objects only, no installed
package, a generic demo user. A project describes its own org in a TOML file (every key is
optional; relative paths are relative to the file)::

    metadata_dir = "."              # a Salesforce DX project: custom fields, objects, labels

    [org]                           # org settings at start and after every reset
    org_name = "Acme Emulated Org"  # (the control API's names, see the README)

    [package]                       # what `connector_version` installs (Tooling API)
    name = "Acme Connector"
    namespace = "acme"
    description = "Acme's sync"
    version_label = "Acme_Connector_Version"   # the custom label it overrides

    [demo]                          # --seed demo
    username = "demo@acme.example"
    password = "demo-password"
    security_token = "DEMOTOKEN123"
    connector_version = "1.4.0"     # the package the demo org has installed
    consumer_key = "acme-demo-app"  # the demo's External Client App (--demo-certificate)
    consumer_secret = "demo-app-secret"

and hands it over with ``salesforce-emulator --config FILE``, ``running_emulator(config=...)``,
the pytest ini option ``salesforce_emulator_config`` or ``$SALESFORCE_EMULATOR_CONFIG``.

The setup package (``metadata_dir``) shapes the object metadata, which is built once per
process: every emulator a process starts in-process shares it (:func:`use_config` refuses a
second, different one). ``$SALESFORCE_METADATA_DIR`` overrides ``metadata_dir``.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

CONFIG_ENV_VAR = "SALESFORCE_EMULATOR_CONFIG"
METADATA_ENV_VAR = "SALESFORCE_METADATA_DIR"
_SCHEMA_MODULE = "salesforce_emulator.schema.objects"


class ConfigError(ValueError):
    """The configuration cannot be read or used."""


@dataclass(frozen=True)
class InstalledPackage:
    """The managed package the Tooling API reports installed once ``connector_version`` is
    set (``InstalledSubscriberPackage``, ``SubscriberPackage``, ``SubscriberPackageVersion``)."""

    name: str = "Connector"
    namespace: str | None = None
    description: str = ""
    #: The setup package's custom label whose ``ExternalString`` value ``connector_version``
    #: replaces (the version a deployed package reports); None: no label does.
    version_label: str | None = None


@dataclass(frozen=True)
class DemoOrg:
    """``--seed demo``: its user, the package it has installed, its External Client App."""

    username: str = "demo@example.com"
    password: str = "demo-password"
    security_token: str = "DEMOTOKEN123"
    first_name: str = "Demo"
    last_name: str = "User"
    connector_version: str | None = None
    consumer_key: str = "emulator-demo-app"
    consumer_secret: str = "demo-app-secret"

    @property
    def credentials(self) -> dict[str, str]:
        """``{username, password, security_token}``: what logs the demo user in."""
        return {
            "username": self.username,
            "password": self.password,
            "security_token": self.security_token,
        }


@dataclass(frozen=True)
class EmulatorConfig:
    """One org's configuration (see the module docstring)."""

    #: A Salesforce DX project (``sfdx-project.json``, ``force-app/main/default``); None: no
    #: setup package.
    metadata_dir: Path | None = None
    #: Org settings at start and after every reset (``org_name``, ``my_domain``...).
    org: dict[str, Any] = field(default_factory=dict)
    package: InstalledPackage = InstalledPackage()
    demo: DemoOrg = DemoOrg()
    #: The file it was read from (passed on to emulator subprocesses as ``--config``).
    source: Path | None = None

    def setup_package_dir(self) -> Path | None:
        """The setup package in force: ``$SALESFORCE_METADATA_DIR``, else ``metadata_dir``."""
        env = os.environ.get(METADATA_ENV_VAR)
        return Path(env) if env else self.metadata_dir


DEFAULT_CONFIG = EmulatorConfig()


def _section(data: dict[str, Any], name: str, kind: type, source: Path) -> Any:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) in [{name}]: {', '.join(unknown)}")
    return kind(**raw)


def load_config(path: str | Path) -> EmulatorConfig:
    """Read a configuration file (TOML)."""
    source = Path(path).resolve()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the emulator configuration {source}: {exc}") from exc
    unknown = sorted(set(data) - {"metadata_dir", "org", "package", "demo"})
    if unknown:
        raise ConfigError(f"{source}: unknown key(s): {', '.join(unknown)}")
    org = data.get("org", {})
    if not isinstance(org, dict):
        raise ConfigError(f"{source}: [org] must be a table")
    metadata = data.get("metadata_dir")
    return EmulatorConfig(
        metadata_dir=(source.parent / metadata).resolve() if metadata else None,
        org=dict(org),
        package=_section(data, "package", InstalledPackage, source),
        demo=_section(data, "demo", DemoOrg, source),
        source=source,
    )


def as_config(config: EmulatorConfig | str | Path | None) -> EmulatorConfig:
    """``config`` itself, the file it names, or (None) this process's :func:`active_config`."""
    if config is None:
        return active_config()
    if isinstance(config, EmulatorConfig):
        return config
    return load_config(config)


_active: EmulatorConfig | None = None


def active_config() -> EmulatorConfig:
    """This process's configuration: the one :func:`use_config` chose, else the file
    ``$SALESFORCE_EMULATOR_CONFIG`` names, else :data:`DEFAULT_CONFIG`."""
    if _active is not None:
        return _active
    path = os.environ.get(CONFIG_ENV_VAR)
    return load_config(path) if path else DEFAULT_CONFIG


def use_config(config: EmulatorConfig | str | Path) -> EmulatorConfig:
    """Make ``config`` this process's, before its object metadata is built (the first
    emulator or ``salesforce_emulator.schema`` import builds it from the setup package).
    Raises :class:`ConfigError` if it was built from another setup package."""
    global _active
    chosen = as_config(config)
    _check_built(chosen)
    _active = chosen
    return chosen


def for_emulator(config: EmulatorConfig | str | Path | None) -> EmulatorConfig:
    """The configuration an in-process emulator starts with: ``config`` (None: this
    process's). The first one to build the object metadata becomes this process's
    (:func:`use_config`); later ones must have the same setup package (ConfigError)."""
    if config is None:
        return active_config()
    chosen = as_config(config)
    if sys.modules.get(_SCHEMA_MODULE) is None:
        return use_config(chosen)
    _check_built(chosen)
    return chosen


def _check_built(config: EmulatorConfig) -> None:
    built = sys.modules.get(_SCHEMA_MODULE)
    if built is None:
        return
    have, want = built.SETUP_PACKAGE.directory, config.setup_package_dir()
    if _resolved(have) != _resolved(want):
        raise ConfigError(
            f"this process's emulator objects were built from the setup package {have}; "
            f"a configuration with {want} needs a process of its own (in_process=False)"
        )


def _resolved(path: Path | None) -> Path | None:
    return path.resolve() if path else None

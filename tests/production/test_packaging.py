"""What `pip install .` of hubsync brings, from the metadata hatchling built for this checkout:
no Salesforce emulator and no Werkzeug outside the demo and dev extras, Salesforce's Pub/Sub
interface always (its own small distribution, pubsub-api/). `make test-emulator` installs
both ways into new venvs; this is the quick check."""

from __future__ import annotations

import sysconfig
import tomllib
from importlib.metadata import Distribution, distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL_ONLY = {"salesforce-emulator", "werkzeug"}


def _installed() -> Distribution:
    """hubsync as installed in this environment (not a stale ``hubsync.egg-info`` of the
    checkout, which is on the path too)."""
    [installed] = distributions(name="hubsync", path=[sysconfig.get_paths()["purelib"]])
    return installed


def _requirements() -> list[Requirement]:
    return [Requirement(text) for text in _installed().requires or []]


def _extras(requirement: Requirement) -> set[str]:
    marker = str(requirement.marker or "")
    return {extra for extra in ("demo", "dev") if f'extra == "{extra}"' in marker}


def test_production_needs_neither_the_emulator_nor_werkzeug():
    production = [r for r in _requirements() if r.marker is None]
    names = {r.name.lower() for r in production}
    assert not names & OPTIONAL_ONLY, names & OPTIONAL_ONLY
    [interface] = [r for r in production if r.name == "salesforce-pubsub-api"]
    assert interface.url == (ROOT / "pubsub-api").as_uri()  # this checkout's folder


def test_the_demo_and_dev_extras_bring_the_emulator_from_its_folder():
    emulator = [r for r in _requirements() if r.name == "salesforce-emulator"]
    assert {extra for r in emulator for extra in _extras(r)} == {"demo", "dev"}
    assert {r.url for r in emulator} == {(ROOT / "emulator").as_uri()}
    assert all("pubsub" in r.extras for r in emulator)


def test_hubsyncs_wheel_holds_only_its_own_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert sorted(packages) == ["connector", "hubsync", "marketing", "operations", "settings_ui"]


def test_the_emulator_distribution_needs_no_django():
    project = tomllib.loads((ROOT / "emulator" / "pyproject.toml").read_text())["project"]
    everything = project["dependencies"] + [
        text for extra in project["optional-dependencies"].values() for text in extra
    ]
    assert not [text for text in everything if Requirement(text).name.lower() == "django"]
    assert project["scripts"] == {"salesforce-emulator": "salesforce_emulator.__main__:main"}
    assert project["entry-points"]["pytest11"] == {
        "salesforce_emulator": "salesforce_emulator.pytest_plugin"
    }

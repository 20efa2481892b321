"""The emulator as a distribution of its own: its command and pytest plugin are registered,
and without a configuration its org is a plain one (nothing of the project it was written
for); with one, the configuration decides the org's name, package, setup package and demo."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points, version
from pathlib import Path

import pytest

from salesforce_emulator.config import (
    DEFAULT_CONFIG,
    ConfigError,
    EmulatorConfig,
    active_config,
    load_config,
    use_config,
)
from salesforce_emulator.testing import running_emulator

TESTS_ORG = Path(__file__).parent / "org" / "emulator.toml"
PACKAGE_QUERY = "SELECT Id, SubscriberPackage.NamespacePrefix FROM InstalledSubscriberPackage"
LABELS_QUERY = "SELECT Name, Value FROM ExternalString"


def test_the_command_and_the_pytest_plugin_are_registered():
    [script] = entry_points(group="console_scripts", name="salesforce-emulator")
    assert script.value == "salesforce_emulator.__main__:main"
    [plugin] = entry_points(group="pytest11", name="salesforce_emulator")
    assert plugin.value == "salesforce_emulator.pytest_plugin"
    command = Path(sys.executable).parent / "salesforce-emulator"
    done = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"salesforce-emulator {version('salesforce-emulator')}"


def test_these_tests_run_against_the_org_their_ini_option_names():
    config = active_config()
    assert config.source == TESTS_ORG.resolve()
    assert config.metadata_dir == TESTS_ORG.parent.resolve()
    assert config.package.namespace == "hubsync"


def test_a_configuration_file_is_checked(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text(
        'metadata_dir = "dx"\n[org]\norg_name = "Acme"\n[demo]\nusername = "d@acme.x"\n'
    )
    config = load_config(path)
    assert config.metadata_dir == tmp_path / "dx"  # relative to the file
    assert config.org == {"org_name": "Acme"} and config.demo.username == "d@acme.x"
    assert config.demo.password == DEFAULT_CONFIG.demo.password  # unset keys: the defaults
    for text, message in (
        ("orgname = 1\n", "unknown key"),
        ("[demo]\nuser = 'x'\n", r"unknown key\(s\) in \[demo\]: user"),
        ("[package]\nname = \n", "cannot read"),
    ):
        path.write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_one_process_keeps_one_setup_package(tmp_path):
    import salesforce_emulator.schema  # noqa: F401  (built from the tests' org)

    with pytest.raises(ConfigError, match="needs a process of its own"):
        use_config(EmulatorConfig(metadata_dir=tmp_path))
    assert active_config().source == TESTS_ORG.resolve()  # unchanged


def test_an_unknown_org_setting_in_the_configuration_fails_at_start(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text(
        f"metadata_dir = '{TESTS_ORG.parent}'\n[org]\nhubsync_metadata_deployed = false\n"
    )
    expected = pytest.raises(ValueError, match="unknown org setting 'hubsync_metadata_deployed'")
    with expected, running_emulator(config=path):
        pass
    assert active_config().source == TESTS_ORG.resolve()  # an emulator's, not the process's


@pytest.mark.subprocess
def test_without_configuration_the_org_is_plain():
    """No --config: standard objects only, no package, the emulator's own demo user."""
    with running_emulator(in_process=False, config=DEFAULT_CONFIG, seed="demo") as emu:
        org = emu.control.org()
        assert org["org_name"] == "Emulated Org" and org["connector_version"] is None
        sf = emu.salesforce(**DEFAULT_CONFIG.demo.credentials)
        assert DEFAULT_CONFIG.demo.username == "demo@example.com"
        assert not [f for f in sf.Lead.describe()["fields"] if f["name"].endswith("__c")]
        assert sf.toolingexecute(f"query/?q={PACKAGE_QUERY}")["totalSize"] == 0
        assert sf.toolingexecute(f"query/?q={LABELS_QUERY}")["totalSize"] == 0
        assert "HubSpot_Intelligence__c" not in [o["name"] for o in sf.describe()["sobjects"]]


@pytest.mark.subprocess
def test_the_configuration_makes_the_org(tmp_path):
    """The tests' org file, passed on to a subprocess as --config: its name, its setup
    package, its demo user with the package installed, its labels."""
    with running_emulator(in_process=False, config=TESTS_ORG, seed="demo") as emu:
        config = load_config(TESTS_ORG)
        assert emu.control.org()["org_name"] == config.org["org_name"]
        sf = emu.salesforce(**config.demo.credentials)
        assert "HubSync_Id__c" in [f["name"] for f in sf.Lead.describe()["fields"]]
        package = sf.toolingexecute(f"query/?q={PACKAGE_QUERY}")["records"]
        assert [p["SubscriberPackage"]["NamespacePrefix"] for p in package] == ["hubsync"]
        labels = sf.toolingexecute(f"query/?q={LABELS_QUERY}")["records"]
        assert [(r["Name"], r["Value"]) for r in labels] == [
            ("HubSync_Connector_Version", config.demo.connector_version)
        ]

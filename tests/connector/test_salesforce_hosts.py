"""Secrets go only to Salesforce: the client refuses to send credentials or tokens to a host
that is not Salesforce's, whatever got into the stored settings (connector/salesforce_hosts.py).

The stored rows here are written past every rule on purpose (``.update()``), as a row saved
before the rules existed would be: the client must hold on its own.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.client import salesforce_transport
from connector.credentials.services import (
    integration_connection_test,
    integration_credentials_update,
)
from connector.models import AuthMethod, IntegrationSettings, SyncRun
from connector.salesforce_hosts import HostGuardAdapter, HostPolicy, UntrustedHost
from connector.sync.cycle import sync_cycle_run
from salesforce_emulator.client import EmulatorAdapter
from salesforce_emulator.testing import jwt_key_pair
from tests.conftest import SF_USERNAME

pytestmark = pytest.mark.django_db

ALLOWED = (
    "https://login.salesforce.com/services/Soap/u/59.0",
    "https://test.salesforce.com/services/oauth2/token",
    "https://acme.my.salesforce.com/services/oauth2/token",
    "https://acme--uat.sandbox.my.salesforce.com/services/oauth2/token",
    "https://LOGIN.salesforce.com:443/services/oauth2/token",
)
REFUSED = (
    "https://127.0.0.1:9443#/services/Soap/u/59.0",  # My Domain "127.0.0.1:9443#"
    "https://x.test/__emulator/stats/reset?/services/oauth2/token",
    "https://acme.my.salesforce.com/__emulator/stats/reset?/services/oauth2/token",
    "https://acme.my.salesforce.com/%5F%5Femulator/reset",
    "https://evil.example/services/oauth2/token",
    "https://login.salesforce.com.evil.example/services/oauth2/token",
    "https://my.salesforce.com.evil.example/services/oauth2/token",
    "https://login.salesforce.com:8443/services/oauth2/token",
    "https://login.salesforce.com@evil.example/services/oauth2/token",
    "https://user:pw@login.salesforce.com/services/oauth2/token",
    "http://login.salesforce.com/services/oauth2/token",
)


@pytest.mark.parametrize("url", ALLOWED)
def test_salesforce_hosts_are_allowed(url):
    HostPolicy().check(url)


@pytest.mark.parametrize("url", REFUSED)
def test_other_hosts_and_the_emulators_control_api_are_refused(url):
    with pytest.raises(UntrustedHost):
        HostPolicy().check(url)


def test_the_instance_salesforce_returned_and_the_operators_hosts_are_allowed():
    policy = HostPolicy(allowed=["acme.my.salesforce.mil", ".cloudforce.example"])
    policy.check("https://acme.my.salesforce.mil/services/oauth2/token")
    policy.check("https://eu.cloudforce.example/services/oauth2/token")
    with pytest.raises(UntrustedHost):
        policy.check("https://na99.salesforce.com/services/data/v59.0/")
    policy.allow_instance("https://na99.salesforce.com")
    policy.check("https://na99.salesforce.com/services/data/v59.0/")


def store_past_the_rules(integration_settings: IntegrationSettings, **values) -> None:
    IntegrationSettings.objects.filter(pk=integration_settings.pk).update(**values)
    integration_settings.refresh_from_db()


@pytest.mark.parametrize(
    "my_domain",
    [
        "127.0.0.1:9443#",
        "x.test/__emulator/stats/reset?",
        "acme.my.salesforce.com/__emulator/stats/reset?",
    ],
)
def test_a_stored_host_that_is_not_salesforce_gets_no_request(
    salesforce, integration_settings, my_domain, admin_browser
):
    assert integration_connection_test(integration_settings=integration_settings)[0]
    before = salesforce.control.stats()["total_requests"]
    assert before > 0  # so that a reset through the control API would show
    store_past_the_rules(integration_settings, my_domain=my_domain)
    ok, code, message = integration_connection_test(integration_settings=integration_settings)
    assert not ok and code == "UNTRUSTED_HOST"
    assert "only to Salesforce" in message
    # The page's Test connection says so too (no 500), and a cycle fails with the reason.
    response = admin_browser.post(reverse("settings_ui:salesforce_test_connection"), follow=True)
    assert response.status_code == 200
    assert "only to Salesforce" in response.content.decode()
    integration_settings.sync_enabled = True
    integration_settings.save()
    sync_cycle_run(trigger="test")
    run = SyncRun.objects.latest("started_at")
    assert run.status == "failed"
    # Not one request reached the emulator (its control API included: stats not reset).
    assert salesforce.control.stats()["total_requests"] == before


def test_a_token_answer_without_instance_url_is_a_clear_error(
    salesforce, integration_settings, admin_browser
):
    key, certificate = jwt_key_pair()
    salesforce.control.add_connected_app("3MVG9-hosts", "secret", certificate=certificate)
    integration_credentials_update(
        integration_settings=integration_settings,
        acting_user=None,
        method=AuthMethod.JWT,
        consumer_key="3MVG9-hosts",
        username=SF_USERNAME,
        private_key=key,
    )
    assert integration_connection_test(integration_settings=integration_settings)[0]
    answer = {"access_token": "00D000000000001!token", "token_type": "Bearer"}
    salesforce.control.add_fault("/services/oauth2/token", status=200, body=answer, count=2)
    ok, code, message = integration_connection_test(integration_settings=integration_settings)
    assert not ok and code == "NO_INSTANCE_URL"
    assert "names no Salesforce instance" in message
    response = admin_browser.post(reverse("settings_ui:salesforce_test_connection"), follow=True)
    assert response.status_code == 200
    assert "names no Salesforce instance" in response.content.decode()


def test_the_emulator_adapter_is_used_only_with_the_emulator_setting(
    settings, integration_settings
):
    """Behind the host guard (and the meter), the session talks to the emulator only when
    SALESFORCE_EMULATOR_URL is set; otherwise to the host the URL names."""

    def innermost(url: str, emulator_url: str | None):
        settings.SALESFORCE_EMULATOR_URL = emulator_url
        adapter = salesforce_transport(integration_settings).get_adapter(url)
        assert isinstance(adapter, HostGuardAdapter)
        while hasattr(adapter, "inner"):
            adapter = adapter.inner
        return adapter

    assert not isinstance(innermost("https://login.salesforce.com/", None), EmulatorAdapter)
    assert isinstance(
        innermost("https://login.salesforce.com/", "http://127.0.0.1:9"), EmulatorAdapter
    )

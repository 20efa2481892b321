"""`manage.py demo_setup` is for development: with DEBUG off it refuses in one line and
creates nothing (its superuser's password is published), unless told --allow-production."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from settings_ui.management.commands import demo_setup

pytestmark = pytest.mark.django_db


def test_demo_setup_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("demo_setup", stdout=io.StringIO())
    assert refused.value.returncode == 2
    assert "\n" not in str(refused.value)
    assert "--allow-production" in str(refused.value)
    assert not get_user_model().objects.filter(username=demo_setup.DEMO_USERNAME).exists()


def test_demo_setup_runs_with_debug_off_when_told(settings, monkeypatch):
    settings.DEBUG = False
    settings.SALESFORCE_EMULATOR_URL = None
    monkeypatch.setattr(demo_setup, "demo_seed", lambda: {})
    call_command("demo_setup", "--allow-production", stdout=io.StringIO())
    assert get_user_model().objects.filter(username=demo_setup.DEMO_USERNAME).exists()

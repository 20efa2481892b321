"""Request bodies are bounded in Django too (any server, not only hubsync.serve)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_before_django_reads_it(client):
    body = b"x" * (settings.MAX_REQUEST_BODY_BYTES + 1)
    response = client.post(reverse("login"), data=body, content_type="application/octet-stream")
    assert response.status_code == 413


@pytest.mark.django_db
def test_form_fields_over_djangos_own_limit_are_a_bad_request(client):
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(reverse("login"), data={"username": big, "password": "p"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_body_under_the_limit_reaches_the_view(client):
    response = client.post(reverse("login"), data={"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


@pytest.mark.subprocess
def test_a_management_command_prints_only_its_own_output(tmp_path):
    """django-axes announced itself on every start; no library line reaches a command."""
    env = os.environ | {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "contacts_export"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines()[0].startswith("email,")
    assert len(done.stdout.splitlines()) == 1

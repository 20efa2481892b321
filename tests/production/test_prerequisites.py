"""`make test` on a machine without what its tests need: it installs it or says so at once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]


def test_without_chromium_and_no_way_to_install_it_make_stops_with_one_line(tmp_path):
    # A PATH with neither apt-get nor sudo: nothing can install Chromium.
    (tmp_path / "id").symlink_to(shutil.which("id"))
    done = subprocess.run(
        [shutil.which("make"), "-s", "--no-print-directory", "test-prerequisites"],
        cwd=ROOT,
        env={"PATH": str(tmp_path), "CHROMIUM": str(tmp_path / "no-chromium")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout.strip().splitlines() == [
        f"make test needs Chromium at {tmp_path / 'no-chromium'}: install it (Debian/Ubuntu: "
        "sudo apt-get install chromium), or set CHROMIUM=/path/to/chromium"
    ]


def test_without_npm_make_stops_with_one_line(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "id").symlink_to(shutil.which("id"))
    done = subprocess.run(
        [shutil.which("make"), "-s", "--no-print-directory", "test-prerequisites"],
        cwd=ROOT,
        env={"PATH": str(tmp_path / "bin"), "CHROMIUM": str(chromium)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout.strip().splitlines() == [
        "make test needs Node.js 18+ with npm (Debian/Ubuntu: sudo apt-get install nodejs npm)"
    ]


def test_with_chromium_present_the_check_passes_silently(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    done = subprocess.run(
        [shutil.which("make"), "-s", "--no-print-directory", "test-prerequisites"],
        cwd=ROOT,
        env={
            "PATH": f"{Path(shutil.which('npm')).parent}:/usr/bin:/bin",
            "CHROMIUM": str(chromium),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")

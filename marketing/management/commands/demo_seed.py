"""``manage.py demo_seed``: load deterministic demo data (skipped if already loaded)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand

from marketing.demo import demo_seed


class Command(BaseCommand):
    help = "Create demo contacts, companies, smart lists, activities and CRM tasks (idempotent)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--contacts", type=int, default=300, help="Number of demo contacts.")
        parser.add_argument("--seed", type=int, default=7, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = demo_seed(contacts=options["contacts"], seed=options["seed"])
        if counts["skipped"]:
            self.stdout.write("Demo data already present; nothing created.")
            return
        self.stdout.write(
            ", ".join(f"{n} {kind}" for kind, n in counts.items() if kind != "skipped")
        )

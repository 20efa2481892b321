"""``Sforce-Duplicate-Rule-Header``: whether a REST write may save records that the org's
duplicate *alert* rules flag (``allowSave=true``); *block* rules refuse them regardless.
Salesforce reads it on sObject rows, upserts, Collections and composite subrequests; Bulk
API 2.0 has no such header and the emulator's Bulk jobs always let alerts through."""

from __future__ import annotations

import re

from .common import Ctx

HEADER = "Sforce-Duplicate-Rule-Header"


def allow_save(ctx: Ctx) -> bool:
    """``allowSave=true`` among the header's ``key=value`` pairs (``,`` or ``;`` apart)."""
    value = next((v for k, v in ctx.headers.items() if k.lower() == HEADER.lower()), "")
    pairs = (p.partition("=") for p in re.split(r"[,;]", value))
    return any(
        k.strip().lower() == "allowsave" and v.strip().lower() == "true" for k, _, v in pairs
    )

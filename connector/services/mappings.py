"""Field mapping writes (the Django admin today): the one place a mapping changes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..models import FieldMapping
from ..sync.failures import contact_failures_unpark


@transaction.atomic
def field_mapping_save(
    *, mapping: FieldMapping, acting_user: AbstractBaseUser | None, **changes: Any
) -> FieldMapping:
    """Validate and save a mapping. Records that failed — those that needed a fix too: a
    required field may now be mapped, a read-only one unmapped — are tried again."""
    for name, value in changes.items():
        setattr(mapping, name, value)
    mapping.full_clean()
    mapping.save()
    contact_failures_unpark(failed=True)
    return mapping

"""Who made a change: the user every settings write records (django-simple-history)."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

#: ``request.user`` as a view or the admin has it, or None for a command or the demo.
ActingUser: TypeAlias = AbstractBaseUser | AnonymousUser | None


def acting_user_or_none(acting_user: ActingUser) -> AbstractBaseUser | None:
    """The signed-in user; None for nobody (a command) or an anonymous request."""
    return acting_user if isinstance(acting_user, AbstractBaseUser) else None


def history_user_set(instance: models.Model, acting_user: ActingUser) -> None:
    """Name ``acting_user`` as the author of ``instance``'s next history row."""
    user = acting_user_or_none(acting_user)
    instance._history_user = user  # type: ignore[attr-defined]  # simple-history reads it on save

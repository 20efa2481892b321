"""JSON columns with bounded size and depth, wherever they are written.

:class:`BoundedJSONField` is ``models.JSONField`` with a validator (``full_clean``: the admin,
services that validate) and a form field that parses what a person typed within the same
bounds, so ``"[" * 50000`` in an admin text box is a field error, never a
``RecursionError`` (a 500).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from marketing.json_bounds import JsonTooDeep, json_depth, json_loads_bounded

DEFAULT_MAX_DEPTH = 8
DEFAULT_MAX_BYTES = 256 * 1024
# Columns the sync fills from Salesforce's answers (describe, run counts, ids): generous.
SYNC_WRITTEN_MAX_BYTES = 8 * 1024 * 1024

TOO_DEEP = _("The JSON is nested too deeply (more than %(depth)s levels).")
TOO_LARGE = _("The JSON is larger than %(size)s bytes.")


@deconstructible
class JsonBoundsValidator:
    """Refuses a value nested deeper than ``max_depth`` or longer than ``max_bytes`` as JSON."""

    def __init__(self, max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_depth = max_depth
        self.max_bytes = max_bytes

    def __call__(self, value: Any) -> None:
        if json_depth(value) > self.max_depth:  # first: dumping a deep value recurses
            raise ValidationError(TOO_DEEP, code="json_too_deep", params={"depth": self.max_depth})
        if len(json.dumps(value, default=str).encode()) > self.max_bytes:
            raise ValidationError(TOO_LARGE, code="json_too_large", params={"size": self.max_bytes})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonBoundsValidator) and (self.max_depth, self.max_bytes) == (
            other.max_depth,
            other.max_bytes,
        )


class BoundedJSONFormField(forms.JSONField):
    """Parses typed JSON within the bounds: too deep or too large is an error on the field."""

    def __init__(
        self,
        *args: Any,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_bytes: int = DEFAULT_MAX_BYTES,
        **kwargs: Any,
    ) -> None:
        self.max_depth = max_depth
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if self.disabled or not isinstance(value, str) or not value.strip():
            return super().to_python(value)
        # The request body is bounded (MAX_REQUEST_BODY_BYTES): parsing it is, too.
        try:
            json_loads_bounded(value, max_depth=self.max_depth)
        except JsonTooDeep:
            raise ValidationError(  # noqa: B904 — the parser's own error says nothing more
                TOO_DEEP, code="json_too_deep", params={"depth": self.max_depth}
            )
        except ValueError:
            pass  # invalid JSON: the parent reports it in its own words
        if len(value.encode()) > self.max_bytes:
            raise ValidationError(TOO_LARGE, code="json_too_large", params={"size": self.max_bytes})
        return super().to_python(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Showing again what was typed parses it again: too deep, it is shown as typed.
        if isinstance(data, str) and len(data.encode()) > self.max_bytes:
            return InvalidJSONInput(data)
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)


class BoundedJSONField(models.JSONField):
    """A JSON column whose values are at most ``max_depth`` deep and ``max_bytes`` long."""

    def __init__(
        self,
        *args: Any,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_bytes: int = DEFAULT_MAX_BYTES,
        **kwargs: Any,
    ) -> None:
        self.max_depth = max_depth
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)

    @property
    def validators(self) -> list[Any]:
        return [*super().validators, JsonBoundsValidator(self.max_depth, self.max_bytes)]

    def validate(self, value: Any, model_instance: Any) -> None:
        # The bounds first: the parent dumps the value, which recurses once per level.
        JsonBoundsValidator(self.max_depth, self.max_bytes)(value)
        super().validate(value, model_instance)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.max_depth != DEFAULT_MAX_DEPTH:
            kwargs["max_depth"] = self.max_depth
        if self.max_bytes != DEFAULT_MAX_BYTES:
            kwargs["max_bytes"] = self.max_bytes
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(
            **{
                "form_class": BoundedJSONFormField,
                "max_depth": self.max_depth,
                "max_bytes": self.max_bytes,
                **kwargs,
            }
        )

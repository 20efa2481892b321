"""The control API client's methods for duplicate rules, validation rules and custom fields
(mixed into :class:`~.testing.EmulatorControl`; see the README's Control API)."""

from __future__ import annotations

from typing import Any, cast


class RulesControlMixin:
    """``/__emulator/duplicate-rules``, ``/__emulator/validation-rules``,
    ``/__emulator/fields``."""

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError  # EmulatorControl's

    def add_duplicate_rule(
        self,
        sobject: str,
        name: str,
        *,
        action: str = "block",
        match_fields: list[str] | None = None,
        match_objects: list[str] | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        """Activate a duplicate rule of ``sobject`` (``block`` or ``alert``) matching records
        of ``match_objects`` (default: ``[sobject]``) on ``match_fields`` (default
        ``["Email"]``); a rule of the same name is replaced. Returns the rule."""
        body = {
            "object": sobject,
            "name": name,
            "action": action,
            "match_fields": match_fields,
            "match_objects": match_objects,
            "message": message,
        }
        return self._call("POST", "duplicate-rules", json=body)

    def duplicate_rules(self) -> list[dict[str, Any]]:
        return cast("list[dict[str, Any]]", self._call("GET", "duplicate-rules")["rules"])

    def delete_duplicate_rules(self, name: str | None = None) -> int:
        """Remove the rule ``name`` (None: every rule); returns how many went."""
        path = f"duplicate-rules/{name}" if name else "duplicate-rules"
        return cast("int", self._call("DELETE", path)["deleted"])

    def add_validation_rule(
        self,
        sobject: str,
        name: str,
        field: str,
        operator: str,
        message: str,
        *,
        value: Any = None,
        error_field: str | None = None,
        active: bool = True,
    ) -> dict[str, Any]:
        """A validation rule: a save whose record meets ``field operator value``
        (``blank``, ``not_blank``, ``equals``, ``not_equals``, ``contains``, ``matches``)
        fails with FIELD_CUSTOM_VALIDATION_EXCEPTION ``message`` on ``error_field`` (None:
        top of the page). Same object and name: replaced. Returns the rule."""
        body = {
            "object": sobject,
            "name": name,
            "field": field,
            "operator": operator,
            "value": value,
            "message": message,
            "error_field": error_field,
            "active": active,
        }
        return self._call("POST", "validation-rules", json=body)

    def validation_rules(self) -> list[dict[str, Any]]:
        return cast("list[dict[str, Any]]", self._call("GET", "validation-rules")["rules"])

    def delete_validation_rules(self, name: str | None = None) -> int:
        """Remove the rules called ``name`` (None: every rule); returns how many went."""
        path = f"validation-rules/{name}" if name else "validation-rules"
        return cast("int", self._call("DELETE", path)["deleted"])

    def add_field(
        self,
        sobject: str,
        name: str,
        field_type: str = "string",
        *,
        label: str | None = None,
        length: int | None = None,
        required: bool = False,
        picklist_values: list[str] | None = None,
        restricted: bool | None = None,
    ) -> dict[str, Any]:
        """Create custom field ``name`` (``X__c``) on ``sobject``, as an admin does in Setup:
        ``string``, ``picklist``, ``email``, ``boolean``, ``double``, ``date``, ``textarea``.
        Returns its definition."""
        body: dict[str, Any] = {
            "object": sobject,
            "name": name,
            "type": field_type,
            "label": label,
            "length": length,
            "required": required,
            "picklist_values": picklist_values,
        }
        if restricted is not None:
            body["restricted"] = restricted
        return self._call("POST", "fields", json=body)

    def custom_fields(self) -> list[dict[str, Any]]:
        """The fields added with :meth:`add_field`."""
        return cast("list[dict[str, Any]]", self._call("GET", "fields")["fields"])

    def delete_field(self, sobject: str, name: str) -> dict[str, Any]:
        """Delete a field added with :meth:`add_field` (and its values)."""
        return cast("dict[str, Any]", self._call("DELETE", f"fields/{sobject}/{name}")["deleted"])

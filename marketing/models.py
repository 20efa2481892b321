"""The marketing database: contacts, companies, smart lists, activities and CRM tasks.

Models hold data and invariants only (STYLE.md point 3): choices, constraints and
``clean()``. Writes go through :mod:`marketing.services`, reads through
:mod:`marketing.selectors`.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models.functions import Lower
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from marketing.choices import (
    ActivityType,
    CrmTaskKind,
    CrmTaskStatus,
    LifecycleStage,
    SalesforceObject,
)
from marketing.json_fields import BoundedJSONField
from marketing.smart_list_criteria import validate_criteria

__all__ = [
    "Activity",
    "Campaign",
    "CampaignMember",
    "ActivityType",
    "Company",
    "Contact",
    "CrmTask",
    "CrmTaskKind",
    "CrmTaskStatus",
    "LifecycleStage",
    "Opportunity",
    "OpportunityContactRole",
    "SalesforceObject",
    "SmartList",
]


class Company(models.Model):
    """A company (Salesforce Account when account sync is on).

    ``properties`` is free-form: account sync copies every Account field into it.
    """

    name = models.CharField(max_length=255)
    domain = models.CharField(max_length=255, blank=True)
    properties = BoundedJSONField(default=dict, blank=True, max_bytes=1024 * 1024)
    salesforce_id = models.CharField(max_length=18, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name_plural = _("companies")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person in the marketing database.

    Email is unique case-insensitively (``Lower("email")`` constraint) but stored
    as given. ``salesforce_id``/``salesforce_object`` are the sync link written
    by the connector; they stay blank until the contact is linked.
    """

    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    job_title = models.CharField(max_length=255, blank=True)
    # Free text as typed ("USA", "Deutschland"); normalised only when sent to Salesforce.
    state = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    lifecycle_stage = models.CharField(
        max_length=32, choices=LifecycleStage.choices, default=LifecycleStage.SUBSCRIBER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    # Indexed by Meta.indexes alone: a link is looked up by equality, never by a LIKE, and
    # "Lead" or "Contact" each matches half the table, so no index serves salesforce_object.
    # Every index of the table is written again each time the push links a contact.
    salesforce_id = models.CharField(max_length=18, blank=True)
    salesforce_object = models.CharField(max_length=7, choices=SalesforceObject.choices, blank=True)
    # The contact's id in Salesforce (HubSync_Id__c): random, so that nobody can create a
    # record carrying the id of a contact hubsync is about to push.
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="marketing_contact_email_ci_unique",
                violation_error_message=_("A contact with this email already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at"], name="marketing_contact_updated_idx"),
            models.Index(fields=["salesforce_id"], name="marketing_contact_sf_id_idx"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Strip before the field validators run: EmailField rejects " a@x.com ",
        # and full_clean() calls clean_fields() before clean().
        self.email = (self.email or "").strip()
        super().clean_fields(exclude=exclude)

    def full_clean(self, exclude: Iterable[str] | None = None, *args: Any, **kwargs: Any) -> None:
        # A form that already refused the email excludes it: clean() then says nothing more
        # about it (one error per bad value).
        self._clean_exclude = set(exclude or ())
        try:
            super().full_clean(exclude, *args, **kwargs)
        finally:
            del self._clean_exclude

    def clean(self) -> None:
        """Strip the email and check it is a valid address."""
        super().clean()
        if "email" in getattr(self, "_clean_exclude", ()):
            return
        self.email = (self.email or "").strip()
        if not self.email:
            raise ValidationError({"email": _("Email is required.")})
        try:
            validate_email(self.email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from exc


class SmartList(models.Model):
    """A saved, dynamic segment of contacts.

    ``criteria`` has the shape documented in :mod:`marketing.smart_list_criteria`;
    membership is evaluated by the database (:func:`marketing.selectors.smart_list_q`).
    """

    name = models.CharField(max_length=255, unique=True)
    active = models.BooleanField(default=True)
    # Validated by the field validator so that model forms (admin, settings page)
    # report criteria errors on the field itself; it caps the number of conditions
    # (MAX_SMART_LIST_CONDITIONS), so no save path stores a list that cannot run.
    criteria = BoundedJSONField(validators=[validate_criteria])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """Something a contact did (form submission, email open/click, page view).

    ``details`` is a JSON dict whose keys depend on the type (e.g. ``url``,
    ``form``, ``email_subject``).
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    type = models.CharField(max_length=32, choices=ActivityType.choices)
    occurred_at = models.DateTimeField()
    details = BoundedJSONField(default=dict, blank=True)
    # Its id in Salesforce (HubSync_Id__c, "activity-<uuid>"): random, like the contact's.
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "occurred_at"], name="marketing_activity_contact_idx")
        ]

    def __str__(self) -> str:
        return _("%(type)s by %(contact)s on %(date)s") % {
            "type": self.get_type_display(),
            "contact": self.contact,  # its email (its id told staff nothing)
            "date": f"{self.occurred_at:%Y-%m-%d}",
        }

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.details, dict):
            raise ValidationError({"details": _("Details must be a JSON object.")})


class CrmTask(models.Model):
    """A CRM task or a logged call on a contact.

    Tasks use ``due_at``; logged calls use ``occurred_at`` (when the call took
    place) and are normally ``completed``.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="crm_tasks")
    kind = models.CharField(max_length=8, choices=CrmTaskKind.choices, default=CrmTaskKind.TASK)
    subject = models.CharField(max_length=255)
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=CrmTaskStatus.choices, default=CrmTaskStatus.OPEN
    )
    # Its id in Salesforce (HubSync_Id__c, "task-<uuid>"): random, like the contact's.
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("CRM task")
        verbose_name_plural = _("CRM tasks and calls")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    def clean(self) -> None:
        """A logged call needs ``occurred_at``; ``due_at`` belongs to tasks only."""
        super().clean()
        errors: dict[str, Any] = {}
        if self.kind == CrmTaskKind.CALL:
            if self.occurred_at is None:
                errors["occurred_at"] = _("A logged call needs the time it took place.")
            if self.due_at is not None:
                errors["due_at"] = _("A logged call has no due date.")
        if errors:
            raise ValidationError(errors)


class Opportunity(models.Model):
    """A Salesforce Opportunity copied by the opportunity sync (read-only in hubsync)."""

    salesforce_id = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=120)
    stage = models.CharField(max_length=255, db_index=True)
    close_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    # The amount's currency (ISO 4217, CurrencyIsoCode) in a multi-currency org; blank in an
    # org with one currency.
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)
    owner_name = models.CharField(max_length=121, blank=True)
    owner_salesforce_id = models.CharField(max_length=18, blank=True)
    contacts: models.ManyToManyField[Contact, OpportunityContactRole] = models.ManyToManyField(
        "Contact", through="OpportunityContactRole", related_name="opportunities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("opportunities")
        ordering = ["-close_date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.stage})"

    @property
    def amount_with_currency(self) -> str:
        """The amount as the reader's language writes it, with its currency when known."""
        if self.amount is None:
            return ""
        amount = number_format(self.amount, decimal_pos=2, force_grouping=True)
        return f"{amount} {self.currency}" if self.currency else amount


class OpportunityContactRole(models.Model):
    """A contact's role on an opportunity (Salesforce's OpportunityContactRole)."""

    salesforce_id = models.CharField(max_length=18, unique=True)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="roles")
    contact = models.ForeignKey(
        "Contact", on_delete=models.CASCADE, related_name="opportunity_roles"
    )
    role = models.CharField(max_length=64, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="one_role_per_contact_and_opportunity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} on {self.opportunity_id} ({self.role or 'no role'})"


# Salesforce campaigns and their members (their own module; Django finds them here).
from marketing.campaign_models import Campaign, CampaignMember  # noqa: E402

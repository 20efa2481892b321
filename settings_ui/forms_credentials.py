"""The *Salesforce Credentials* section: one form for the four login methods.

Secrets (password, security token, consumer secret, private key) are never rendered
back; blank keeps the stored one. The rules of the values (what a method needs, the
username, My Domain, the private key) are the credentials' own
(connector.credentials.rules), shown on the fields; whether Salesforce accepts them is the
service's job (it logs in before anything is saved).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connector.credentials.methods import SOAP_LOGIN_RETIREMENT
from connector.credentials.rules import SECRET_MAX_LENGTH, integration_credentials_clean
from connector.models import SECRET_NAMES, AuthMethod, IntegrationSettings
from connector.validators import form_errors_add

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# The secrets this form takes (the refresh token comes from Connect with Salesforce).
SECRET_FIELDS = tuple(name for name in SECRET_NAMES if name != "refresh_token")
# The form's values of connector.credentials.methods.Credentials.
CREDENTIAL_NAMES = ("method", "sandbox", "my_domain", "consumer_key", "username", *SECRET_FIELDS)


class SecretTextarea(forms.Textarea):
    """A textarea that never renders a value: a bound form shown again stays empty."""

    def format_value(self, value: Any) -> None:
        return None


def _max_length(name: str) -> int | None:
    """The column's length, for the browser (the credentials' rules judge it)."""
    field = IntegrationSettings._meta.get_field(name)
    assert isinstance(field, models.Field)  # a column of the settings row
    return field.max_length


def _secret(label: StrOrPromise, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=SECRET_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", **attrs}),
    )


class CredentialsForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Login method"),
        choices=AuthMethod.choices,
        widget=forms.RadioSelect,
        required=False,  # absent: the stored method (a post from before the methods)
    )
    sandbox = forms.BooleanField(
        label=_("This is a Salesforce sandbox"),
        required=False,
        help_text=_(
            "Sandboxes log in at test.salesforce.com, production orgs at login.salesforce.com "
            "(a My Domain, when given, is used instead). Not sure whether yours is a sandbox? "
            "Ask your Salesforce admin."
        ),
    )
    my_domain = forms.CharField(
        label=_("My Domain"),
        required=False,
        help_text=_(
            "The org's own login host, e.g. acme.my.salesforce.com or "
            "acme--uat.sandbox.my.salesforce.com. Needed for client credentials, and for orgs "
            "that allow logins only through their My Domain."
        ),
    )
    consumer_key = forms.CharField(
        label=_("Consumer key"),
        required=False,
        max_length=_max_length("consumer_key"),
        help_text=_("From the org's External Client App (Setup → External Client App Manager)."),
    )
    consumer_secret = _secret(_("Consumer secret"))
    username = forms.CharField(
        label=_("Username"),
        required=False,
        max_length=_max_length("username"),
    )
    password = _secret(_("Password"), autocomplete="new-password")
    security_token = _secret(_("Security token"))
    private_key = forms.CharField(
        label=_("Private key (PEM)"),
        required=False,
        strip=True,
        widget=SecretTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Paste the key whose certificate is uploaded to the External Client App."),
    )
    private_key_file = forms.FileField(label=_("…or upload the private key file"), required=False)

    def __init__(
        self,
        *args: Any,
        integration_settings: IntegrationSettings,
        read_only: bool = False,
        callback_url: str = "",
        **kwargs: Any,
    ):
        kwargs.setdefault(
            "initial",
            {
                "method": integration_settings.auth_method,
                "username": integration_settings.username,
                "sandbox": integration_settings.sandbox,
                "my_domain": integration_settings.my_domain,
                "consumer_key": integration_settings.consumer_key,
            },
        )
        super().__init__(*args, **kwargs)
        self.integration_settings = integration_settings
        if read_only:
            for field in self.fields.values():
                field.disabled = True
        keep = _("Stored. Leave blank to keep it.")
        for name in SECRET_FIELDS:
            if integration_settings.has_secret(name):
                self.fields[name].help_text = keep
        self.helper = FormHelper()
        self.helper.form_id = "credentials-form"
        self.helper.form_tag = False
        self.helper.layout = self._layout(callback_url)

    def _layout(self, callback_url: str) -> Layout:
        def method(key: str, *fields: Any) -> Div:
            return Div(*fields, css_class="credentials-method", data_method=key)

        legacy = format_html(
            '<div class="alert alert-warning py-2" role="note" id="legacy-warning">{}</div>',
            _(
                "Legacy: Salesforce turns SOAP login() off in orgs created since Winter '26 and "
                "retires it for every API version in %(date)s. Use another method when you can."
            )
            % {"date": SOAP_LOGIN_RETIREMENT},
        )
        callback = format_html(
            '<p class="small" id="callback-url">{} <code>{}</code></p>',
            _("Callback URL to enter in the External Client App:"),
            callback_url,
        )
        return Layout(
            Field("method"),
            Fieldset(_("Login host"), "sandbox", "my_domain"),
            method(AuthMethod.WEB_SERVER, HTML(callback)),
            Div(
                "consumer_key",
                css_class="credentials-method",
                data_method="web_server jwt client_credentials",
            ),
            Div(
                "consumer_secret",
                css_class="credentials-method",
                data_method="web_server client_credentials",
            ),
            Div("username", css_class="credentials-method", data_method="jwt password"),
            method(AuthMethod.JWT, "private_key", "private_key_file"),
            method(AuthMethod.PASSWORD, HTML(legacy), "password", "security_token"),
        )

    def clean_method(self) -> str:
        return self.cleaned_data["method"] or self.integration_settings.auth_method

    def clean_private_key(self) -> str:
        upload = self.files.get(self.add_prefix("private_key_file")) if self.files else None
        pem = self.cleaned_data["private_key"]
        if upload is not None:
            pem = upload.read().decode("utf-8", "replace").strip()
        return pem

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "method" in self.errors:
            return data  # what the method needs is judged for a method
        given = {name: data[name] for name in CREDENTIAL_NAMES if name in data}
        try:
            # The credentials' rules, shown on the fields; what they return is what is saved.
            data.update(
                integration_credentials_clean(
                    integration_settings=self.integration_settings, changes=given
                )
            )
        except ValidationError as error:
            form_errors_add(self, error)
        return data

    def credentials(self) -> dict[str, Any]:
        """The values for connector.credentials.methods.Credentials (blank secrets keep the
        stored ones)."""
        data = dict(self.cleaned_data)
        data.pop("private_key_file", None)
        return data

"""What the browser tests do over and over: log in through the real form, open the page."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

SETTINGS_URL = reverse("settings_ui:salesforce_settings")


def log_in(page: Page, user: AbstractBaseUser, *, password: str = PASSWORD) -> None:
    """Log in with the login form, as a person would; lands on the Integrations page."""
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(account_menu(page, user)).to_be_visible()


def account_menu(page: Page, user: AbstractBaseUser):
    return page.get_by_role("button", name=f"Account: {user.get_username()}")


def open_settings(page: Page, user: AbstractBaseUser) -> None:
    """Log in and open the Salesforce settings page by its URL."""
    log_in(page, user)
    page.goto(SETTINGS_URL)
    expect(page.get_by_role("heading", name="Salesforce settings", level=1)).to_be_visible()


def save_button(page: Page):
    """The blue Save button of the main form (not *Save credentials*)."""
    return page.get_by_role("button", name="Save", exact=True)

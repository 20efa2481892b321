"""Password guessing: django-axes counts failed logins per (username, address) and, with this
handler, per username across every address as well.

A guesser who moves to a new address every few tries never reaches AXES_FAILURE_LIMIT for
any one (username, address) pair; AXES_USERNAME_FAILURE_LIMIT failures for one username
within the cool-off, from wherever, lock that username for everyone until the cool-off
ends or an admin unlocks it (``manage.py axes_reset_username USERNAME``, or delete its
*Access attempts* in the Django admin). The limit is higher than the per-address one so that
one guesser alone cannot lock a colleague out as fast.
https://django-axes.readthedocs.io/en/latest/4_configuration.html
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class UsernameAcrossAddressesHandler(AxesDatabaseHandler):
    """AxesDatabaseHandler, locked also when one username failed too often in total."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        failures = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if not username:
            return failures
        attempts = AccessAttempt.objects.filter(username=username)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        across = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        if across >= settings.AXES_USERNAME_FAILURE_LIMIT:
            # Reported as the limit reached, which is what locks a login in axes.
            return max(failures, get_failure_limit(request, credentials))
        return failures

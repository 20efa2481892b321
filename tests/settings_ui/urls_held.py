"""The project's URLs plus the held-deletion buttons (for tests, until settings_ui has them)."""

from __future__ import annotations

from django.urls import include, path

import settings_ui.urls
from hubsync.urls import urlpatterns as project_urlpatterns
from settings_ui import views_held

HELD_DELETION_URLS = [
    path(
        "integrations/salesforce/held-deletions/approve/",
        views_held.HeldDeletionsApproveView.as_view(),
        name="held_deletions_approve",
    ),
    path(
        "integrations/salesforce/held-deletions/discard/",
        views_held.HeldDeletionsDiscardView.as_view(),
        name="held_deletions_discard",
    ),
]
known = {getattr(p, "name", None) for p in settings_ui.urls.urlpatterns}
urlpatterns = [p for p in project_urlpatterns if getattr(p, "namespace", None) != "settings_ui"] + [
    path(
        "",
        include(
            (
                settings_ui.urls.urlpatterns
                + [p for p in HELD_DELETION_URLS if p.name not in known],
                "settings_ui",
            )
        ),
    )
]

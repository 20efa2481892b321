from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

# The admin says whose it is (Django's default reads "Django administration").
admin.site.site_header = _("hubsync administration")
admin.site.site_title = _("hubsync admin")
admin.site.index_title = _("Records and settings")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="settings_ui:integrations"), name="home"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the Django admin).
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg"))),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("settings_ui.urls")),
]

from django.contrib import admin
from django.urls import include, path

from project import views as site_views
from workflows.accounts import views as account_views
from workflows.campaigns import views as campaign_views
from workflows.field import views as field_views

urlpatterns = [
    path("", campaign_views.home, name="home"),
    path("favicon.ico", site_views.favicon, name="favicon"),
    # The field app's service worker and manifest answer at the root: a service worker
    # controls only the pages under its own path.
    path("sw.js", field_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", field_views.manifest, name="manifest"),
    path("accounts/login/", account_views.sign_in, name="login"),
    path("accounts/logout/", field_views.SignOut.as_view(), name="logout"),
    path("accounts/", include("workflows.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", account_views.admin_sign_in),  # ours: the second factor applies to the admin too
    path("admin/", admin.site.urls),
    path("", include("workflows.campaigns.urls")),
    path("", include("workflows.recognition.urls")),
    path("enterprises/", include("workflows.enterprises.urls")),
    path("surveys/", include("workflows.people.urls")),
    path("api/", include("workflows.api.urls")),
    path("organisation/", include("workflows.organisation.urls")),
    path("administration/", include("workflows.administration.urls")),
    path("overview/", include("workflows.statistics.urls")),
    path("notifications/", include("workflows.notifications.urls")),
    path("exports/", include("workflows.exports.urls")),
    path("field/", include("workflows.field.urls")),
]

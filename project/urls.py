from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from project import views as site_views
from workflows.accounts import views as account_views
from workflows.campaigns import views as campaign_views

urlpatterns = [
    path("", campaign_views.home, name="home"),
    path("favicon.ico", site_views.favicon, name="favicon"),
    path("accounts/login/", account_views.sign_in, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
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
]

"""The webhook pages, under /administration/webhooks/ (namespace "webhooks")."""
from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscriptions, name="list"),
    path("new/", views.subscription_create, name="create"),
    path("<int:pk>/", views.subscription, name="detail"),
    path("<int:pk>/edit/", views.subscription_edit, name="edit"),
    path("<int:pk>/switch/", views.subscription_switch, name="switch"),
    path("<int:pk>/ping/", views.subscription_ping, name="ping"),
    path("<int:pk>/secret/", views.subscription_secret, name="secret"),
    path("<int:pk>/delete/", views.subscription_delete, name="delete"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="retry"),
]

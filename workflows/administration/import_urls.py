"""The organisation import's pages. Included by ``administration.urls``
without a namespace of their own: they are "administration:import_start",
"administration:import_batch", …"""
from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.import_start, name="import_start"),
    path("template.xlsx", import_views.import_template, name="import_template"),
    path("<int:pk>/", import_views.import_batch, name="import_batch"),
    path("<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("<int:pk>/check/", import_views.import_recheck, name="import_recheck"),
    path("<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
]

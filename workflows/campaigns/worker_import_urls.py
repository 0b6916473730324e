"""The worker import's pages, in the "campaigns" namespace: every one takes
the campaign (``pk``); the status, confirm, cancel and errors pages the
import too (``import_pk``)."""
from django.urls import path

from . import worker_import_views as views

urlpatterns = [
    path("campaigns/<int:pk>/workers/import/", views.worker_import, name="worker_import"),
    path("campaigns/<int:pk>/workers/import/template.xlsx", views.worker_import_template,
         name="worker_import_template"),
    path("campaigns/<int:pk>/workers/import/<int:import_pk>/", views.worker_import_status,
         name="worker_import_status"),
    path("campaigns/<int:pk>/workers/import/<int:import_pk>/confirm/", views.worker_import_confirm,
         name="worker_import_confirm"),
    path("campaigns/<int:pk>/workers/import/<int:import_pk>/cancel/", views.worker_import_cancel,
         name="worker_import_cancel"),
    path("campaigns/<int:pk>/workers/import/<int:import_pk>/errors.xlsx", views.worker_import_errors,
         name="worker_import_errors"),
]

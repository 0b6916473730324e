"""The API's routes for imports over the API (upload, status with progress, confirm) (included by ``resource_urls``):
the registry import and the organisation import by a router; the worker
import of a case under its campaign (``pk``), ``import_id`` naming one."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from .import_resources import CaseWorkerImportViewSet, OrganisationImportViewSet, RegistryImportViewSet

router = SimpleRouter()
router.register("enterprise-imports", RegistryImportViewSet, basename="enterpriseimport")
router.register("organisation-imports", OrganisationImportViewSet, basename="organisationimport")

_imports = CaseWorkerImportViewSet
_one = "campaigns/<int:pk>/worker-imports/<int:import_id>/"

urlpatterns: list = [
    *router.urls,
    path("campaigns/<int:pk>/worker-imports/", _imports.as_view({"get": "list", "post": "create"}),
         name="caseworkerimport-list"),
    path(_one, _imports.as_view({"get": "retrieve"}), name="caseworkerimport-detail"),
    path(f"{_one}confirm/", _imports.as_view({"post": "confirm"}), name="caseworkerimport-confirm"),
    path(f"{_one}cancel/", _imports.as_view({"post": "cancel"}), name="caseworkerimport-cancel"),
    path(f"{_one}rows/", _imports.as_view({"get": "rows"}), name="caseworkerimport-rows"),
    path(f"{_one}errors/", _imports.as_view({"get": "errors"}), name="caseworkerimport-errors"),
]

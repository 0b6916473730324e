"""/api/v1/: the REST API, its OpenAPI schema and its documentation pages
(Swagger UI and Redoc from local static files); /api/tokens/: a person's
access tokens (an HTML page)."""
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from . import resource_urls, token_urls
from .schema import KeptSchemaView

app_name = "api"

urlpatterns = [
    path("v1/schema/", KeptSchemaView.as_view(), name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/", include(resource_urls)),
    *token_urls.urlpatterns,
]

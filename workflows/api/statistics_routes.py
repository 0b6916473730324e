"""The API's routes for a unit's targets (included by ``resource_urls``;
the programmes' writes are routed with their viewset)."""
from django.urls import path

from .statistics_resources import UnitTargetsViewSet

urlpatterns = [
    path("units/<int:unit_pk>/targets/", UnitTargetsViewSet.as_view({"post": "set_targets"}), name="unit-targets"),
    path("units/<int:unit_pk>/allocations/", UnitTargetsViewSet.as_view({"post": "allocate"}),
         name="unit-allocations"),
]

"""The API's resources under /api/v1/ (a router without format suffixes).
Resources under a case or an enterprise are routed with explicit paths:
``pk`` names the campaign, ``worker_id`` one of its enterprise's workers."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import (
    import_routes,
    people_resources,
    register_routes,
    resources,
    statistics_resources,
    statistics_routes,
    webhook_routes,
)

router = SimpleRouter()
router.register("units", resources.UnitViewSet, basename="unit")
router.register("working-groups", resources.WorkingGroupViewSet, basename="workinggroup")
router.register("campaigns", resources.CampaignViewSet, basename="campaign")
router.register("tasks", resources.TaskViewSet, basename="task")
router.register("enterprises", resources.EnterpriseViewSet, basename="enterprise")
router.register("survey-visits", people_resources.SurveyVisitViewSet, basename="surveyvisit")
router.register("programmes", statistics_resources.ProgrammeViewSet, basename="programme")
router.register("notifications", people_resources.NotificationViewSet, basename="notification")

_workers = people_resources.CaseWorkerViewSet

urlpatterns = [
    *router.urls,
    path("figures/", statistics_resources.FiguresView.as_view(), name="figures-list"),
    path("campaigns/<int:pk>/workers/", _workers.as_view({"get": "list", "post": "create"}),
         name="caseworker-list"),
    path("campaigns/<int:pk>/workers/<int:worker_id>/",
         _workers.as_view({"get": "retrieve", "patch": "partial_update"}), name="caseworker-detail"),
    path("enterprises/<int:enterprise_pk>/survey-visits/",
         people_resources.EnterpriseSurveyVisitViewSet.as_view({"post": "create"}), name="enterprisesurveyvisit-list"),
]
urlpatterns += [*import_routes.urlpatterns, *register_routes.urlpatterns, *statistics_routes.urlpatterns,
                *webhook_routes.urlpatterns]

"""The API's resources under /api/v1/ (a router without format suffixes)."""
from rest_framework.routers import SimpleRouter

from . import resources

router = SimpleRouter()
router.register("units", resources.UnitViewSet, basename="unit")
router.register("working-groups", resources.WorkingGroupViewSet, basename="workinggroup")
router.register("campaigns", resources.CampaignViewSet, basename="campaign")
router.register("tasks", resources.TaskViewSet, basename="task")

urlpatterns = router.urls

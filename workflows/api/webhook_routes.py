"""The API's routes for webhook subscriptions and their deliveries (included by ``resource_urls``)."""
from rest_framework.routers import SimpleRouter

from .webhook_resources import WebhookSubscriptionViewSet

router = SimpleRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

urlpatterns: list = router.urls

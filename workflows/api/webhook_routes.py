"""The API's routes for webhook subscriptions and their deliveries (included by ``resource_urls``)."""
urlpatterns: list = []

"""The API's routes for imports over the API (upload, status with progress, confirm) (included by ``resource_urls``)."""
urlpatterns: list = []

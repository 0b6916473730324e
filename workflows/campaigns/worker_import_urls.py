"""URLs of the campaign pages on worker_import_urls."""
urlpatterns: list = []

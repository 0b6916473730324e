"""The API's routes for programmes and targets (writes) (included by ``resource_urls``)."""
urlpatterns: list = []

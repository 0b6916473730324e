"""The API's routes for the people register's writes and reads, and for the
people (accounts) of the caller's units (included by ``resource_urls``)."""
urlpatterns: list = []

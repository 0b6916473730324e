"""URLs of the campaign pages on people_urls."""
urlpatterns: list = []

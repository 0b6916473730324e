"""URLs of the campaign pages on membership_urls."""
urlpatterns: list = []

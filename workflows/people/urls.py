"""The survey rounds and their visits."""
app_name = "people"
urlpatterns: list = []

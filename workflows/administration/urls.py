from django.urls import include, path

app_name = "administration"

urlpatterns = [
    path("reference/", include("workflows.administration.reference_urls")),
    path("import/", include("workflows.administration.import_urls")),
]

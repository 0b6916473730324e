from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("administration/", views.administration, name="administration"),
    path("groups/", views.groups, name="groups"),
    path("units/search/", views.unit_search, name="unit_search"),
    path("officers/<int:user_pk>/tasks/", views.officer_tasks, name="officer_tasks"),
]

"""The survey rounds and their visits, under /surveys/ (namespace "people")."""
from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("rounds/add/", views.round_add, name="round_add"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("visits/add/<int:enterprise_pk>/", views.visit_add, name="visit_add"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/open-campaign/", views.visit_open_campaign, name="visit_open_campaign"),
    path("summary/", views.summary, name="summary"),
]

"""The reference-data screens, under /administration/reference/ (namespace "reference")."""
from django.urls import path

from . import reference_views as views

app_name = "reference"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:unit_pk>/", views.unit_page, name="unit"),
    path("<int:unit_pk>/checklists/add/", views.template_add, name="template_add"),
    path("<int:unit_pk>/checklists/copy/", views.checklist_copy, name="checklist_copy"),
    path("<int:unit_pk>/checklists/<int:pk>/", views.template_edit, name="template_edit"),
    path("<int:unit_pk>/checklists/<int:pk>/deactivate/", views.template_deactivate, name="template_deactivate"),
    path("<int:unit_pk>/rules/add/", views.rule_set_add, name="rule_set_add"),
    path("<int:unit_pk>/rules/<int:pk>/", views.rule_set_edit, name="rule_set_edit"),
    path("<int:unit_pk>/rules/<int:pk>/withdraw/", views.rule_set_withdraw, name="rule_set_withdraw"),
    path("<int:unit_pk>/calendar/add/", views.day_add, name="day_add"),
    path("<int:unit_pk>/calendar/<int:pk>/", views.day_edit, name="day_edit"),
    path("<int:unit_pk>/calendar/<int:pk>/withdraw/", views.day_withdraw, name="day_withdraw"),
]

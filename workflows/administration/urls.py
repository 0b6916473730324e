from django.urls import include, path

from . import views

app_name = "administration"

urlpatterns = [
    path("", views.home, name="home"),
    # people
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/invite/", views.person_invite, name="person_invite"),
    path("people/<int:pk>/roles/grant/", views.role_grant, name="role_grant"),
    path("people/<int:pk>/roles/revoke/", views.role_revoke, name="role_revoke"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("people/<int:pk>/two-step/remove/", views.person_second_factor_reset, name="person_second_factor_reset"),
    # working groups
    path("groups/", views.groups, name="groups"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group, name="group"),
    path("groups/<int:pk>/rename/", views.group_rename, name="group_rename"),
    path("groups/<int:pk>/members/add/", views.member_add, name="member_add"),
    path("groups/<int:pk>/members/remove/", views.member_remove, name="member_remove"),
    path("groups/<int:pk>/leader/", views.group_leader, name="group_leader"),
    path("groups/<int:pk>/close/", views.group_close, name="group_close"),
    # units
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("units/<int:pk>/close/", views.unit_close, name="unit_close"),
    # the other helpers' screens
    path("reference/", include("workflows.administration.reference_urls")),
    path("import/", include("workflows.administration.import_urls")),
    path("webhooks/", include("workflows.webhooks.urls")),
]

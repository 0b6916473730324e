"""URLs of the committee chosen from the workers, the applications and the
"workers recorded" switch (merged into the "campaigns" namespace)."""
from django.urls import path

from . import membership_views as views

urlpatterns = [
    path("campaigns/<int:pk>/workers-recorded/", views.register_switch, name="register"),
    path("campaigns/<int:pk>/committee/choose/", views.committee_choose, name="committee_choose"),
    path("campaigns/<int:pk>/applications/", views.applications, name="applications"),
    path("campaigns/<int:pk>/applications/add/", views.application_add, name="application_add"),
    path("campaigns/<int:pk>/applications/<int:worker_id>/withdraw/", views.application_withdraw,
         name="application_withdraw"),
    path("campaigns/<int:pk>/applications/<int:worker_id>/form/", views.application_form, name="application_form"),
]

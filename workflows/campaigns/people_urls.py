"""URLs of the people pages of a case (the "campaigns" namespace): the
workers, conversations, wall chart and the phone pages of quick record."""
from django.urls import path

from . import people_views as views

urlpatterns = [
    path("campaigns/<int:pk>/workers/", views.workers, name="workers"),
    path("campaigns/<int:pk>/workers/add/", views.worker_add, name="worker_add"),
    path("campaigns/<int:pk>/workers/<int:worker_id>/", views.worker, name="worker"),
    path("campaigns/<int:pk>/workers/<int:worker_id>/edit/", views.worker_edit, name="worker_edit"),
    path("campaigns/<int:pk>/workers/<int:worker_id>/consent/", views.worker_consent, name="worker_consent"),
    path("campaigns/<int:pk>/workers/<int:worker_id>/withdraw/", views.worker_withdraw, name="worker_withdraw"),
    path("campaigns/<int:pk>/workers/<int:worker_id>/assess/", views.worker_assess, name="worker_assess"),
    path("campaigns/<int:pk>/workers/<int:worker_id>/leader/", views.worker_leader, name="worker_leader"),
    path("campaigns/<int:pk>/conversations/", views.conversations, name="conversations"),
    path("campaigns/<int:pk>/conversations/add/", views.conversation_add, name="conversation_add"),
    path("campaigns/<int:pk>/wall-chart/", views.wall_chart, name="wall_chart"),
    path("campaigns/<int:pk>/field/", views.field, name="field"),
    path("campaigns/<int:pk>/field/<int:worker_id>/", views.worker_quick, name="worker_quick"),
    path("campaigns/<int:pk>/field/<int:worker_id>/conversation/", views.worker_quick_conversation,
         name="worker_quick_conversation"),
]

from django.urls import path

from . import views

app_name = "field"

urlpatterns = [
    path("working-set/", views.working_set, name="working_set"),
    path("sync/", views.sync, name="sync"),
    path("outbox/", views.outbox, name="outbox"),
    path("offline/", views.offline, name="offline"),
]

"""The API's routes for the people register's writes and reads, and for the
people (accounts) of the caller's units (included by ``resource_urls``).
``pk`` names the campaign, ``worker_id`` one of its enterprise's workers
(for an application: the worker who applied)."""
from django.urls import path

from . import register_resources as resources

_steps = resources.CaseWorkerStepViewSet
_applications = resources.CaseApplicationViewSet
_worker = "campaigns/<int:pk>/workers/<int:worker_id>"

urlpatterns: list = [
    path(f"{_worker}/consent/", _steps.as_view({"post": "consent"}), name="caseworker-consent"),
    path(f"{_worker}/consent/withdrawal/", _steps.as_view({"post": "withdraw"}),
         name="caseworker-consent-withdrawal"),
    path(f"{_worker}/leader/", _steps.as_view({"post": "leader"}), name="caseworker-leader"),
    path(f"{_worker}/history/", resources.WorkerHistoryViewSet.as_view({"get": "list"}), name="caseworker-history"),
    # GET and POST: ``resource_urls`` routes these two paths for POST alone before this list; until it leaves
    # them here, its routes answer them (GET 405)
    path(f"{_worker}/assessments/",
         resources.WorkerAssessmentViewSet.as_view({"get": "assessments", "post": "assess"}),
         name="caseworker-assessments"),
    path("campaigns/<int:pk>/conversations/",
         resources.CaseConversationViewSet.as_view({"get": "list", "post": "create"}), name="caseconversation-list"),
    path("campaigns/<int:pk>/committee/",
         resources.CaseCommitteeViewSet.as_view({"get": "retrieve", "post": "choose"}), name="casecommittee"),
    path("campaigns/<int:pk>/applications/", _applications.as_view({"get": "list", "post": "create"}),
         name="caseapplication-list"),
    path("campaigns/<int:pk>/applications/<int:worker_id>/withdrawal/", _applications.as_view({"post": "withdraw"}),
         name="caseapplication-withdrawal"),
    path("campaigns/<int:pk>/register/", resources.CaseRegisterViewSet.as_view({"post": "switch"}),
         name="campaign-register"),
    path("people/", resources.PersonViewSet.as_view({"get": "list"}), name="person-list"),
    path("people/<int:pk>/", resources.PersonViewSet.as_view({"get": "retrieve"}), name="person-detail"),
]

from django.urls import path

from . import views

app_name = "recognition"
urlpatterns = [
    path("campaigns/<int:pk>/dossier/", views.dossier, name="dossier"),
    path("campaigns/<int:pk>/dossier/upload/", views.document_upload, name="upload"),
    path("campaigns/<int:pk>/dossier/submit/", views.dossier_submit, name="submit"),
    path("campaigns/<int:pk>/dossier/documents/<int:doc_pk>/", views.document_download, name="document"),
    path("campaigns/<int:pk>/dossier/member-list/", views.member_list_generate, name="member_list_generate"),
    path("campaigns/<int:pk>/dossier/member-list.<str:file_format>", views.member_list_download,
         name="member_list_download"),
    path("campaigns/<int:pk>/dossier/diagram/", views.diagram, name="diagram"),
    path("campaigns/<int:pk>/dossier/decision.docx", views.decision_draft, name="decision_draft"),
    path("review/<int:task_pk>/take/", views.review_take, name="take"),
    path("review/<int:task_pk>/verify/", views.review_verify, name="verify"),
    path("review/<int:task_pk>/decide/", views.review_decide, name="decide"),
    path("review/<int:task_pk>/reassign/", views.review_reassign, name="reassign"),
]

from django.urls import path

from . import membership_urls, people_urls, views, worker_import_urls

app_name = "campaigns"

urlpatterns = [
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/board/", views.board, name="board"),
    path("campaigns/first-year/", views.follow_up_list, name="follow_ups"),
    path("campaigns/open/<int:enterprise_pk>/", views.campaign_open, name="open"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:pk>/move/<str:name>/", views.campaign_transition, name="transition"),
    path("campaigns/<int:pk>/move-refused/", views.move_refused, name="move_refused"),
    path("campaigns/<int:pk>/meeting/", views.meeting_record, name="meeting"),
    path("campaigns/<int:pk>/counts/", views.counts_record, name="counts"),
    path("campaigns/<int:pk>/committee/", views.committee_record, name="committee"),
    path("campaigns/<int:pk>/committee.xlsx", views.committee_export, name="committee_export"),
    path("campaigns/<int:pk>/note/", views.note_add, name="note"),
    path("campaigns/<int:pk>/tasks/add/", views.task_add, name="task_add"),
    path("campaigns/<int:pk>/assign/", views.campaign_assign, name="assign"),
    path("campaigns/<int:pk>/first-year/fail/", views.follow_up_fail, name="follow_up_fail"),
]
urlpatterns += people_urls.urlpatterns + worker_import_urls.urlpatterns + membership_urls.urlpatterns

from django.urls import path

from . import report_views, views

app_name = "statistics"

urlpatterns = [
    path("", views.home, name="home"),
    path("past/", views.past_count, name="past_count"),
    path("kept/<int:pk>/", views.kept_status, name="kept_status"),
    path("fresh/", views.figures_fresh, name="figures_fresh"),
    # reports (report_views)
    path("report/", report_views.report_page, name="report"),
    path("report/count/", report_views.report_count, name="report_count"),
    # its files: exports:start with kind report_xlsx, report_pdf or report_csv (report_files)
    # planning (views)
    path("targets/", views.targets, name="targets"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("counts/", views.member_counts, name="member_counts"),
    path("estimates/", views.estimates, name="estimates"),
    path("movements/", views.movements, name="movements"),
]

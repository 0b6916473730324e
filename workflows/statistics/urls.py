from django.urls import path

from . import report_views, views

app_name = "statistics"

urlpatterns = [
    path("", views.home, name="home"),
    # reports (report_views)
    path("report/", report_views.report_page, name="report"),
    path("report.xlsx", report_views.report_file, {"fmt": "xlsx"}, name="report_xlsx"),
    path("report.pdf", report_views.report_file, {"fmt": "pdf"}, name="report_pdf"),
    path("report.csv", report_views.report_file, {"fmt": "csv"}, name="report_csv"),
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

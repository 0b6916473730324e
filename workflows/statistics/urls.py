from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.home, name="home"),
    path("report.xlsx", views.report, {"fmt": "xlsx"}, name="report_xlsx"),
    path("report.csv", views.report, {"fmt": "csv"}, name="report_csv"),
    path("targets/", views.targets, name="targets"),
    path("movements/", views.movements, name="movements"),
]

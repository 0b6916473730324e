"""The import screens: upload, column mapping, preview with reasons, the
progress bar of a job, commit, the rejected rows; who sees them."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tests.conftest import ROLES
from tests.enterprises.sheets import DAMAGE_HERE, VI_HEADERS, csv_bytes, xlsx_damaged, xlsx_rows
from tests.factories import EnterpriseFactory, next_tax_code
from workflows.core import clock
from workflows.enterprises import services
from workflows.enterprises.models import Enterprise, ImportBatch, ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def english_on_a_known_day(settings):
    settings.LANGUAGE_CODE = "en"
    with clock.travel_to(dt.date(2026, 6, 1)):
        yield


def line(name, code, workforce=""):
    return ["", name, code, "", "", "", "", "", workforce, "", ""]


def upload_file(rows, name="danh-sach.csv"):
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


@pytest.fixture
def supervisor(client, world):
    client.force_login(world.supervisor)
    return client


def test_the_registry_links_to_import_for_supervisors_and_to_export_for_everyone(client, world):
    client.force_login(world.supervisor)
    page = client.get(reverse("enterprises:list"), {"sector": "fdi", "page": "2"}).content.decode()
    client.force_login(world.officer)
    officers = client.get(reverse("enterprises:list")).content.decode()

    assert reverse("enterprises:import") in page
    assert f'action="{reverse("exports:start")}?sector=fdi"' in page
    assert reverse("enterprises:import") not in officers
    assert f'action="{reverse("exports:start")}"' in officers and 'name="kind" value="registry"' in officers


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("officer", 404), ("other_officer", 404),
                                          ("manager", 404), ("other_supervisor", 200), ("supervisor", 200)])
def test_the_upload_page_is_for_supervisors(client, world, role, status):
    if world.user(role):
        client.force_login(world.user(role))

    assert client.get(reverse("enterprises:import")).status_code == status


def test_upload_preview_and_commit(supervisor, world):
    good, updated = next_tax_code(), EnterpriseFactory(responsible_unit=world.district, workforce=10)
    rows = [VI_HEADERS, line("Công ty Mới", good, "120"), line(updated.name, updated.tax_code, "15"),
            line("", next_tax_code(), "-1")]

    response = supervisor.post(reverse("enterprises:import"), {
        "file": upload_file(rows), "unit": world.district.pk, "default_as_of": "31/12/2025",
        "default_source": "social_insurance"})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:import_batch",
                                                                            args=[batch.pk])
    page = supervisor.get(response["Location"]).content.decode()
    assert "The enterprise name is missing." in page and "The workforce cannot be negative." in page
    assert reverse("enterprises:import_rejected", args=[batch.pk]) in page
    assert "Commit: add 1, update 1" in page
    updates = supervisor.get(response["Location"], {"outcome": "update"}).content.decode()
    assert "<strong>Workforce</strong>: 10 → 15" in updates
    assert "<strong>Workforce as of</strong>: — → 31/12/2025" in updates

    response = supervisor.post(reverse("enterprises:import_commit", args=[batch.pk]))

    assert response.status_code == 302
    assert Enterprise.objects.filter(tax_code=good).values_list("name", "workforce").get() == ("Công ty Mới", 120)
    updated.refresh_from_db()
    assert (updated.workforce, updated.workforce_as_of) == (15, dt.date(2025, 12, 31))
    assert "Import committed: 1 enterprises added, 1 updated." in supervisor.get(response["Location"]).content.decode()


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "The file is not UTF-8: save it as CSV UTF-8 or XLSX."),
    (b"", "The submitted file is empty."),
    (csv_bytes([VI_HEADERS]), "The file has column headers but no rows under them."),
])
def test_a_file_that_is_not_a_list_is_refused_on_the_form(supervisor, world, content, message):
    response = supervisor.post(reverse("enterprises:import"), {
        "file": SimpleUploadedFile("x.csv", content), "unit": world.district.pk})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_unit_outside_the_supervisors_scope_cannot_be_chosen(supervisor, world):
    response = supervisor.post(reverse("enterprises:import"), {
        "file": upload_file([VI_HEADERS, line("A", next_tax_code())]), "unit": world.other_district.pk})

    assert response.status_code == 400
    assert ImportBatch.objects.count() == 0


def test_unrecognised_columns_are_mapped_on_their_own_page(supervisor, world):
    rows = [["Tên DN", "MST", "Số LĐ cuối kỳ"], ["Công ty A", next_tax_code(), "77"]]
    response = supervisor.post(reverse("enterprises:import"), {"file": upload_file(rows), "unit": world.district.pk})
    batch = ImportBatch.objects.get()
    columns = reverse("enterprises:import_columns", args=[batch.pk])
    assert supervisor.get(response["Location"])["Location"] == columns
    page = supervisor.get(columns).content.decode()
    assert "Say what these columns hold, or leave them out: “Số LĐ cuối kỳ”." in page

    refused = supervisor.post(columns, {"col_0": "name", "col_1": "workforce", "col_2": "workforce"})
    done = supervisor.post(columns, {"col_0": "name", "col_1": "tax_code", "col_2": "workforce"})

    assert refused.status_code == 400
    assert "“Workforce” is chosen for more than one column." in refused.content.decode()
    assert done.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.mapping) == (ImportStatus.PREVIEWED, 1,
                                                            {"0": "name", "1": "tax_code", "2": "workforce"})


def test_the_progress_fragment_polls_until_the_job_is_done(supervisor, world, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    with django_capture_on_commit_callbacks() as queued:
        supervisor.post(reverse("enterprises:import"), {
            "file": upload_file([VI_HEADERS, line("A", next_tax_code())]), "unit": world.district.pk})
    batch = ImportBatch.objects.get()
    url = reverse("enterprises:import_progress", args=[batch.pk])

    running = supervisor.get(url, headers={"HX-Request": "true"})
    page = supervisor.get(reverse("enterprises:import_batch", args=[batch.pk])).content.decode()
    queued[0]()
    done = supervisor.get(url, headers={"HX-Request": "true"})

    assert running.status_code == 200
    assert f'hx-get="{url}" hx-trigger="every 1s"' in running.content.decode()
    assert "<progress" in running.content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert (done.status_code, done["HX-Refresh"]) == (200, "true")


def test_the_rejected_rows_download(supervisor, world):
    bad = next_tax_code()
    supervisor.post(reverse("enterprises:import"), {
        "file": upload_file([VI_HEADERS, line("Công ty A", next_tax_code()), line("", bad, "x")]),
        "unit": world.district.pk})
    batch = ImportBatch.objects.get()

    response = supervisor.get(reverse("enterprises:import_rejected", args=[batch.pk]))

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    # the file is named in the user's language (this module's pages are in English)
    assert response["Content-Disposition"] == 'attachment; filename="danh-sach - rejected rows.xlsx"'
    with translation.override("vi"):
        assert _("rejected rows") == "các dòng bị loại"
    rows = xlsx_rows(b"".join(response.streaming_content))
    assert [row[2] for row in rows[1:]] == [bad]
    assert rows[1][11] == ("Tên doanh nghiệp: The enterprise name is missing. Số lao động: “x” is not a number of "
                           "workers.")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "supervisor"])
def test_another_users_batch_answers_404_and_is_not_committed(client, world, role):
    batch = services.import_upload(actor=world.supervisor, unit=world.district, file_name="a.csv",
                                   content=csv_bytes([VI_HEADERS, line("Công ty A", next_tax_code())]))
    if world.user(role):
        client.force_login(world.user(role))

    for name in ("import_batch", "import_columns", "import_progress", "import_rejected"):
        response = client.get(reverse(f"enterprises:{name}", args=[batch.pk]))
        assert response.status_code == (302 if role == "anonymous" else 404), name
    response = client.post(reverse("enterprises:import_commit", args=[batch.pk]))

    assert response.status_code == (302 if role == "anonymous" else 404)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PREVIEWED
    assert Enterprise.objects.count() == 1


def test_committing_twice_answers_409(supervisor, world):
    batch = services.import_upload(actor=world.supervisor, unit=world.district, file_name="a.csv",
                                   content=csv_bytes([VI_HEADERS, line("Công ty A", next_tax_code())]))
    supervisor.post(reverse("enterprises:import_commit", args=[batch.pk]))

    response = supervisor.post(reverse("enterprises:import_commit", args=[batch.pk]))

    assert response.status_code == 409
    assert "This import is already committed." in response.content.decode()
    assert Enterprise.objects.count() == 2


def test_the_preview_page_costs_the_same_for_any_number_of_rows(supervisor, world, django_assert_max_num_queries):
    rows = [VI_HEADERS] + [line(f"Công ty {i}", next_tax_code(), "x" if i % 2 else "5") for i in range(120)]
    batch = services.import_upload(actor=world.supervisor, unit=world.district, file_name="a.csv",
                                   content=csv_bytes(rows))

    with django_assert_max_num_queries(8):
        response = supervisor.get(reverse("enterprises:import_batch", args=[batch.pk]), {"outcome": "error"})

    assert response.status_code == 200
    assert response.content.decode().count("is not a number of workers.") == 50


def test_a_check_whose_job_stopped_reporting_can_be_started_again(supervisor, world, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    with django_capture_on_commit_callbacks():  # the job is queued and never runs: its worker died
        supervisor.post(reverse("enterprises:import"), {
            "file": upload_file([VI_HEADERS, line("A", next_tax_code())]), "unit": world.district.pk})
    batch = ImportBatch.objects.get()
    url = reverse("enterprises:import_progress", args=[batch.pk])
    soon = supervisor.get(url).content.decode()

    with clock.travel_to(dt.datetime(2026, 6, 1, 9, 4)):
        later = supervisor.get(url).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            supervisor.post(reverse("enterprises:import_recheck", args=[batch.pk]))

    assert "has not moved" not in soon
    assert "The check has not moved for a few minutes" in later
    assert reverse("enterprises:import_recheck", args=[batch.pk]) in later
    batch.refresh_from_db()
    assert (batch.status, batch.created) == (ImportStatus.PREVIEWED, 1)


def test_the_progress_bar_takes_plain_numbers_and_shows_grouped_ones(supervisor, world, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    from workflows.enterprises import selectors

    monkeypatch.setattr(services, "BACKGROUND_ROWS", 0)
    with django_capture_on_commit_callbacks():
        supervisor.post(reverse("enterprises:import"), {
            "file": upload_file([VI_HEADERS, line("A", next_tax_code())]), "unit": world.district.pk})
    batch = ImportBatch.objects.get()
    monkeypatch.setattr(selectors, "import_progress_of",
                        lambda batch, now: selectors.ImportProgressShown(6500, 20000, False))

    page = supervisor.get(reverse("enterprises:import_progress", args=[batch.pk])).content.decode()

    assert '<progress value="6500" max="20000"></progress>' in page
    assert "6.500 of 20.000 rows" in page  # Vietnamese numbers, in English too (project/formats)


@pytest.mark.parametrize("damage, message", [
    ("missing shared string", "The spreadsheet is damaged: its rows cannot be read from row 30 on."),
    ("sheet cut short", "The spreadsheet is damaged: its rows cannot be read from row 30 on."),
    ("text in a number cell", "The spreadsheet is damaged: its rows cannot be read from row 30 on."),
    ("entity bomb", "The spreadsheet defines XML entities, which we refuse for safety"),
    ("entity bomb in the sheet", "The spreadsheet defines XML entities, which we refuse for safety"),
    ("external entity", "The spreadsheet defines XML entities, which we refuse for safety"),
])
def test_a_damaged_spreadsheet_is_refused_on_the_form_and_nothing_is_written(supervisor, world, damage, message):
    rows = [VI_HEADERS] + [line(f"Công ty {number}", next_tax_code(), "25") for number in range(2, 41)]
    rows[29][8] = DAMAGE_HERE

    response = supervisor.post(reverse("enterprises:import"), {
        "file": SimpleUploadedFile("ds.xlsx", xlsx_damaged(rows, damage), content_type=XLSX),
        "unit": world.district.pk})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert (ImportBatch.objects.count(), Enterprise.objects.count()) == (0, 1)

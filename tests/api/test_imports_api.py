"""Imports over the API: the registry import, the worker import of a case
and the organisation import — upload (multipart), the status a client
polls while the real job runs (django-q2 runs it in this process in the
tests), the confirmation; who may (404 for anyone else, nothing written);
files refused with the pages' reasons; exact counts written, and rows with
errors never written."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from tests import factories
from tests.administration.org_sheets import organisation_workbook
from tests.conftest import ROLES, campaign_at
from tests.enterprises.sheets import DAMAGE_HERE, VI_HEADERS, csv_bytes, xlsx_damaged
from workflows.administration.models import ImportStatus as OrganisationStatus, OrganisationImport
from workflows.api.tokens import token_create
from workflows.audit.models import AuditEntry, AuditKind
from workflows.campaigns.flows import Stage
from workflows.core import clock
from workflows.enterprises import services as registry
from workflows.enterprises.models import Enterprise, ImportBatch, ImportStatus
from workflows.organisation.models import Unit
from workflows.people.models import Worker, WorkerImport, WorkerImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def english_on_a_known_day(settings):
    settings.LANGUAGE_CODE = "en"  # the registry's jobs write their messages in it
    with clock.travel_to(dt.date(2026, 6, 1)):
        yield


def client_of(user, *, scope: str = "write", language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        _token, key = token_create(user=user, name="nhập", scope=scope, days=30)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def denied(role: str) -> int:
    return 401 if role == "anonymous" else 404


# --- the registry import --------------------------------------------------------------------
def line(name, code, workforce=""):
    return ["", name, code, "", "", "", "", "", workforce, "", ""]


def registry_list(good: int = 2, *, bad: int = 1, update=None) -> tuple[bytes, list[str]]:
    """A list of ``good`` new enterprises, ``update`` (one already registered), and ``bad`` rows without a name."""
    codes = [factories.next_tax_code() for _ in range(good)]
    rows = [VI_HEADERS, *[line(f"Công ty Mới {i}", code, "120") for i, code in enumerate(codes)]]
    if update is not None:
        rows.append(line(update.name, update.tax_code, "15"))
    rows += [line("", factories.next_tax_code(), "30") for _ in range(bad)]
    return csv_bytes(rows), codes


def registry_written():
    return (sorted(Enterprise.objects.values_list("pk", "tax_code", "workforce", "updated_at")),
            sorted(ImportBatch.objects.values_list("pk", "status")))


def uploaded(world, content: bytes, **fields) -> ImportBatch:
    """A registry list uploaded by the district's supervisor (checked at once: a small file)."""
    return registry.import_upload(actor=world.supervisor, unit=world.district, file_name="ds.csv", content=content,
                                  **fields)


def test_a_supervisor_uploads_a_list_reads_its_status_and_rows_and_commits_it(world):
    updated = factories.EnterpriseFactory(responsible_unit=world.district, workforce=10)
    content, codes = registry_list(2, bad=1, update=updated)
    client = client_of(world.supervisor)
    before = Enterprise.objects.count()

    response = client.post("/api/v1/enterprise-imports/", {
        "file": upload("danh-sach.csv", content), "unit": world.district.pk, "default_as_of": "31/12/2025",
        "default_source": "social_insurance"}, format="multipart")

    assert response.status_code == 201, response.json()
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/api/v1/enterprise-imports/{batch.pk}/"
    body = response.json()
    assert (body["id"], body["status"], body["running"], body["unit"], body["file_name"]) == (
        batch.pk, "previewed", False, world.district.pk, "danh-sach.csv")
    assert body["counts"] == {"rows_total": 4, "created": 2, "updated": 1, "unchanged": 0, "older": 0, "errors": 1}
    assert body["progress"] == {"done": 4, "total": 4, "percent": 100, "stalled": False}
    assert (body["can_commit"], body["can_map"], body["can_recheck"], body["mapping_problems"]) == (
        True, True, True, [])
    assert (body["default_as_of"], body["default_source"]) == ("2025-12-31", "social_insurance")
    assert Enterprise.objects.count() == before  # nothing written before the commit
    rejected = client.get(f"/api/v1/enterprise-imports/{batch.pk}/rows/")
    assert rejected.status_code == 200
    assert [(row["row"], row["outcome"], row["messages"]) for row in rejected.json()["results"]] == [
        (5, "error", [{"column": "Tên doanh nghiệp", "message": "The enterprise name is missing."}])]
    updates = client.get(f"/api/v1/enterprise-imports/{batch.pk}/rows/", {"outcome": "update"}).json()["results"]
    assert [(row["tax_code"], row["enterprise"]) for row in updates] == [(updated.tax_code, updated.pk)]
    assert {"field": "workforce", "before": 10, "after": 15} in updates[0]["changes"]

    committed = client.post(f"/api/v1/enterprise-imports/{batch.pk}/confirm/")

    assert committed.status_code == 200, committed.json()
    assert (committed.json()["status"], committed.json()["running"], committed.json()["can_commit"]) == (
        "committed", False, False)
    assert Enterprise.objects.count() == before + 2
    assert sorted(Enterprise.objects.filter(tax_code__in=codes).values_list("name", "workforce")) == [
        ("Công ty Mới 0", 120), ("Công ty Mới 1", 120)]
    updated.refresh_from_db()
    assert (updated.workforce, updated.workforce_as_of) == (15, dt.date(2025, 12, 31))
    again = client.post(f"/api/v1/enterprise-imports/{batch.pk}/confirm/")
    assert again.status_code == 409
    assert again.json()["detail"] == "This import is already committed."
    assert Enterprise.objects.count() == before + 2


def test_a_commit_that_fails_answers_409_with_its_reason_and_writes_nothing(world, monkeypatch):
    from django.db import OperationalError

    batch = uploaded(world, registry_list(2, bad=0)[0])

    def deadlocked(*args, **kwargs):
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(registry, "_commit_rows", deadlocked)
    before = Enterprise.objects.count()

    response = client_of(world.supervisor).post(f"/api/v1/enterprise-imports/{batch.pk}/confirm/")

    assert response.status_code == 409
    assert response.json()["detail"] == ("The registry was busy with another change to the same enterprises: "
                                         "nothing was written. Check the rows again, then commit.")
    assert (Enterprise.objects.count(), ImportBatch.objects.get().status) == (before, ImportStatus.FAILED)
    status = client_of(world.supervisor).get(f"/api/v1/enterprise-imports/{batch.pk}/").json()
    assert (status["status"], status["failure"], status["can_recheck"]) == (
        "failed", response.json()["detail"], True)


@pytest.mark.parametrize("role", ROLES)
def test_only_a_supervisor_may_upload_into_a_unit_they_supervise(world, role):
    content, _codes = registry_list(1, bad=0)
    before = registry_written()

    response = client_of(world.user(role)).post("/api/v1/enterprise-imports/", {
        "file": upload("ds.csv", content), "unit": world.district.pk}, format="multipart")

    if role == "supervisor":
        assert response.status_code == 201
        assert ImportBatch.objects.get().created_by == world.supervisor
        return
    if role == "other_supervisor":  # a supervisor, of another unit: the page's choice refuses it
        assert response.status_code == 400
        assert response.json()["errors"] == {"unit": [
            f"Select a valid choice. {world.district.pk} is not one of the available choices."]}
    else:
        assert response.status_code == denied(role)
        assert response["Content-Type"] == "application/problem+json"
    assert registry_written() == before


@pytest.mark.parametrize("role", [*ROLES, "province_supervisor"])
def test_an_import_is_its_uploaders_only(world, role, province_supervisor):
    batch = uploaded(world, registry_list(1, bad=1)[0])
    user = province_supervisor if role == "province_supervisor" else world.user(role)
    client = client_of(user)
    before = registry_written()

    answers = [client.get(f"/api/v1/enterprise-imports/{batch.pk}/"),
               client.get(f"/api/v1/enterprise-imports/{batch.pk}/rows/"),
               client.post(f"/api/v1/enterprise-imports/{batch.pk}/check/"),
               client.post(f"/api/v1/enterprise-imports/{batch.pk}/columns/", {"mapping": {}}, format="json"),
               client.post(f"/api/v1/enterprise-imports/{batch.pk}/confirm/")]
    listed = client.get("/api/v1/enterprise-imports/")

    if role == "supervisor":
        assert [answer.status_code for answer in answers] == [200, 200, 200, 400, 200]
        assert Enterprise.objects.count() == len(before[0]) + 1
        assert [row["id"] for row in listed.json()["results"]] == [batch.pk]
        return
    assert [answer.status_code for answer in answers] == [denied(role)] * 5
    assert registry_written() == before
    if role != "anonymous":
        assert listed.json()["results"] == []


def test_a_large_list_is_checked_and_committed_by_jobs_and_the_status_shows_their_progress(
        world, monkeypatch, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    monkeypatch.setattr(registry, "BACKGROUND_ROWS", 3)
    monkeypatch.setattr(registry, "CHUNK", 2)
    content, codes = registry_list(5, bad=2)
    client = client_of(world.supervisor)
    before = Enterprise.objects.count()

    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/api/v1/enterprise-imports/", {
            "file": upload("lon.csv", content), "unit": world.district.pk}, format="multipart")
    url = response["Location"]

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["running"], response.json()["progress"]) == (
        "previewing", True, {"done": 0, "total": 7, "percent": 0, "stalled": False})
    assert len(queued) == 1
    queued[0]()  # the check's job (django-q2, in this process)
    with django_assert_max_num_queries(12):
        checked = client.get(url).json()
    assert (checked["status"], checked["running"], checked["progress"]["done"], checked["counts"]["created"],
            checked["counts"]["errors"]) == ("previewed", False, 7, 5, 2)

    with django_capture_on_commit_callbacks() as queued:
        confirmed = client.post(f"{url}confirm/")
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["running"], confirmed["Location"]) == (
        "committing", True, url)
    assert Enterprise.objects.count() == before
    queued[0]()  # the commit's job
    done = client.get(url).json()

    assert (done["status"], done["running"], done["progress"]["done"], done["progress"]["total"]) == (
        "committed", False, 5, 5)
    assert Enterprise.objects.count() == before + 5
    assert Enterprise.objects.filter(tax_code__in=codes).count() == 5


def test_columns_not_recognised_are_mapped_then_the_rows_checked(world):
    content = csv_bytes([["Tên DN", "MST", "Số LĐ cuối kỳ"], ["Công ty A", factories.next_tax_code(), "77"]])
    client = client_of(world.supervisor)

    response = client.post("/api/v1/enterprise-imports/", {"file": upload("a.csv", content),
                                                           "unit": world.district.pk}, format="multipart")
    body = response.json()
    url = response["Location"]

    assert (response.status_code, body["status"], body["can_commit"]) == (201, "uploaded", False)
    assert [(c["index"], c["header"]) for c in body["columns"]] == [(0, "Tên DN"), (1, "MST"), (2, "Số LĐ cuối kỳ")]
    assert body["mapping_problems"] != []
    unknown = client.post(f"{url}columns/", {"mapping": {"0": "nope"}}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"mapping": ["Choose a field from the list for every column."]}
    no_name = client.post(f"{url}columns/", {"mapping": {"1": "tax_code"}}, format="json")
    assert no_name.status_code == 400 and list(no_name.json()["errors"]) == ["mapping"]
    assert ImportBatch.objects.get().status == ImportStatus.UPLOADED

    mapped = client.post(f"{url}columns/", {"mapping": {"0": "name", "1": "tax_code", "2": "workforce"}},
                         format="json")

    assert mapped.status_code == 200
    assert (mapped.json()["status"], mapped.json()["counts"]["created"], mapped.json()["mapping_problems"]) == (
        "previewed", 1, [])
    assert [c["field"] for c in mapped.json()["columns"]] == ["name", "tax_code", "workforce"]


@pytest.mark.parametrize("name, content, message", [
    ("anh.png", b"\x89PNG\r\n\x1a\n\x00\x00", "The file is not UTF-8: save it as CSV UTF-8 or XLSX."),
    ("trong.csv", b"", "The submitted file is empty."),
    ("tieu-de.csv", csv_bytes([VI_HEADERS]), "The file has column headers but no rows under them."),
])
def test_a_file_that_is_not_a_registry_list_is_refused_with_the_pages_reason(world, name, content, message):
    response = client_of(world.supervisor).post("/api/v1/enterprise-imports/", {
        "file": upload(name, content), "unit": world.district.pk}, format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"file": [message]}
    assert ImportBatch.objects.count() == 0


def test_a_list_damaged_half_way_is_refused_and_nothing_is_stored(world):
    rows = [VI_HEADERS, line("Công ty A", factories.next_tax_code(), "10"),
            line("Công ty B", factories.next_tax_code(), DAMAGE_HERE), line("Công ty C", factories.next_tax_code())]

    response = client_of(world.supervisor).post("/api/v1/enterprise-imports/", {
        "file": upload("hong.xlsx", xlsx_damaged(rows, "sheet cut short")), "unit": world.district.pk},
        format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["file"][0].startswith("The spreadsheet is damaged: its rows cannot be read from")
    assert (ImportBatch.objects.count(), Enterprise.objects.count()) == (0, 1)


def test_a_file_too_large_or_missing_or_not_multipart_is_refused(world, monkeypatch):
    from workflows.enterprises import imports

    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 2**20)
    client = client_of(world.supervisor)
    content = registry_list(1, bad=0)[0]

    large = client.post("/api/v1/enterprise-imports/", {
        "file": upload("lon.csv", content + b"," * 2**20), "unit": world.district.pk}, format="multipart")
    missing = client.post("/api/v1/enterprise-imports/", {"unit": world.district.pk}, format="multipart")
    as_json = client.post("/api/v1/enterprise-imports/", {"unit": world.district.pk, "file": "x"}, format="json")

    assert large.status_code == 400
    assert large.json()["errors"] == {"file": ["The file is larger than 1 MB: split it into smaller files."]}
    assert missing.json()["errors"] == {"file": ["This field is required."]}
    assert (as_json.status_code, list(as_json.json()["errors"])) == (400, ["file", "unit"])
    assert ImportBatch.objects.count() == 0


def test_the_reasons_are_in_vietnamese_for_a_vietnamese_client(world):
    response = client_of(world.supervisor, language="vi").post("/api/v1/enterprise-imports/", {
        "file": upload("tieu-de.csv", csv_bytes([VI_HEADERS])), "unit": world.district.pk}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["Tệp có tiêu đề cột nhưng không có dòng dữ liệu nào."]


def test_a_read_only_token_may_read_the_status_but_not_upload_or_commit(world):
    batch = uploaded(world, registry_list(1, bad=0)[0])
    client = client_of(world.supervisor, scope="read")

    status = client.get(f"/api/v1/enterprise-imports/{batch.pk}/")
    posted = client.post("/api/v1/enterprise-imports/", {"file": upload("a.csv", registry_list(1)[0]),
                                                         "unit": world.district.pk}, format="multipart")
    committed = client.post(f"/api/v1/enterprise-imports/{batch.pk}/confirm/")

    assert (status.status_code, posted.status_code, committed.status_code) == (200, 403, 403)
    assert ImportBatch.objects.get().status == ImportStatus.PREVIEWED


def test_the_lists_cost_the_same_queries_for_few_and_many(world, django_assert_max_num_queries):
    client = client_of(world.supervisor)
    small = uploaded(world, registry_list(1)[0])
    client.get("/api/v1/enterprise-imports/")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/enterprise-imports/")
    few = len(few.captured_queries)  # read now: the next request clears the connection's log
    with django_assert_max_num_queries(12) as few_rows:
        client.get(f"/api/v1/enterprise-imports/{small.pk}/rows/", {"outcome": "create"})
    few_rows = len(few_rows.captured_queries)
    for _ in range(4):
        uploaded(world, registry_list(1)[0])
    large = uploaded(world, registry_list(8)[0])

    with django_assert_max_num_queries(few):
        response = client.get("/api/v1/enterprise-imports/")
    with django_assert_max_num_queries(few_rows):
        rows = client.get(f"/api/v1/enterprise-imports/{large.pk}/rows/", {"outcome": "create"})

    assert len(response.json()["results"]) == 6
    assert len(rows.json()["results"]) == 8


# --- the worker import of a case -----------------------------------------------------------
def employees(good: int = 3, *, bad: int = 1) -> bytes:
    """A list of ``good`` employees with a citizen ID and ``bad`` rows whose ID has 3 digits."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("DS")
    sheet.append(["STT", "Họ và tên", "Năm sinh", "Số CCCD", "Bộ phận"])
    for i in range(1, good + 1):
        sheet.append([i, f"Công nhân {i}", 1990, f"{200000000000 + i}", "May"])
    for i in range(bad):
        sheet.append([good + i + 1, f"Lỗi {i}", 1990, "123", "May"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workers_written():
    return (sorted(Worker.objects.values_list("pk", "full_name")),
            sorted(WorkerImport.objects.values_list("pk", "status")))


def viewed() -> list[list[int]]:
    return [sorted(e.workers) for e in AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_VIEW).order_by("pk")]


def worker_import(world, campaign, capture, content: bytes | None = None) -> int:
    """An import uploaded by the officer over the API, its check's job run."""
    with capture(execute=True):
        response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/worker-imports/", {
            "file": upload("ds.xlsx", content or employees())}, format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_an_officer_uploads_a_list_polls_its_check_and_confirms_it(world, django_capture_on_commit_callbacks,
                                                                   django_assert_max_num_queries):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/worker-imports/"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload("ds.xlsx", employees(3, bad=1))}, format="multipart")
        assert response.status_code == 201  # answered before the check's job runs
    body = response.json()
    run = WorkerImport.objects.get()
    assert response["Location"] == f"{url}{run.pk}/"
    assert (body["status"], body["running"], body["enterprise"], body["file_name"]) == (
        "checking", True, world.enterprise.pk, "ds.xlsx")
    with django_assert_max_num_queries(10):
        status = client.get(response["Location"])
    checked = status.json()
    assert (checked["status"], checked["running"], checked["can_confirm"], checked["can_cancel"]) == (
        "checked", False, True, True)
    assert checked["counts"] == {"rows_total": 4, "new": 3, "moved": 0, "existing": 0, "in_file": 0, "errors": 1}
    assert (checked["to_write"], checked["progress"]) == (3, {"done": 4, "total": 4, "percent": 100,
                                                              "stalled": False})
    assert Worker.objects.count() == 0 and viewed() == []  # counts are not personal data: no audit
    errors = client.get(f"{response['Location']}rows/", {"outcome": "error"})
    assert errors.status_code == 200
    assert [(row["row"], row["full_name"], [m["column"] for m in row["messages"]]) for row in errors.json()] == [
        (5, "Lỗi 0", ["Citizen ID (CCCD)"])]
    assert viewed() == [[]]

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{response['Location']}confirm/")
        assert (confirmed.json()["status"], confirmed.json()["running"]) == ("writing", True)
    done = client.get(response["Location"]).json()

    assert confirmed.status_code == 200 and confirmed["Location"] == response["Location"]
    assert (done["status"], done["running"], done["written"], done["skipped"], done["can_confirm"]) == (
        "written", False, 3, 0, False)
    assert sorted(Worker.objects.values_list("full_name", "enterprise_id", "id_last4")) == [
        ("Công nhân 1", world.enterprise.pk, "0001"), ("Công nhân 2", world.enterprise.pk, "0002"),
        ("Công nhân 3", world.enterprise.pk, "0003")]
    again = client.post(f"{response['Location']}confirm/")
    assert (again.status_code, again.json()["detail"]) == (409, "This list is already imported.")
    assert Worker.objects.count() == 3


@pytest.mark.parametrize("role", ROLES)
def test_only_who_works_on_the_people_of_the_case_may_upload(world, role, django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    before = workers_written()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(world.user(role)).post(f"/api/v1/campaigns/{campaign.pk}/worker-imports/", {
            "file": upload("ds.xlsx", employees())}, format="multipart")

    if role in ("officer", "supervisor"):
        assert response.status_code == 201
        run = WorkerImport.objects.get()
        assert (run.status, run.new, run.errors, run.created_by) == (WorkerImportStatus.CHECKED, 3, 1,
                                                                     world.user(role))
        assert Worker.objects.count() == 0
    else:  # managers see counts on the pages, never the workers: 404 here, as for everyone out of scope
        assert response.status_code == denied(role)
        assert workers_written() == before


@pytest.mark.parametrize("role", ROLES)
def test_an_import_of_the_case_answers_404_to_who_may_not_work_on_its_people(world, role,
                                                                             django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    pk = worker_import(world, campaign, django_capture_on_commit_callbacks)
    client = client_of(world.user(role))
    url = f"/api/v1/campaigns/{campaign.pk}/worker-imports/"
    before = workers_written()
    audited = AuditEntry.objects.filter(kind__in=[AuditKind.PERSONAL_DATA_VIEW, AuditKind.PERSONAL_DATA_EXPORT])

    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.get(url), client.get(f"{url}{pk}/"), client.get(f"{url}{pk}/rows/"),
                   client.get(f"{url}{pk}/errors/"), client.post(f"{url}{pk}/cancel/"),
                   client.post(f"{url}{pk}/confirm/")]

    if role in ("officer", "supervisor"):
        # the cancellation goes first: the confirmation then finds it cancelled
        assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 200, 409]
        assert (Worker.objects.count(), WorkerImport.objects.get().status) == (0, WorkerImportStatus.CANCELLED)
        assert audited.count() == 2
        return
    assert [answer.status_code for answer in answers] == [denied(role)] * 6
    assert workers_written() == before
    assert audited.count() == 0


def test_an_import_of_another_case_is_not_found(world, django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    other = campaign_at(world, Stage.SURVEYED, enterprise=factories.EnterpriseFactory(responsible_unit=world.district))
    pk = worker_import(world, campaign, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(world.officer).post(f"/api/v1/campaigns/{other.pk}/worker-imports/{pk}/confirm/")

    assert response.status_code == 404
    assert (Worker.objects.count(), WorkerImport.objects.get().status) == (0, WorkerImportStatus.CHECKED)


def test_a_cancelled_import_writes_nothing(world, django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    pk = worker_import(world, campaign, django_capture_on_commit_callbacks)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/worker-imports/{pk}/"

    cancelled = client.post(f"{url}cancel/")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{url}confirm/")

    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["can_cancel"], cancelled.json()["can_confirm"]) == (
        "cancelled", False, False)
    assert (confirmed.status_code, confirmed.json()["detail"]) == (
        409, "This import was cancelled: upload the file again.")
    assert Worker.objects.count() == 0


def test_a_list_with_only_errors_has_nothing_to_write(world, django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    pk = worker_import(world, campaign, django_capture_on_commit_callbacks, employees(0, bad=2))
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/worker-imports/{pk}/"

    status = client.get(url).json()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{url}confirm/")

    assert (status["counts"]["errors"], status["to_write"], status["can_confirm"]) == (2, 0, False)
    assert confirmed.status_code == 400
    assert confirmed.json()["detail"] == ("Every worker of the list is already entered here (or the rows have "
                                          "errors): there is nothing to write.")
    assert Worker.objects.count() == 0


def test_the_errors_file_holds_the_rows_with_errors_and_is_audited(world, django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    pk = worker_import(world, campaign, django_capture_on_commit_callbacks)

    response = client_of(world.officer).get(f"/api/v1/campaigns/{campaign.pk}/worker-imports/{pk}/errors/",
                                            HTTP_ACCEPT=XLSX)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="ds - errors.xlsx"'
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert [row[:2] for row in rows] == [("Row", "Column"), (5, "Citizen ID (CCCD)")]
    assert "123" not in [cell for row in rows for cell in row]  # the citizen ID is not kept, not even a bad one
    assert AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_EXPORT).count() == 1


@pytest.mark.parametrize("content, message", [
    (b"a;b\n1;2\n", "No header row found: a row at the top must name the columns, at least “Họ và tên” and one "
                    "more, e.g. “Năm sinh”, “Số CCCD”, “Bộ phận”. Download the template to see them."),
    ("Họ và tên;Năm sinh\n".encode() + b"Nguyen Van A;1990\n" * 30_001,
     "The list has more than 30.000 rows: split it into files of at most 30.000 workers and upload them one after "
     "the other."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "This is an old Excel file (.xls): open it in Excel, save it as .xlsx (or "
                                          "CSV UTF-8) and upload that."),
])
def test_a_file_that_is_not_a_list_of_employees_is_refused_and_nothing_stored(world, content, message):
    campaign = campaign_at(world, Stage.SURVEYED)

    response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/worker-imports/", {
        "file": upload("ds.csv", content)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == {"file": [message]}
    assert WorkerImport.objects.count() == 0


def test_a_list_too_large_is_refused_as_on_the_page(world, monkeypatch):
    from workflows.campaigns import worker_import_forms

    monkeypatch.setattr(worker_import_forms, "MAX_FILE_BYTES", 2**20)
    campaign = campaign_at(world, Stage.SURVEYED)

    response = client_of(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/worker-imports/", {
        "file": upload("lon.xlsx", b"PK\x03\x04" + b"0" * 2**20)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["The file is larger than 1 MB: split it into smaller files."]}
    assert WorkerImport.objects.count() == 0


def test_a_closed_case_takes_no_list(world):
    campaign = campaign_at(world, Stage.ABANDONED)

    response = client_of(world.supervisor).post(f"/api/v1/campaigns/{campaign.pk}/worker-imports/", {
        "file": upload("ds.xlsx", employees())}, format="multipart")

    assert (response.status_code, response.json()["detail"]) == (400, "The campaign is closed.")
    assert WorkerImport.objects.count() == 0


def test_the_imports_of_a_case_cost_the_same_queries_for_few_and_many(world, django_capture_on_commit_callbacks,
                                                                      django_assert_max_num_queries):
    campaign = campaign_at(world, Stage.SURVEYED)
    client = client_of(world.officer)
    url = f"/api/v1/campaigns/{campaign.pk}/worker-imports/"
    worker_import(world, campaign, django_capture_on_commit_callbacks)
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    few = len(few.captured_queries)  # read now: the next requests clear the connection's log
    for _ in range(4):
        worker_import(world, campaign, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert [row["status"] for row in response.json()["results"]] == ["checked"] * 5


# --- the organisation import ---------------------------------------------------------------
def person(username, unit, *, role="supervisor"):
    return (username, f"Nguyễn Văn {username.title()}", f"{username}@example.vn", "", "", unit, "", role, "")


def organisation_written():
    return (sorted(Unit.objects.values_list("pk", "code", "name")),
            sorted(get_user_model().objects.values_list("pk", "username")),
            sorted(OrganisationImport.objects.values_list("pk", "status")))


def test_an_administrator_uploads_the_template_polls_its_check_and_confirms_it(world,
                                                                              django_capture_on_commit_callbacks):
    data = organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation")],
                                 [person("lan", "kv-bac")])
    client = client_of(world.administrator)
    units, people = Unit.objects.count(), get_user_model().objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/organisation-imports/", {
            "file": upload("to-chuc.xlsx", data), "unit": world.province.pk}, format="multipart")
        assert (response.json()["status"], response.json()["running"]) == ("previewing", True)
    run = OrganisationImport.objects.get()
    checked = client.get(response["Location"]).json()

    assert response.status_code == 201 and response["Location"] == f"/api/v1/organisation-imports/{run.pk}/"
    assert (checked["status"], checked["running"], checked["can_confirm"], checked["nothing_to_write"]) == (
        "previewed", False, True, False)
    assert checked["counts"] == {"rows_total": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert [(p["key"], p["count"]) for p in checked["plan"]] == [
        ("units_created", 1), ("people_created", 1), ("roles_granted", 1)]
    assert (Unit.objects.count(), get_user_model().objects.count()) == (units, people)

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{response['Location']}confirm/", {"invite": False}, format="json")
        assert (confirmed.json()["status"], confirmed.json()["running"]) == ("committing", True)
    done = client.get(response["Location"]).json()

    assert confirmed.status_code == 200
    assert (done["status"], done["running"], done["can_confirm"]) == ("committed", False, False)
    assert [(r["key"], r["count"]) for r in done["result"]] == [
        ("units_created", 1), ("people_created", 1), ("roles_granted", 1)]
    assert (Unit.objects.count(), get_user_model().objects.count()) == (units + 1, people + 1)
    assert Unit.objects.get(code="kv-bac").name == "Khu vực Bắc"
    again = client.post(f"{response['Location']}confirm/", {}, format="json")
    assert (again.status_code, again.json()["detail"]) == (409, "This import is already written.")


def test_a_template_with_one_bad_row_writes_nothing(world, django_capture_on_commit_callbacks):
    data = organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation"),
                                  ("kv-nam", "=1+1", "", "district_federation")], [person("lan", "kv-bac")])
    client = client_of(world.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/organisation-imports/", {
            "file": upload("to-chuc.xlsx", data), "unit": world.province.pk}, format="multipart")
    checked = client.get(response["Location"]).json()
    before = organisation_written()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{response['Location']}confirm/", {}, format="json")
    errors = client.get(f"{response['Location']}errors/")

    assert (checked["counts"]["created"], checked["counts"]["errors"], checked["can_confirm"]) == (2, 1, False)
    assert confirmed.status_code == 400
    assert confirmed.json()["detail"] == ("The file has rows with an error: fix them in the file and upload it "
                                          "again. Nothing was written.")
    assert organisation_written() == before
    assert OrganisationImport.objects.get().status == OrganisationStatus.CHECKED
    assert errors.status_code == 200 and errors["Content-Type"] == XLSX
    assert errors["Content-Disposition"] == 'attachment; filename="to-chuc - errors.xlsx"'


@pytest.mark.parametrize("role", ROLES)
def test_only_an_administrator_imports_the_organisation_and_only_their_own_import(
        world, role, django_capture_on_commit_callbacks):
    data = organisation_workbook([("kv-bac", "Khu vực Bắc", "", "district_federation")], [])
    with django_capture_on_commit_callbacks(execute=True):
        ours = client_of(world.administrator).post("/api/v1/organisation-imports/", {
            "file": upload("to-chuc.xlsx", data), "unit": world.province.pk}, format="multipart").json()["id"]
    client = client_of(world.user(role))
    before = organisation_written()

    with django_capture_on_commit_callbacks(execute=True):
        uploaded_ = client.post("/api/v1/organisation-imports/", {
            "file": upload("to-chuc.xlsx", data), "unit": world.province.pk}, format="multipart")
        answers = [client.get(f"/api/v1/organisation-imports/{ours}/"),
                   client.get(f"/api/v1/organisation-imports/{ours}/errors/"),
                   client.post(f"/api/v1/organisation-imports/{ours}/check/"),
                   client.post(f"/api/v1/organisation-imports/{ours}/confirm/", {}, format="json")]

    if role == "administrator":
        assert uploaded_.status_code == 201
        assert [answer.status_code for answer in answers] == [200, 200, 200, 409]  # the check is running again
        return
    assert uploaded_.status_code == denied(role)
    assert [answer.status_code for answer in answers] == [denied(role)] * 4
    assert organisation_written() == before


def test_a_file_that_is_not_the_template_is_refused_and_nothing_stored(world):
    response = client_of(world.administrator).post("/api/v1/organisation-imports/", {
        "file": upload("to-chuc.xlsx", b"not a workbook"), "unit": world.province.pk}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]
    assert OrganisationImport.objects.count() == 0


def test_the_organisation_imports_cost_the_same_queries_for_few_and_many(world, django_assert_max_num_queries):
    from workflows.administration.imports import organisation_import_upload

    def upload_one(code):
        organisation_import_upload(actor=world.administrator, unit=world.province, file_name="to-chuc.xlsx",
                                   content=organisation_workbook([(code, "Khu vực", "", "district_federation")], []))

    client = client_of(world.administrator)
    upload_one("kv-1")
    client.get("/api/v1/organisation-imports/")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/organisation-imports/")
    few = len(few.captured_queries)  # read now: the next request clears the connection's log
    for n in range(2, 7):
        upload_one(f"kv-{n}")

    with django_assert_max_num_queries(few):
        response = client.get("/api/v1/organisation-imports/")

    assert [(row["status"], row["running"]) for row in response.json()["results"]] == [("previewing", True)] * 6

"""The worker import's pages on a case: upload, status (progress, preview,
confirm, cancel), the errors file and the template; who may open them."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from tests.conftest import campaign_at
from workflows.audit.models import AuditEntry, AuditKind
from workflows.campaigns import worker_imports
from workflows.campaigns.flows import Stage
from workflows.people.models import Worker, WorkerImport, WorkerImportStatus

ROLES = ["anonymous", "other_officer", "officer", "other_supervisor", "supervisor", "manager"]
ALLOWED = {"officer", "supervisor"}


def _list(rows=3, *, bad=1) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("DS")
    sheet.append(["STT", "Họ và tên", "Năm sinh", "Số CCCD", "Bộ phận"])
    for i in range(1, rows + 1):
        sheet.append([i, f"Công nhân {i}", 1990, f"{200000000000 + i}", "May"])
    for i in range(bad):
        sheet.append([rows + i + 1, f"Lỗi {i}", 1990, "123", "May"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload_file(name="ds.xlsx", content=None):
    upload = io.BytesIO(content or _list())
    upload.name = name
    return upload


def _written():
    return (Worker.objects.count(), WorkerImport.objects.count(),
            list(WorkerImport.objects.order_by("pk").values_list("status", flat=True)))


def _checked(world, campaign, capture) -> WorkerImport:
    with capture(execute=True):
        run = worker_imports.worker_import_start(campaign_id=campaign.pk, actor=world.officer, file_name="ds.xlsx",
                                                 content=_list())
    run.refresh_from_db()
    return run


@pytest.mark.parametrize("role", ROLES)
def test_only_who_works_on_the_people_of_the_case_may_upload(client, world, role,
                                                             django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    user = world.user(role)
    if user:
        client.force_login(user)
    before = _written()
    url = reverse("campaigns:worker_import", args=[campaign.pk])

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(url)
        response = client.post(url, {"file": _upload_file()})

    if role in ALLOWED:
        run = WorkerImport.objects.get()
        assert page.status_code == 200
        assert response.status_code == 302
        assert response["Location"] == reverse("campaigns:worker_import_status", args=[campaign.pk, run.pk])
        assert (run.status, run.new, run.errors, run.created_by) == (WorkerImportStatus.CHECKED, 3, 1, user)
        assert Worker.objects.count() == before[0]
    else:
        expected = 302 if role == "anonymous" else 404
        assert (page.status_code, response.status_code) == (expected, expected)
        assert _written() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_who_works_on_the_people_of_the_case_may_confirm(client, world, role,
                                                              django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    run = _checked(world, campaign, django_capture_on_commit_callbacks)
    user = world.user(role)
    if user:
        client.force_login(user)
    before = _written()

    with django_capture_on_commit_callbacks(execute=True):
        status = client.get(reverse("campaigns:worker_import_status", args=[campaign.pk, run.pk]))
        errors = client.get(reverse("campaigns:worker_import_errors", args=[campaign.pk, run.pk]))
        response = client.post(reverse("campaigns:worker_import_confirm", args=[campaign.pk, run.pk]))

    run.refresh_from_db()
    if role in ALLOWED:
        assert (status.status_code, errors.status_code, response.status_code) == (200, 200, 302)
        assert (run.status, run.written, run.confirmed_by) == (WorkerImportStatus.WRITTEN, 3, user)
        assert Worker.objects.count() == before[0] + 3
    else:
        expected = 302 if role == "anonymous" else 404
        assert (status.status_code, errors.status_code, response.status_code) == (expected,) * 3
        assert _written() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_who_works_on_the_people_of_the_case_may_cancel(client, world, role,
                                                             django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    run = _checked(world, campaign, django_capture_on_commit_callbacks)
    user = world.user(role)
    if user:
        client.force_login(user)
    before = _written()

    response = client.post(reverse("campaigns:worker_import_cancel", args=[campaign.pk, run.pk]))

    run.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert run.status == WorkerImportStatus.CANCELLED
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert _written() == before


@pytest.mark.parametrize("role", ROLES)
def test_the_template_opens_for_who_may_import(client, world, role):
    campaign = campaign_at(world, Stage.SURVEYED)
    user = world.user(role)
    if user:
        client.force_login(user)
    response = client.get(reverse("campaigns:worker_import_template", args=[campaign.pk]))
    if role in ALLOWED:
        assert response.status_code == 200
        headers = next(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True))
        assert len(headers) == 12
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)


def test_the_status_page_shows_the_counts_and_the_rows_with_their_errors(client, world,
                                                                        django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    run = _checked(world, campaign, django_capture_on_commit_callbacks)
    client.force_login(world.officer)

    with translation.override("en"):
        response = client.get(reverse("campaigns:worker_import_status", args=[campaign.pk, run.pk]),
                              HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert [(value, n) for value, _label, n in response.context["counts"]] == [
        ("new", 3), ("moved", 0), ("existing", 0), ("in_file", 0), ("error", 1)]
    assert [row.number for row in response.context["rows"]] == [2, 3, 4, 5]
    assert response.context["can_confirm"] is True
    body = response.content.decode()
    assert reverse("campaigns:worker_import_confirm", args=[campaign.pk, run.pk]) in body
    assert reverse("campaigns:worker_import_errors", args=[campaign.pk, run.pk]) in body
    assert AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_VIEW).count() == 1


def test_a_second_confirmation_answers_a_conflict_and_writes_nothing(client, world,
                                                                    django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    run = _checked(world, campaign, django_capture_on_commit_callbacks)
    client.force_login(world.officer)
    url = reverse("campaigns:worker_import_confirm", args=[campaign.pk, run.pk])

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
        second = client.post(url)

    assert (first.status_code, second.status_code) == (302, 409)
    assert Worker.objects.count() == 3


def test_an_htmx_poll_gets_the_progress_while_running_then_a_refresh(client, world,
                                                                     django_capture_on_commit_callbacks):
    campaign = campaign_at(world, Stage.SURVEYED)
    run = worker_imports.worker_import_start(campaign_id=campaign.pk, actor=world.officer, file_name="ds.xlsx",
                                             content=_list())  # the check's job is not run (no commit here)
    client.force_login(world.officer)
    url = reverse("campaigns:worker_import_status", args=[campaign.pk, run.pk])

    running = client.get(url, HTTP_HX_REQUEST="true")
    WorkerImport.objects.filter(pk=run.pk).update(status=WorkerImportStatus.CHECKED)
    done = client.get(url, HTTP_HX_REQUEST="true")

    assert running.status_code == 200 and 'id="worker-import-progress"' in running.content.decode()
    assert done["HX-Refresh"] == "true"


def test_a_file_that_is_not_a_list_is_refused_on_the_form(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client.force_login(world.officer)
    with translation.override("en"):
        response = client.post(reverse("campaigns:worker_import", args=[campaign.pk]),
                               {"file": _upload_file("x.csv", b"a;b\n1;2\n")}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert WorkerImport.objects.count() == 0
    assert response.context["form"].non_field_errors()[0].startswith("Không tìm thấy dòng tiêu đề")


def test_a_too_long_list_is_refused_on_the_form(client, world):
    campaign = campaign_at(world, Stage.SURVEYED)
    client.force_login(world.officer)
    content = "Họ và tên;Năm sinh\n".encode() + b"Nguyen Van A;1990\n" * 30_001
    response = client.post(reverse("campaigns:worker_import", args=[campaign.pk]),
                           {"file": _upload_file("big.csv", content)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert WorkerImport.objects.count() == 0
    assert "30.000" in response.context["form"].non_field_errors()[0]


def test_an_import_of_another_enterprise_is_not_found(client, world, django_capture_on_commit_callbacks):
    from tests.factories import EnterpriseFactory

    campaign = campaign_at(world, Stage.SURVEYED)
    other = campaign_at(world, Stage.SURVEYED, enterprise=EnterpriseFactory(responsible_unit=world.district))
    run = _checked(world, campaign, django_capture_on_commit_callbacks)
    client.force_login(world.officer)

    response = client.post(reverse("campaigns:worker_import_confirm", args=[other.pk, run.pk]))

    assert response.status_code == 404
    assert Worker.objects.count() == 0


def test_the_upload_page_lists_recent_imports_in_few_queries(client, world, django_capture_on_commit_callbacks,
                                                             django_assert_max_num_queries):
    campaign = campaign_at(world, Stage.SURVEYED)
    client.force_login(world.officer)
    url = reverse("campaigns:worker_import", args=[campaign.pk])
    _checked(world, campaign, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(5):
        _checked(world, campaign, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["imports"]) == 6

"""Files prepared by a job (issue 19, #3), through the registry's export:
the button asks, the job (run on commit) writes the rows the list shows to
that user — their scope read again when the job runs — and reports its
progress; the status page follows it; the file is its creator's alone;
old files expire; a job delivered twice writes one file."""
from __future__ import annotations

import datetime as dt
import gc

import pytest
from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.enterprises.sheets import xlsx_rows
from tests.exports.helpers import ask, download, prepared
from tests.factories import EnterpriseFactory
from workflows.core import clock
from workflows.enterprises import exports as registry_exports
from workflows.enterprises.models import OwnershipSector
from workflows.exports import jobs, producers, services
from workflows.exports.models import ExportChunk, ExportRun, ExportStatus
from workflows.organisation import services as org
from workflows.organisation.permissions import Role


def vi(msgid: str) -> str:
    with translation.override("vi"):
        return translation.gettext(msgid)


def written() -> list:
    return [sorted(ExportRun.objects.values_list("pk", "status", "done", "token", "size")), ExportChunk.objects.count()]


@pytest.fixture
def registry(world):
    """Five enterprises of the district (one named like a formula), two of the other district."""
    names = ["=HYPERLINK(\"http://x\",\"bấm\")", "Công ty TNHH May Bắc Ninh", "Công ty CP Điện tử Quế",
             "+cmd|' /C calc'!A0", "HTX Mây tre"]
    for i, name in enumerate(names):
        EnterpriseFactory(responsible_unit=world.district, name=name, workforce=100 + i,
                          ownership_sector=OwnershipSector.FDI if i % 2 else OwnershipSector.DOMESTIC_PRIVATE)
    EnterpriseFactory(responsible_unit=world.other_district, name="Công ty Quế Võ 1")
    EnterpriseFactory(responsible_unit=world.other_district, name="Công ty Quế Võ 2")
    return world


def names_in(body: bytes) -> list[str]:
    return sorted(row[1] for row in xlsx_rows(body)[1:])


# --- the file: the rows the list shows to the user ----------------------------------------------
def test_the_supervisors_file_has_the_rows_of_their_subtree_with_formulas_neutralised(
        client, registry, django_capture_on_commit_callbacks):
    world = registry
    client.force_login(world.supervisor)

    response, body = prepared(client, django_capture_on_commit_callbacks, "registry")

    assert response.status_code == 200
    assert response["Content-Type"] == producers.XLSX
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert int(response["Content-Length"]) == len(body)
    shown = client.get(reverse("enterprises:list")).context["page"].paginator.object_list
    assert names_in(body) == sorted(
        ("'" + e.name) if e.name[0] in "=+" else e.name for e in shown)
    assert names_in(body) == sorted(["'=HYPERLINK(\"http://x\",\"bấm\")", "'+cmd|' /C calc'!A0",
                                     "Công ty TNHH May Bắc Ninh", "Công ty CP Điện tử Quế", "HTX Mây tre",
                                     world.enterprise.name])


def test_the_managers_file_has_the_province_and_the_lists_filters(client, registry,
                                                                   django_capture_on_commit_callbacks):
    world = registry
    client.force_login(world.manager)

    _response, everything = prepared(client, django_capture_on_commit_callbacks, "registry")
    _response, fdi = prepared(client, django_capture_on_commit_callbacks, "registry",
                              {"sector": "fdi", "unit": world.district.pk, "page": "3"})

    assert len(xlsx_rows(everything)) == 1 + 8
    assert names_in(fdi) == sorted(["Công ty TNHH May Bắc Ninh", "'+cmd|' /C calc'!A0"])
    run = ExportRun.objects.filter(parameters__sector=["fdi"]).get()
    assert run.parameters == {"sector": ["fdi"], "unit": [str(world.district.pk)]}  # the page number is not kept


def test_the_scope_is_read_again_when_the_job_runs(client, registry, django_capture_on_commit_callbacks):
    # given: the supervisor asks; their grant is taken away before the job runs
    world = registry
    client.force_login(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("exports:start"), {"kind": "registry"})
        org.unit_role_revoke(unit=world.district, user=world.supervisor, role=Role.SUPERVISOR, actor=world.admin)

    # then: the file holds what they see now: nothing
    run = ExportRun.objects.get()
    assert started.status_code == 302
    assert (run.status, run.done, run.total) == (ExportStatus.READY, 0, 0)
    _response, body = download(client, run)
    assert len(xlsx_rows(body)) == 1


def test_the_job_reports_its_progress_every_n_rows(client, registry, django_capture_on_commit_callbacks,
                                                   monkeypatch):
    world = registry
    reports = []
    progress = services._Progress.__call__

    def spy(self, done, total):
        reports.append((done, total))
        progress(self, done, total)

    monkeypatch.setattr(producers, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(services._Progress, "__call__", spy)
    client.force_login(world.supervisor)

    _response, run = ask(client, django_capture_on_commit_callbacks, "registry")

    run.refresh_from_db()
    assert reports == [(0, 6), (2, 6), (4, 6), (6, 6), (6, 6)]
    assert (run.status, run.done, run.total) == (ExportStatus.READY, 6, 6)


def test_a_large_file_is_kept_in_chunks_and_streamed_whole(client, registry, django_capture_on_commit_callbacks,
                                                           monkeypatch):
    monkeypatch.setattr(services, "CHUNK_BYTES", 1000)
    client.force_login(registry.supervisor)

    _response, run = ask(client, django_capture_on_commit_callbacks, "registry")

    run.refresh_from_db()
    chunks = list(ExportChunk.objects.filter(run=run).order_by("seq").values_list("seq", "data"))
    assert [seq for seq, _data in chunks] == list(range(len(chunks)))
    assert len(chunks) == -(-run.size // 1000) > 3
    _response, body = download(client, run)
    assert body == b"".join(bytes(data) for _seq, data in chunks)
    assert len(xlsx_rows(body)) == 1 + 6


def test_the_file_is_written_in_the_language_of_who_asked(client, registry, django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    _response, english = prepared(client, django_capture_on_commit_callbacks, "registry")
    run = ExportRun.objects.get()

    assert run.language == "en"
    assert xlsx_rows(english)[0][:2] == ("Tax code", "Enterprise name")


# --- the status page, the download, My exports: the creator's alone -----------------------------
def test_the_status_page_follows_the_job_then_offers_the_file(client, registry,
                                                              django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    _response, run = ask(client, django_capture_on_commit_callbacks, "registry", {"sector": "fdi"},
                         execute=False)

    waiting = client.get(reverse("exports:detail", args=[run.pk]))
    polled = client.get(reverse("exports:progress", args=[run.pk]))
    early, _body = download(client, run)
    jobs.export_run(run.pk)
    ready = client.get(reverse("exports:detail", args=[run.pk]))
    polled_after = client.get(reverse("exports:progress", args=[run.pk]))

    assert waiting.status_code == 200
    assert 'id="export-progress"' in waiting.content.decode()
    assert reverse("exports:progress", args=[run.pk]) in waiting.content.decode()
    assert (polled.status_code, 'hx-trigger="every 1s"' in polled.content.decode()) == (200, True)
    assert early.status_code == 404
    assert ready.status_code == 200
    assert f'href="{reverse("exports:download", args=[run.pk])}"' in ready.content.decode()
    assert f'href="{reverse("enterprises:list")}?sector=fdi"' in ready.content.decode()
    assert (polled_after.status_code, polled_after["HX-Refresh"]) == (200, "true")


@pytest.mark.parametrize("role", ["other_officer", "officer", "other_supervisor", "manager", "administrator",
                                  "admin"])
def test_another_users_export_is_404_and_nothing_is_written(client, registry, django_capture_on_commit_callbacks,
                                                           role):
    world = registry
    client.force_login(world.supervisor)
    _response, run = ask(client, django_capture_on_commit_callbacks, "registry")
    client.force_login(getattr(world, role))
    before = written()

    answers = [client.get(reverse(name, args=[run.pk])).status_code
               for name in ("exports:detail", "exports:progress", "exports:download")]
    listed = client.get(reverse("exports:list"))

    assert answers == [404, 404, 404]
    assert listed.status_code == 200 and listed.context["rows"] == []
    assert written() == before


def test_anonymous_is_sent_to_sign_in(client, registry, django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    _response, run = ask(client, django_capture_on_commit_callbacks, "registry")
    client.logout()
    before = written()

    answers = [client.get(reverse(name, args=[run.pk])) for name in ("exports:detail", "exports:download")]
    answers += [client.post(reverse("exports:start"), {"kind": "registry"}), client.get(reverse("exports:list"))]

    assert [(a.status_code, a["Location"].startswith(reverse("login"))) for a in answers] == [(302, True)] * 4
    assert written() == before


def test_my_exports_lists_my_files_newest_first(client, registry, django_capture_on_commit_callbacks):
    world = registry
    client.force_login(world.officer)
    _r, theirs = ask(client, django_capture_on_commit_callbacks, "tasks")
    client.force_login(world.supervisor)
    _r, first = ask(client, django_capture_on_commit_callbacks, "registry")
    _r, second = ask(client, django_capture_on_commit_callbacks, "campaigns", {"stage": "surveyed"})

    page = client.get(reverse("exports:list"))

    assert [row.run.pk for row in page.context["rows"]] == [second.pk, first.pk]
    assert theirs.pk not in {row.run.pk for row in page.context["rows"]}
    assert page.content.decode().count(reverse("exports:download", args=[first.pk])) == 1


# --- asking: refusals, the same file twice, a bound per user -------------------------------------
def test_an_unknown_kind_is_404_and_nothing_is_written(client, registry):
    client.force_login(registry.supervisor)
    before = written()

    response = client.post(reverse("exports:start"), {"kind": "workers"})

    assert response.status_code == 404
    assert written() == before


def test_asking_needs_a_post(client, registry):
    client.force_login(registry.supervisor)

    assert client.get(reverse("exports:start"), {"kind": "registry"}).status_code == 405
    assert ExportRun.objects.count() == 0


def test_the_same_file_asked_twice_while_it_is_prepared_is_one_run(client, registry,
                                                                   django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)

    _r, first = ask(client, django_capture_on_commit_callbacks, "registry", {"q": "may"}, execute=False)
    _r, again = ask(client, django_capture_on_commit_callbacks, "registry", {"q": "may"}, execute=False)
    _r, other = ask(client, django_capture_on_commit_callbacks, "registry", {"q": "htx"}, execute=False)

    assert first.pk == again.pk != other.pk
    assert ExportRun.objects.count() == 2


def test_at_most_three_files_are_prepared_for_one_user_at_a_time(client, registry,
                                                                 django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    for q in ("a", "b", "c"):
        ask(client, django_capture_on_commit_callbacks, "registry", {"q": q}, execute=False)
    before = written()

    response, run = ask(client, django_capture_on_commit_callbacks, "registry", {"q": "d"}, execute=False)

    assert (response.status_code, run) == (400, None)
    assert written() == before


def test_asking_again_for_a_file_whose_job_stopped_starts_a_new_run(client, registry,
                                                                    django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    start = clock.now()
    with clock.travel_to(start - dt.timedelta(minutes=10)):
        _r, stalled = ask(client, django_capture_on_commit_callbacks, "registry", execute=False)
    page = client.get(reverse("exports:detail", args=[stalled.pk])).content.decode()

    _r, again = ask(client, django_capture_on_commit_callbacks, "registry")

    assert 'name="kind" value="registry"' in page  # the page offers to ask again
    again.refresh_from_db()
    assert again.pk != stalled.pk and again.status == ExportStatus.READY


# --- the job: twice delivered, dead, failing ---------------------------------------------------
def test_a_second_delivery_of_the_job_does_nothing(client, registry, django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    _r, run = ask(client, django_capture_on_commit_callbacks, "registry")
    before = written()

    assert jobs.export_run(run.pk) == "not this job's"
    assert written() == before


def test_a_run_whose_job_died_is_taken_over_and_a_live_one_is_not(client, registry,
                                                                  django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    _r, run = ask(client, django_capture_on_commit_callbacks, "registry", execute=False)
    started = clock.now()
    ExportRun.objects.filter(pk=run.pk).update(status=ExportStatus.RUNNING, token="dead", progressed_at=started)

    with clock.travel_to(started + dt.timedelta(seconds=60)):
        alive = jobs.export_run(run.pk)
    with clock.travel_to(started + dt.timedelta(minutes=10)):
        dead = jobs.export_run(run.pk)

    run.refresh_from_db()
    assert (alive, dead) == ("not this job's", ExportStatus.READY)
    assert run.token != "dead" and run.done == 6


# the abandoned write-only workbook complains when it is collected; its temporary file goes at exit
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_job_whose_run_was_taken_from_it_stops_and_stores_nothing(client, registry,
                                                                    django_capture_on_commit_callbacks,
                                                                    monkeypatch):
    client.force_login(registry.supervisor)
    _r, run = ask(client, django_capture_on_commit_callbacks, "registry", execute=False)
    claim = services._claim

    def claim_then_lose(run_id, token):
        claimed = claim(run_id, token)
        ExportRun.objects.filter(pk=run_id).update(token="another job")
        return claimed

    monkeypatch.setattr(services, "_claim", claim_then_lose)

    assert jobs.export_run(run.pk) == "not this job's"
    assert ExportChunk.objects.count() == 0
    assert ExportRun.objects.get(pk=run.pk).status == ExportStatus.RUNNING
    gc.collect()


def test_a_failing_producer_fails_the_run_with_a_sentence_and_nothing_stored(
        client, registry, django_capture_on_commit_callbacks, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(registry_exports, "registry_workbook", broken)
    client.force_login(registry.supervisor)

    _r, run = ask(client, django_capture_on_commit_callbacks, "registry")

    run.refresh_from_db()
    page = client.get(reverse("exports:detail", args=[run.pk])).content.decode()
    assert run.status == ExportStatus.FAILED
    assert run.error == vi("The file could not be prepared because of an unexpected error. Ask for it again; if it "
                           "fails again, tell the administrator.")
    assert run.error in page and "disk full" not in page
    assert ExportChunk.objects.count() == 0


# --- old files -----------------------------------------------------------------------------------
def test_files_older_than_seven_days_expire_and_are_gone(client, registry, django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    start = clock.now()
    with clock.travel_to(start - dt.timedelta(days=8)):
        _r, old = ask(client, django_capture_on_commit_callbacks, "registry", {"q": "old"})
    with clock.travel_to(start - dt.timedelta(days=6)):
        _r, recent = ask(client, django_capture_on_commit_callbacks, "registry", {"q": "recent"})
    with clock.travel_to(start - dt.timedelta(days=2)):
        _r, stuck = ask(client, django_capture_on_commit_callbacks, "registry", {"q": "stuck"}, execute=False)

    with clock.travel_to(start):
        done = jobs.exports_expire()
        again = jobs.exports_expire()

    old.refresh_from_db()
    stuck.refresh_from_db()
    assert (done, again) == ({"expired": 1, "given_up": 1, "forgotten": 0},
                             {"expired": 0, "given_up": 0, "forgotten": 0})
    assert old.status == ExportStatus.EXPIRED and stuck.status == ExportStatus.FAILED
    assert set(ExportChunk.objects.values_list("run_id", flat=True)) == {recent.pk}
    gone, _body = download(client, old)
    assert gone.status_code == 404
    page = client.get(reverse("exports:detail", args=[old.pk]))
    assert page.status_code == 200 and vi("This file is no longer kept.") in page.content.decode()
    kept, body = download(client, recent)
    assert kept.status_code == 200 and len(body) > 0


def test_runs_older_than_ninety_days_are_forgotten(client, registry, django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    start = clock.now()
    with clock.travel_to(start - dt.timedelta(days=91)):
        ask(client, django_capture_on_commit_callbacks, "registry")

    with clock.travel_to(start):
        done = jobs.exports_expire()

    assert done["forgotten"] == 1
    assert written() == [[], 0]


def test_the_kept_query_is_the_lists_filters_printable_and_bounded():
    query = QueryDict("page=3&q=c%C3%B4ng%00ty&stage=surveyed&stage=held&long=" + "x" * 500
                      + "".join(f"&k{i}=v" for i in range(40)))

    kept = services.parameters_of(query)

    assert kept["q"] == ["côngty"] and kept["stage"] == ["surveyed", "held"]
    assert "page" not in kept and len(kept["long"][0]) == services.MAX_VALUE_LENGTH
    assert len(kept) == services.MAX_PARAMETERS - 1  # the page number was one of the names read


@pytest.mark.parametrize("role", ["officer", "other_officer", "supervisor", "other_supervisor", "manager",
                                  "administrator"])
def test_each_role_gets_the_registry_it_sees_and_its_own_status_page(client, registry, role,
                                                                     django_capture_on_commit_callbacks):
    world = registry
    client.force_login(getattr(world, role))
    listed = list(client.get(reverse("enterprises:list")).context["page"].paginator.object_list)

    response, run = ask(client, django_capture_on_commit_callbacks, "registry")
    page = client.get(response["Location"])
    _download, body = download(client, run)

    assert (response.status_code, page.status_code, _download.status_code) == (302, 200, 200)
    assert names_in(body) == sorted(("'" + e.name) if e.name[0] in "=+" else e.name for e in listed)


def test_my_exports_reads_the_same_queries_for_one_file_or_many(client, registry,
                                                                django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    ask(client, django_capture_on_commit_callbacks, "registry")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("exports:list")).status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for q in ("a", "b", "c", "d"):
        ask(client, django_capture_on_commit_callbacks, "registry", {"q": q})
    assert queries() == one

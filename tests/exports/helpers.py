"""Asking for a file through the pages, as a user does: the button posts
the list's query to exports:start, the job runs once the request commits
(the test settings run jobs in the process, synchronously), the status page
offers the download."""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.urls import resolve, reverse

from workflows.exports.models import ExportRun


def start_url(params: dict | None = None) -> str:
    url = reverse("exports:start")
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def ask(client, capture, kind: str, params: dict | None = None, *, execute: bool = True):
    """POST the export button; (the answer, the run it leads to or None)."""
    with capture(execute=execute):
        response = client.post(start_url(params), {"kind": kind})
    if response.status_code != 302:
        return response, None
    match = resolve(urlsplit(response["Location"]).path)
    if match.view_name != "exports:detail":  # the sign-in page
        return response, None
    return response, ExportRun.objects.get(pk=match.kwargs["pk"])


def download(client, run) -> tuple[object, bytes]:
    response = client.get(reverse("exports:download", args=[run.pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else response.content
    return response, body


def prepared(client, capture, kind: str, params: dict | None = None) -> tuple[object, bytes]:
    """The file of ``kind`` for the signed-in user: (download answer, bytes)."""
    response, run = ask(client, capture, kind, params)
    assert response.status_code == 302, response.status_code
    run.refresh_from_db()
    assert run.status == "ready", (run.status, run.error)
    return download(client, run)


# --- for the access matrix (tests/security/test_access_matrix.py) -------------------------------
def run_of(objects):
    """A prepared registry file of the officer of a set of objects (made once per set)."""
    if getattr(objects, "export_run", None) is None:
        from workflows.exports import services

        run = services.export_start(actor=objects.officer, kind="registry", parameters={})
        objects.export_run = services.export_run(run_id=run.pk)
    return objects.export_run


def snapshot() -> tuple:
    """What the exports wrote: the runs and their files."""
    from workflows.exports.models import ExportChunk

    return (sorted(ExportRun.objects.values_list("pk", "status", "done", "size", "token")),
            ExportChunk.objects.count())

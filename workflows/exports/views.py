"""The export pages: ask for a file (from a list or a report page), follow
its progress, download it; "My exports". A run is its creator's alone:
anyone else gets a 404."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from workflows.core import clock
from workflows.core.pages import context_of
from workflows.core.shortcuts import visible_or_404

from . import permissions, selectors, services


def _run_or_404(request, pk: int):
    return visible_or_404(permissions.export_runs_visible_to(request.user), pk, request=request)


@login_required
@require_POST
def export_start(request):
    """``kind`` in the form; the list's filters in the query string, as the list page has them."""
    run = services.export_start(actor=request.user, kind=request.POST.get("kind", ""),
                                parameters=services.parameters_of(request.GET))
    return redirect("exports:detail", pk=run.pk)


@login_required
@require_GET
def export_list(request):
    return render(request, "exports/list.html", {"rows": selectors.export_runs_of(request.user, now=clock.now())})


@login_required
@require_GET
def export_detail(request, pk: int):
    page = selectors.export_page(request.user, _run_or_404(request, pk), now=clock.now())
    return render(request, "exports/detail.html", context_of(page))


@login_required
@require_GET
def export_progress(request, pk: int):
    """The progress bar, polled by htmx while the job runs; once it is done
    the page reloads and offers the file (or says why there is none)."""
    page = selectors.export_page(request.user, _run_or_404(request, pk), now=clock.now())
    if not page.active:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "exports/_progress.html", context_of(page))


@login_required
@require_GET
def export_download(request, pk: int):
    """The file, streamed one stored chunk at a time; none before it is ready or once it expired."""
    run = _run_or_404(request, pk)
    if not permissions.can_download(request.user, run):
        raise Http404
    response = StreamingHttpResponse(selectors.export_file_chunks(run), content_type=run.content_type)
    response["Content-Length"] = str(run.size)
    response["Content-Disposition"] = content_disposition_header(True, run.file_name)
    return response

"""The official reports (``layouts``) on screen, for a unit the user
oversees, a layout, a period and the programmes chosen (the query:
``report_files``). Their files (XLSX, PDF, CSV) are prepared by a job
from the page's buttons (``workflows.exports``, kinds ``report_*``)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.core import clock
from workflows.core.replica import reads_replica

from . import kept_figures, layouts, targets
from .report_files import SPANS, report_for, table_context
from .views import kept_ask, kept_context


@login_required
@require_GET
@reads_replica
def report_page(request):
    """The report on screen; one that counts from the history of a subtree
    too big for a page is counted by a job and kept (``kept_figures``)."""
    today = clock.today()
    report = report_for(request.user, request.GET, today=today, on_screen=True)
    programmes = list(targets.programmes_for(report.unit))
    context = {
        **table_context(report), "nav_active": "overview", "layout_title": report.asked.layout.title,
        "query": request.GET.urlencode(), "layouts": list(layouts.LAYOUTS.values()),
        "spans": [(span, span_label(span)) for span in SPANS], "programmes": programmes}
    if report.table is None:
        row = kept_figures.kept(kept_figures.report_key(report, today=today, can_plan=False))
        context.update(kept_context(row, reverse("statistics:report_count"), request.GET.urlencode()),
                       kept_table=mark_safe(row.figures) if row and row.figures else None)  # noqa: S308
    return render(request, "statistics/report.html", context)


@login_required
@require_POST
def report_count(request):
    """Have the report of the query, too long for a page, counted by a job; back to the report's page."""
    today = clock.today()
    report = report_for(request.user, request.GET, today=today, on_screen=True)  # a unit the user may not see: 404
    back = f"{reverse('statistics:report')}?{request.GET.urlencode()}"
    if report.table is not None:
        messages.error(request, _("This report is counted on its page at once."))
        return redirect(back)
    return kept_ask(request, kept_figures.report_key(report, today=today, can_plan=False), back)


def span_label(span: str) -> str:
    return {"year": _("Whole year"), "h1": _("First half"), "h2": _("Second half"), "month": _("Month"),
            "first_months": _("First months of the year"), "range": _("From a day to a day"),
            "programme": _("A programme to a day")}[span]

"""Working groups and workload (supervisors); the administrators' home."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from workflows.campaigns import services as campaign_services
from workflows.campaigns.selectors import (
    open_tasks_of,
    reassignable_task_places,
    reassignable_tasks_of,
    workload_of_groups,
)
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.params import param_choice, param_int, param_str
from workflows.core.queries import PagesByIds
from workflows.core.shortcuts import visible_or_404

from . import selectors
from .forms import BulkReassignForm
from .permissions import can_administer, scope_of
from .selectors import OFFICER_TASKS_PER_PAGE, group_members, groups_supervised_by, receivers_for


def _require_supervisor(user) -> None:
    if not scope_of(user).supervised:
        raise PermissionDenied


@login_required
@require_GET
def groups(request):
    _require_supervisor(request.user)
    today = clock.today()
    return render(request, "organisation/groups.html", {
        "nav_active": "groups", "loads": workload_of_groups(request.user, today=today), "today": today})


@login_required
@require_GET
def unit_search(request):
    """The unit picker's search as you type (htmx): the matching units the
    user may pick, as links that choose them on the page, whose filters the
    request carries (the picker's form)."""
    query = param_str(request.GET, "unit_q", 100)
    reach = selectors.Reach(param_choice(request.GET, "for", [r.value for r in selectors.Reach]) or "overseen")
    matches = selectors.unit_search(request.user, query, reach=reach, under=param_int(request.GET, "under"),
                          params=request.GET)
    return render(request, "partials/unit_matches.html", {
        "matches": matches, "searched": bool(query), "cut": len(matches) >= selectors.UNIT_SEARCH_LIMIT})


@login_required
def officer_tasks(request, user_pk: int):
    """One officer's open tasks, a page at a time, with the bulk
    reassignment: choose tasks on the page (or all of them, on every page),
    choose who receives them among the people the supervisor may give them
    to, confirm the count, move. The chosen tasks are checked against the
    officer's tasks in the database, not against the page shown."""
    _require_supervisor(request.user)
    group_ids = [g.pk for g in groups_supervised_by(request.user)]
    officer = visible_or_404(group_members(group_ids), user_pk, request=request)
    places = reassignable_task_places(request.user, officer.pk)
    total = sum(p.count for p in places)
    # counted by the places (one grouped query the form needs anyway); a page is its ids, then its rows;
    # when the supervisor may reassign all of the officer's tasks (the usual case), the ids come from
    # the officer's index alone, not from every task joined to its campaign and sorted (44 ms at national scale)
    everything = open_tasks_of(officer.pk)
    page = Paginator(PagesByIds(reassignable_tasks_of(request.user, officer.pk), count=total,
                                walk=everything if everything.count() == total else None),
                     OFFICER_TASKS_PER_PAGE).get_page(param_int(request.GET, "page"))
    form = BulkReassignForm(
        request.POST or None, actor=request.user, officer_id=officer.pk, places=places,
        receivers=receivers_for(request.user, places, leaving_id=officer.pk),
        places_of=lambda ids: reassignable_task_places(request.user, officer.pk, task_ids=ids))
    confirm = None
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirmed"]:
            confirm = form.preview  # the count and the groups, to confirm
        else:
            with errors_on(form):
                result = campaign_services.tasks_bulk_reassign(actor=request.user, note=form.cleaned_data["note"],
                                                               to_user_id=form.cleaned_data["to_user"],
                                                               **form.which_tasks())
                messages.success(request, _("%(count)d task(s) moved to %(name)s.") % {
                    "count": result.moved, "name": form.preview.receiver})
                return redirect("organisation:officer_tasks", user_pk=officer.pk)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "organisation/officer_tasks.html", {
        "nav_active": "groups", "officer": officer, "page": page, "tasks": page.object_list,
        "total": total, "form": form, "confirm": confirm, "query": query.urlencode(),
        "today": clock.today(), "selected": set(getattr(form, "cleaned_data", {}).get("tasks", []))},
        status=400 if form.errors else 200)


@login_required
@require_GET
def administration(request):
    """The administrators' home moved to ``administration:home`` (which also
    lists the Django admin reference data a staff account keeps)."""
    if not can_administer(request.user):
        raise PermissionDenied
    return redirect("administration:home")

"""Working groups and workload (supervisors)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from workflows.campaigns import services as campaign_services
from workflows.core import clock
from workflows.core.forms import run_service
from workflows.core.shortcuts import visible_or_404

from .forms import BulkReassignForm
from .permissions import scope_of
from .selectors import group_members, groups_supervised_by, person_choices, reassignable_tasks_of, workload_of_groups

User = get_user_model()


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
def officer_tasks(request, user_pk: int):
    """One officer's open tasks, with the bulk reassignment: choose tasks (or
    all), choose who receives them, confirm the count, move."""
    _require_supervisor(request.user)
    group_ids = [g.pk for g in groups_supervised_by(request.user)]
    officer = visible_or_404(group_members(group_ids), user_pk, request=request)
    tasks = list(reassignable_tasks_of(request.user, officer.pk))
    people = [(pk, name) for pk, name in person_choices(group_members(group_ids)) if pk != officer.pk]
    form = BulkReassignForm(request.POST or None, people=people, task_ids=[t.pk for t in tasks])
    confirm = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        moving = len(tasks) if data["scope"] == BulkReassignForm.MOVE_ALL else len(data["tasks"])
        receiver = dict(people)[data["to_user"]]
        if not data["confirmed"]:
            confirm = {"count": moving, "receiver": receiver}
        else:
            result = run_service(form, lambda: campaign_services.tasks_bulk_reassign(
                actor=request.user, to_user_id=data["to_user"], note=data["note"],
                **({"from_user_id": officer.pk} if data["scope"] == BulkReassignForm.MOVE_ALL
                   else {"task_ids": data["tasks"]})))
            if result is not None:
                messages.success(request, _("%(count)d task(s) moved to %(name)s.") % {
                    "count": result.moved, "name": receiver})
                return redirect("organisation:officer_tasks", user_pk=officer.pk)
    return render(request, "organisation/officer_tasks.html", {
        "nav_active": "groups", "officer": officer, "tasks": tasks, "form": form, "confirm": confirm,
        "today": clock.today(), "selected": set(form.cleaned_data.get("tasks", [])) if form.is_bound and
        form.is_valid() else set()}, status=400 if form.errors else 200)

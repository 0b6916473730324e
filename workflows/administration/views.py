"""The administrators' screens: units, people, working groups and roles
(the reference data and the organisation import have their own modules).

Each view parses the request, reads one selector or calls one service
inside ``errors_on`` and renders. An object outside the user's reach
answers 404 (``visible_or_404``); the services check the same again."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_GET, require_POST

from workflows.accounts.services import second_factor_reset
from workflows.campaigns import selectors as campaign_selectors
from workflows.core import clock
from workflows.core.forms import errors_on
from workflows.core.pages import context_of
from workflows.core.params import param_choice, param_int, param_str
from workflows.core.shortcuts import visible_or_404
from workflows.organisation import services as org_services
from workflows.organisation.selectors import Reach, unit_picker_for

from . import closing, permissions, selectors, services
from .forms import (
    DeactivateForm,
    GroupCloseForm,
    GroupCreateForm,
    LeaderForm,
    MemberAddForm,
    MemberForm,
    NameForm,
    PersonCreateForm,
    PersonForm,
    RoleGrantForm,
    RoleRevokeForm,
    UnitCloseForm,
    UnitCreateForm,
    UnitEditForm,
    UnitMoveForm,
)

NAV = "administration"
HISTORY_PER_PAGE = 20


def _person_or_404(request, pk: int):
    return visible_or_404(selectors.people_shown_to(request.user), pk, request=request)


def _unit_or_404(request, pk: int):
    return visible_or_404(selectors.units_shown_to(request.user), pk, request=request)


def _group_or_404(request, pk: int):
    return visible_or_404(selectors.groups_shown_to(request.user), pk, request=request)


def _history(request, **about):
    page = Paginator(selectors.history_of(**about), HISTORY_PER_PAGE).get_page(param_int(request.GET, "page"))
    return {"history": page, "history_rows": selectors.history_rows(page)}


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


# --- home ----------------------------------------------------------------------------------
@login_required
@require_GET
def home(request):
    permissions.require(permissions.can_open_home(request.user))
    return render(request, "administration/home.html",
                  context_of(selectors.administration_home(request), nav_active=NAV))


# --- people ---------------------------------------------------------------------------------
@login_required
@require_GET
def people(request):
    permissions.require(permissions.can_administer_units(request.user))
    filters = selectors.PeopleFilters(q=param_str(request.GET, "q", 100), unit=param_int(request.GET, "unit"),
                                      status=param_choice(request.GET, "status", selectors.PERSON_STATUSES))
    page = Paginator(selectors.people_for_list(request.user, filters), 25).get_page(param_int(request.GET, "page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "administration/people.html", {
        "nav_active": NAV, "page": page, "rows": selectors.person_rows(page), "filters": filters,
        "picker": unit_picker_for(request, all_units=True, reach=Reach.ADMINISTERED), "query": query.urlencode()})


@login_required
def person_create(request):
    permissions.require(permissions.can_administer_units(request.user))
    form = PersonCreateForm(request.POST or None, units=selectors.units_to_choose(request.user),
                            initial={"unit": param_int(request.GET, "unit"), "invite": True})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            added = services.person_add(
                username=form.cleaned_data["username"], unit_id=form.cleaned_data["unit"], actor=request.user,
                invite=form.cleaned_data["invite"], base_url=_base_url(request), **form.details())
            if added.invited:
                messages.success(request, _("Account created; the invitation was sent to %(email)s.") % {
                    "email": added.person.email})
            elif added.invitation_error:
                messages.warning(request, _("Account created, but the invitation was not sent: %(error)s") % {
                    "error": added.invitation_error})
            else:
                messages.success(request, _("Account created. Invite the person when they are ready."))
            return redirect("administration:person", pk=added.person.pk)
    return render(request, "administration/person_form.html", {
        "nav_active": NAV, "form": form, "title": _("New account")}, status=400 if form.errors else 200)


def _person_page(request, person, *, grant_form=None, status: int = 200):
    page = selectors.person_page(request.user, person)
    grant_form = grant_form or RoleGrantForm(units=page.grant_units, groups=page.grant_groups)
    return render(request, "administration/person.html", context_of(
        page, nav_active=NAV, grant_form=grant_form, **_history(request, person=person)), status=status)


@login_required
@require_GET
def person(request, pk: int):
    return _person_page(request, _person_or_404(request, pk))


@login_required
def person_edit(request, pk: int):
    person = _person_or_404(request, pk)
    page = selectors.person_page(request.user, person)
    form = PersonForm.of(person, page.profile, request.POST or None, units=selectors.units_to_choose(
        request.user, keep=page.profile.unit if page.profile else None))
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.person_change(person_id=person.pk, actor=request.user, unit_id=form.cleaned_data["unit"],
                                   **form.details())
            messages.success(request, _("Details saved."))
            return redirect("administration:person", pk=person.pk)
    return render(request, "administration/person_form.html", {
        "nav_active": NAV, "form": form, "person": person, "title": person.get_full_name() or person.username},
        status=400 if form.errors else 200)


@login_required
@require_POST
def person_invite(request, pk: int):
    person = _person_or_404(request, pk)
    services.person_invite(person_id=person.pk, actor=request.user, base_url=_base_url(request))
    messages.success(request, _("The invitation was sent to %(email)s.") % {"email": person.email})
    return redirect("administration:person", pk=person.pk)


@login_required
@require_POST
def person_second_factor_reset(request, pk: int):
    """A lost phone: the person's app and recovery codes go; they enrol again."""
    person = _person_or_404(request, pk)
    second_factor_reset(person_id=person.pk, actor=request.user)
    messages.success(request, _("The two-step sign-in of %(name)s was removed: they set it up again at their next "
                                "sign-in.") % {"name": person.get_full_name() or person.get_username()})
    return redirect("administration:person", pk=person.pk)


@login_required
@require_POST
def role_grant(request, pk: int):
    person = _person_or_404(request, pk)
    page = selectors.person_page(request.user, person)
    form = RoleGrantForm(request.POST, units=page.grant_units, groups=page.grant_groups)
    if form.is_valid():
        with errors_on(form):
            granted = services.person_role_grant(person_id=person.pk, actor=request.user, **form.target())
            messages.success(request, _("Role granted.") if granted else _("The person already holds this role."))
            return redirect("administration:person", pk=person.pk)
    return _person_page(request, person, grant_form=form, status=400)


@login_required
@require_POST
def role_revoke(request, pk: int):
    person = _person_or_404(request, pk)
    form = RoleRevokeForm(request.POST)
    permissions.require(form.is_valid())
    services.person_role_revoke(person_id=person.pk, actor=request.user,
                                unit_grant_id=form.cleaned_data["unit_grant"],
                                group_grant_id=form.cleaned_data["group_grant"])
    messages.success(request, _("Role revoked."))
    return redirect("administration:person", pk=person.pk)


@login_required
def person_deactivate(request, pk: int):
    """One step: the page lists the person's open tasks and waiting review
    steps; the administrator chooses who receives them (or the queues) and
    deactivates."""
    person = _person_or_404(request, pk)
    page = selectors.deactivation_page(request.user, person)
    form = DeactivateForm(request.POST or None, receivers=page.receivers)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            done = services.person_deactivate(person_id=person.pk, actor=request.user,
                                              receiver_id=form.receiver_id())
            messages.success(request, _("%(name)s is deactivated: %(tasks)s and %(steps)s handed over.") % {
                "name": person.get_full_name() or person.username,
                "tasks": ngettext("%(count)d task", "%(count)d tasks", done.open_tasks) % {"count": done.open_tasks},
                "steps": ngettext("%(count)d review step", "%(count)d review steps", done.review_steps)
                % {"count": done.review_steps}})
            return redirect("administration:person", pk=person.pk)
    return render(request, "administration/person_deactivate.html",
                  context_of(page, nav_active=NAV, form=form), status=400 if form.errors else 200)


@login_required
@require_POST
def person_reactivate(request, pk: int):
    person = _person_or_404(request, pk)
    services.person_enable(person_id=person.pk, actor=request.user)
    messages.success(request, _("%(name)s may sign in again; grant their roles anew.") % {
        "name": person.get_full_name() or person.username})
    return redirect("administration:person", pk=person.pk)


# --- working groups ------------------------------------------------------------------------
@login_required
@require_GET
def groups(request):
    permissions.require(permissions.can_manage_some_groups(request.user))
    page = Paginator(selectors.groups_for_list(request.user), 50).get_page(param_int(request.GET, "page"))
    return render(request, "administration/groups.html", {"nav_active": NAV, "page": page})


@login_required
def group_create(request):
    permissions.require(permissions.can_manage_some_groups(request.user))
    form = GroupCreateForm(request.POST or None, units=selectors.units_for_groups(request.user),
                           people=selectors.people_for_groups(request.user),
                           initial={"unit": param_int(request.GET, "unit")})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            group = services.working_group_add(unit_id=form.cleaned_data["unit"], name=form.cleaned_data["name"],
                                               leader_id=form.cleaned_data["leader"], actor=request.user)
            messages.success(request, _("Working group created."))
            return redirect("administration:group", pk=group.pk)
    return render(request, "administration/form.html", {
        "nav_active": NAV, "form": form, "title": _("New working group"), "back_url": "administration:groups"},
        status=400 if form.errors else 200)


def _group_page(request, group, *, status: int = 200, **forms):
    page = selectors.group_page(request.user, group)
    forms.setdefault("rename_form", NameForm(initial={"name": group.name}))
    forms.setdefault("member_form", MemberAddForm(people=page.candidates))
    forms.setdefault("leader_form", LeaderForm(members=[(m.user_id, m.name) for m in page.members],
                                               initial={"leader": group.leader_id}))
    return render(request, "administration/group.html", context_of(
        page, nav_active=NAV, **forms, **_history(request, group=group)), status=status)


@login_required
@require_GET
def group(request, pk: int):
    return _group_page(request, _group_or_404(request, pk))


@login_required
@require_POST
def group_rename(request, pk: int):
    group = _group_or_404(request, pk)
    form = NameForm(request.POST)
    if form.is_valid():
        with errors_on(form):
            org_services.working_group_rename(group_id=group.pk, name=form.cleaned_data["name"], actor=request.user)
            messages.success(request, _("Working group renamed."))
            return redirect("administration:group", pk=group.pk)
    return _group_page(request, group, rename_form=form, status=400)


@login_required
@require_POST
def member_add(request, pk: int):
    group = _group_or_404(request, pk)
    page = selectors.group_page(request.user, group)
    form = MemberAddForm(request.POST, people=page.candidates)
    if form.is_valid():
        with errors_on(form):
            services.working_group_member_join(
                group_id=group.pk, person_id=form.cleaned_data["person"], actor=request.user,
                collaborator=form.cleaned_data["collaborator"], access_until=form.cleaned_data["access_until"])
            messages.success(request, _("Member added."))
            return redirect("administration:group", pk=group.pk)
    return _group_page(request, group, member_form=form, status=400)


@login_required
@require_POST
def member_remove(request, pk: int):
    group = _group_or_404(request, pk)
    form = MemberForm(request.POST)
    permissions.require(form.is_valid())
    services.working_group_member_leave(group_id=group.pk, person_id=form.cleaned_data["person"],
                                        actor=request.user)
    messages.success(request, _("Member removed. Their open tasks stay theirs until someone reassigns them."))
    return redirect("administration:group", pk=group.pk)


@login_required
@require_POST
def group_leader(request, pk: int):
    group = _group_or_404(request, pk)
    page = selectors.group_page(request.user, group)
    form = LeaderForm(request.POST, members=[(m.user_id, m.name) for m in page.members])
    if form.is_valid():
        with errors_on(form):
            services.working_group_leader_choose(group_id=group.pk, leader_id=form.cleaned_data["leader"],
                                                 actor=request.user)
            messages.success(request, _("Leader saved."))
            return redirect("administration:group", pk=group.pk)
    return _group_page(request, group, leader_form=form, status=400)


@login_required
def group_close(request, pk: int):
    """The confirmation page: where the group's open campaigns go; POST closes."""
    group = _group_or_404(request, pk)
    page = selectors.group_page(request.user, group)
    form = GroupCloseForm(request.POST or None, groups=page.other_groups)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            closed = services.working_group_close(group_id=group.pk, actor=request.user,
                                                  to_group_id=form.to_group_id())
            messages.success(request, ngettext(
                "Working group closed; %(count)d open campaign handed over.",
                "Working group closed; %(count)d open campaigns handed over.", closed.campaigns)
                % {"count": closed.campaigns})
            return redirect("administration:group", pk=group.pk)
    return render(request, "administration/group_close.html", context_of(page, nav_active=NAV, form=form),
                  status=400 if form.errors else 200)


# --- units ---------------------------------------------------------------------------------
@login_required
@require_GET
def units(request):
    permissions.require(permissions.can_administer_units(request.user))
    return render(request, "administration/units.html", {"nav_active": NAV, "rows": selectors.unit_tree(request.user)})


@login_required
@require_GET
def unit(request, pk: int):
    unit = _unit_or_404(request, pk)
    return render(request, "administration/unit.html", context_of(
        selectors.unit_page(request.user, unit), nav_active=NAV, **_history(request, unit=unit),
        follow_up=campaign_selectors.follow_up_of_unit(request.user, unit, today=clock.today())))


@login_required
def unit_create(request, pk: int):
    """A child unit of ``pk``."""
    parent = _unit_or_404(request, pk)
    form = UnitCreateForm(request.POST or None, kinds=selectors.unit_kinds())
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            child = services.unit_add(parent_id=parent.pk, name=form.cleaned_data["name"],
                                      code=form.cleaned_data["code"], kind_id=form.cleaned_data["kind"],
                                      actor=request.user)
            messages.success(request, _("Unit created."))
            return redirect("administration:unit", pk=child.pk)
    return render(request, "administration/form.html", {
        "nav_active": NAV, "form": form, "unit": parent,
        "title": _("New unit under %(name)s") % {"name": parent.name}}, status=400 if form.errors else 200)


@login_required
def unit_edit(request, pk: int):
    unit = _unit_or_404(request, pk)
    form = UnitEditForm(request.POST or None, kinds=selectors.unit_kinds(),
                        initial={"name": unit.name, "kind": unit.kind_id})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.unit_change(unit_id=unit.pk, name=form.cleaned_data["name"], kind_id=form.cleaned_data["kind"],
                                 actor=request.user)
            messages.success(request, _("Unit saved."))
            return redirect("administration:unit", pk=unit.pk)
    return render(request, "administration/form.html", {
        "nav_active": NAV, "form": form, "unit": unit, "title": _("Rename %(name)s") % {"name": unit.name}},
        status=400 if form.errors else 200)


@login_required
def unit_move(request, pk: int):
    unit = _unit_or_404(request, pk)
    form = UnitMoveForm(request.POST or None, parents=selectors.units_to_choose(request.user, exclude_under=unit))
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            org_services.unit_move(unit_id=unit.pk, parent_id=form.cleaned_data["parent"], actor=request.user)
            messages.success(request, _("Unit moved."))
            return redirect("administration:unit", pk=unit.pk)
    return render(request, "administration/form.html", {
        "nav_active": NAV, "form": form, "unit": unit, "title": _("Move %(name)s") % {"name": unit.name},
        "intro": _("The unit moves with its own units, working groups, people, figures and history.")},
        status=400 if form.errors else 200)


@login_required
def unit_close(request, pk: int):
    """Choose the successor and the day; then a confirmation page with what
    will move (``closing_preview``); then the closing (``closing.unit_close``)."""
    unit = _unit_or_404(request, pk)
    form = UnitCloseForm(request.POST or None, successors=selectors.units_to_choose(request.user, exclude_under=unit),
                         initial={"on": clock.today()})
    preview = None
    if request.method == "POST" and form.is_valid():
        successor = _unit_or_404(request, form.cleaned_data["successor"])
        if form.cleaned_data["confirmed"]:
            with errors_on(form):
                result = closing.unit_close(unit_id=unit.pk, successor_id=successor.pk, actor=request.user,
                                            on=form.cleaned_data["on"])
                messages.success(request, _(
                    "%(unit)s is closed. %(successor)s received %(enterprises)d enterprises, %(campaigns)d open "
                    "campaigns, %(groups)d working groups and %(people)d people.") % {
                    "unit": unit.name, "successor": successor.name, "enterprises": result.enterprises,
                    "campaigns": result.campaigns, "groups": result.working_groups, "people": result.people})
                return redirect("administration:unit", pk=unit.pk)
        else:
            preview = selectors.closing_preview(request.user, unit, successor, on=form.cleaned_data["on"])
    return render(request, "administration/unit_close.html", {
        "nav_active": NAV, "unit": unit, "form": form, "preview": preview}, status=400 if form.errors else 200)

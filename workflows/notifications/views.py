"""The bell, the list of notifications and the e-mail preference. Each view
reads or writes the signed-in user's own notifications only: another
user's notification answers 404, like a missing one."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.core.forms import errors_on
from workflows.core.params import param_bool, param_int
from workflows.core.shortcuts import visible_or_404

from . import selectors, services
from .forms import PreferenceForm

PER_PAGE = 30
#: Tells the bell (hx-trigger "… from:body") to refresh its count.
CHANGED = "notifications-changed"


@login_required
@require_GET
def bell(request):
    """The bell's fragment, polled by htmx: the unread count and a link."""
    return render(request, "notifications/_bell.html", {"unread": selectors.unread_count(request.user),
                                                        "refreshed": True})


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_of(request.user), PER_PAGE).get_page(param_int(request.GET, "page"))
    return render(request, "notifications/list.html", {
        "nav_active": "notifications", "page": page, "unread": selectors.unread_count(request.user)})


@login_required
@require_POST
def mark_read(request):
    """Mark one notification read (``notification``: its id); with ``open``,
    then go where it points."""
    pk = param_int(request.POST, "notification")
    if pk is None:
        raise Http404
    notification = visible_or_404(selectors.notifications_of(request.user), pk, request=request)
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    if param_bool(request.POST, "open") and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(notification.url)
    if request.htmx:
        response = render(request, "notifications/_item.html",
                          {"n": selectors.notification_of(request.user, notification.pk)})
        response["HX-Trigger"] = CHANGED
        return response
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
def preferences(request):
    form = PreferenceForm(request.POST or None, initial={"email": selectors.email_preference_of(request.user)})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            services.preference_set(user=request.user, email=form.cleaned_data["email"])
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"nav_active": "notifications", "form": form})

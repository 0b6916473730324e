"""The webhook pages of a unit's administrators: their subscriptions, a
subscription with its delivery log, and the actions on it. Each view
parses the request, calls one selector or service, and renders; a
subscription of a unit the user does not administer answers 404."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.core.forms import errors_on
from workflows.core.params import param_choice
from workflows.core.shortcuts import visible_or_404
from workflows.organisation.selectors import Reach, unit_picked, unit_picker_for

from . import permissions, selectors, services
from .forms import NewSubscriptionForm, SubscriptionForm, SwitchForm
from .kinds import EventKind
from .models import DeliveryStatus

NAV = "administration"


def _subscription_or_404(request, pk: int):
    return visible_or_404(selectors.subscriptions_for(request.user), pk, request=request)


def _secret_page(request, subscription, secret: str):
    """The secret, shown once (after creating or renewing it)."""
    return render(request, "webhooks/secret.html", {"nav_active": NAV, "subscription": subscription,
                                                    "secret": secret})


@login_required
@require_GET
def subscriptions(request):
    permissions.require(permissions.can_open(request.user))
    return render(request, "webhooks/list.html", {"nav_active": NAV,
                                                  "subscriptions": selectors.subscriptions_for(request.user),
                                                  "kinds": dict(EventKind.choices)})


@login_required
def subscription_create(request):
    permissions.require(permissions.can_open(request.user))
    # The unit is chosen with the picker (a GET form above the page's form:
    # the page reloads on the unit chosen); the form posts it and checks it again.
    picker = unit_picker_for(request, all_units=False, reach=Reach.ADMINISTERED)
    form = NewSubscriptionForm(request.POST or None, initial={"unit": picker.pk},
                               unit_of=lambda unit_id: unit_picked(request.user, unit_id, reach=Reach.ADMINISTERED))
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            data = form.cleaned_data
            subscription, secret = services.subscription_create(
                actor=request.user, unit_id=data["unit"].pk, url=data["url"], kinds=data["kinds"],
                description=data["description"])
            return _secret_page(request, subscription, secret)
    return render(request, "webhooks/form.html", {"nav_active": NAV, "form": form, "picker": picker,
                                                  "unit": picker.chosen, "title": _("Subscribe a system to events")},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def subscription(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    status = param_choice(request.GET, "status", DeliveryStatus.values)
    return render(request, "webhooks/detail.html", {
        "nav_active": NAV, "subscription": subscription, "kinds": dict(EventKind.choices), "status": status,
        "statuses": DeliveryStatus.choices, "deliveries": selectors.deliveries_of(subscription, status=status)})


@login_required
def subscription_edit(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    form = SubscriptionForm.of(subscription, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            data = form.cleaned_data
            services.subscription_update(subscription_id=subscription.pk, actor=request.user, url=data["url"],
                                         kinds=data["kinds"], description=data["description"],
                                         expected_version=data["version"])
            messages.success(request, _("The subscription was saved."))
            return redirect("administration:webhooks:detail", pk=subscription.pk)
    return render(request, "webhooks/form.html", {"nav_active": NAV, "form": form, "subscription": subscription,
                                                  "title": _("Change the subscription")},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def subscription_switch(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    form = SwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on or off."))
        return redirect("administration:webhooks:detail", pk=subscription.pk)
    active = form.cleaned_data["active"]
    services.subscription_enable(subscription_id=subscription.pk, actor=request.user, active=active,
                                 expected_version=form.cleaned_data["version"])
    messages.success(request, _("The subscription is on: events are sent again.") if active
                     else _("The subscription is off: no events are sent to it."))
    return redirect("administration:webhooks:detail", pk=subscription.pk)


@login_required
@require_POST
def subscription_ping(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    services.ping_send(subscription_id=subscription.pk, actor=request.user)
    messages.success(request, _("A test event was sent: its delivery is at the top of the log."))
    return redirect("administration:webhooks:detail", pk=subscription.pk)


@login_required
@require_POST
def subscription_secret(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    subscription, secret = services.subscription_renew_secret(subscription_id=subscription.pk, actor=request.user)
    return _secret_page(request, subscription, secret)


@login_required
def subscription_delete(request, pk: int):
    subscription = _subscription_or_404(request, pk)
    if request.method == "POST":
        services.subscription_delete(subscription_id=subscription.pk, actor=request.user)
        messages.success(request, _("The subscription and its delivery log were deleted."))
        return redirect("administration:webhooks:list")
    return render(request, "webhooks/delete.html", {"nav_active": NAV, "subscription": subscription})


@login_required
@require_POST
def delivery_retry(request, pk: int):
    delivery = visible_or_404(selectors.deliveries_for(request.user), pk, request=request)
    services.delivery_retry(delivery_id=delivery.pk, actor=request.user)
    messages.success(request, _("The delivery will be sent again."))
    return redirect("administration:webhooks:detail", pk=delivery.subscription_id)

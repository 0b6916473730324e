"""What the base layout needs to know about the user: which sections to show
(from the user's scope, so it lives with the permissions that compute it)."""
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import can_administer, scope_of


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    key: str


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_of(user)
    items = []
    if scope.groups or scope.supervised:
        items.append(NavItem(reverse("campaigns:my_tasks"), _("My tasks"), "my_tasks"))
    if not scope.is_empty:
        items += [
            NavItem(reverse("campaigns:list"), _("Campaigns"), "campaigns"),
            NavItem(reverse("campaigns:board"), _("Board"), "board"),
            NavItem(reverse("enterprises:list"), _("Enterprises"), "enterprises"),
        ]
    if scope.supervised:
        items.append(NavItem(reverse("organisation:groups"), _("Working groups"), "groups"))
    if scope.overseen or scope.groups or scope.administered:  # who sees survey rounds: people.permissions.sees_rounds
        items.append(NavItem(reverse("people:rounds"), _("Survey rounds"), "surveys"))
    if scope.overseen:
        items.append(NavItem(reverse("statistics:home"), _("Overview"), "overview"))
    if can_administer(user):  # administrators of a unit, and staff who keep reference data
        items.append(NavItem(reverse("administration:home"), _("Administration"), "administration"))
    return {"nav_items": items, "user_scope": scope}

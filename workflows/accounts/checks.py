"""A deploy-time check of ``TWO_FACTOR_REQUIRED_ROLES``: a misspelt role
would silently require nothing of anyone."""
from django.conf import settings
from django.core import checks

from .permissions import ROLE_NAMES


def required_roles_are_known(app_configs, **kwargs):
    unknown = sorted(set(getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", ())) - set(ROLE_NAMES))
    if unknown:
        return [checks.Error(f"TWO_FACTOR_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
                             hint=f"Use any of: {', '.join(ROLE_NAMES)}.", id="accounts.E001")]
    return []

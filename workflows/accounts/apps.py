from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Signing in: the second factor (TOTP and recovery codes), forgotten
    passwords and the invitation link that sets the first password."""

    name = "workflows.accounts"
    verbose_name = _("Sign-in")

    def ready(self) -> None:
        from django.core import checks

        from .checks import required_roles_are_known

        checks.register(required_roles_are_known)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "workflows.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        # The audit log listens to Django's and django-axes' sign-in signals:
        # they are the only hook those libraries give. It records; it decides
        # nothing.
        from . import receivers  # noqa: F401

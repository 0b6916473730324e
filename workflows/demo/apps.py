from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo province (``manage.py load_demo``). No models."""

    name = "workflows.demo"
    label = "demo"
    verbose_name = _("Demo data")

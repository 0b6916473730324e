from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """A federation sets itself up: the administrators' screens over units,
    people, working groups, roles and reference data, the organisation
    import, and the services that move work (closing a unit, a person who
    leaves) across the apps below."""

    name = "workflows.administration"
    verbose_name = _("Administration")

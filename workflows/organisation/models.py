"""Units (đơn vị), working groups (tổ công tác), grants and the working-day calendar."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from treebeard.mp_tree import MP_Node


class UnitKind(models.Model):
    """A kind of union unit. Kinds are data: the law has three tiers, but many
    federations keep district and industrial-zone levels."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    is_grassroots = models.BooleanField(
        _("grassroots union"), default=False,
        help_text=_("A recognised campaign creates a unit of the first grassroots kind."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("unit kind")
        verbose_name_plural = _("unit kinds")

    def __str__(self) -> str:
        return self.name


class Unit(MP_Node):
    """A union unit (đơn vị): the confederation, a provincial federation, a
    district federation, a sector union, an industrial-zone union or a
    grassroots union (CĐCS). Supervisor and manager grants cover the subtree."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="units", verbose_name=_("kind"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        permissions = [
            ("supervise_unit", _("Supervise the unit and its subtree")),
            ("oversee_unit", _("Read the dashboards of the unit and its subtree")),
        ]
        indexes = [
            # Subtree look-ups are `path LIKE 'prefix%'`; the unique index on
            # path does not serve LIKE under a non-C collation.
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name


class UnitUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian grant of a unit role to a user."""

    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("unit grant")
        verbose_name_plural = _("unit grants")


class WorkingGroup(models.Model):
    """A working group (tổ công tác) of a unit. Its members are the users
    holding the officer grant on it; retired officers join as collaborators."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="working_groups", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=255)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="led_working_groups", verbose_name=_("leader"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["name"]
        permissions = [("work_in_group", _("Work the campaigns of the group (officer)"))]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="working_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class WorkingGroupUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian grant of the officer role in a working group."""

    content_object = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("working group grant")
        verbose_name_plural = _("working group grants")


class Profile(models.Model):
    """What the product keeps about a user beyond Django's account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    is_collaborator = models.BooleanField(
        _("collaborator"), default=False, help_text=_("A retired officer who helps a working group."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


class CalendarDay(models.Model):
    """An administrator's exception to the working-day calendar: an extra day
    off, or a make-up working day (a Saturday worked to bridge a holiday)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a make-up working day. Unticked: an extra day off."),
    )
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"

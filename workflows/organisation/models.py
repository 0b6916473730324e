"""Units (đơn vị), working groups (tổ công tác), grants and the working-day calendar."""
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from treebeard.mp_tree import MP_Node

from workflows.core.memo import per_request


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
    #: ``name`` folded to lower case without diacritics (``core.text.fold``), for the
    #: unit picker's accent-insensitive search: set by the services with the name.
    search_name = models.CharField(max_length=255, editable=False)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="units", verbose_name=_("kind"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    # A closed unit (merged or dissolved) keeps its past figures; its open
    # work went to ``successor`` on ``closed_on``.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="predecessors", verbose_name=_("successor"))

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        permissions = [
            ("supervise_unit", _("Supervise the unit and its subtree")),
            ("oversee_unit", _("Read the dashboards of the unit and its subtree")),
            ("administer_unit", _("Administer the unit and its subtree: units, people, working groups, roles, "
                                  "reference data")),
        ]
        indexes = [
            # Subtree look-ups are `path LIKE 'prefix%'`; the unique index on
            # path does not serve LIKE under a non-C collation.
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
            # A unit's children (`depth = d + 1 AND path LIKE 'prefix%'`) without walking the whole subtree:
            # the country has a hundred thousand grassroots unions below its provinces. With the id, an
            # index-only scan gives the ids of a district's 2.755 CĐCS (``rollups.branch_sums``) in 1 ms.
            models.Index(fields=["depth", "path"], name="unit_depth_path_idx",
                         opclasses=["int4_ops", "varchar_pattern_ops"], include=["id"]),
            # A unit's upper-level children (``upper_level``) without reading its CĐCS: a district has
            # thousands of grassroots unions and a handful of other children.
            models.Index(fields=["depth", "kind", "path"], name="unit_upper_children_idx",
                         opclasses=["int4_ops", "int8_ops", "varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name


def any_of(field: str, ids: models.QuerySet):
    """A filter: ``field`` is one of the values of ``ids`` (a one-column
    query). On PostgreSQL ``field = ANY(ARRAY(ids))``: the subquery runs
    first, once, and its array is probed by ``field``'s index — where
    ``IN (subquery)`` lets the planner join, and at national scale it has
    walked a hundred thousand units in id order to find twenty."""
    if connection.vendor != "postgresql":
        return models.Q(**{f"{field}__in": ids})
    array = models.Func(models.Subquery(ids.order_by()), template="(ARRAY%(expressions)s)",
                        output_field=ArrayField(models.BigIntegerField()))
    return models.Func(models.F(field), array, template="%(expressions)s", arg_joiner=" = ANY",
                       output_field=models.BooleanField())


def upper_kind_ids() -> tuple[int, ...]:
    """The ids of the unit kinds that are not grassroots unions (read once per request: ``core.memo``)."""
    return per_request("upper_kind_ids", lambda: tuple(sorted(
        UnitKind.objects.filter(is_grassroots=False).values_list("pk", flat=True))))


def upper_level():
    """A filter of ``Unit`` rows: units that are not grassroots unions. On
    PostgreSQL the kinds are written into the statement as a constant array
    (``upper_kind_ids``), which the planner weighs against its statistics and
    answers with the index ``unit_upper_children_idx``: the children of a
    unit's upper-level kinds only. Given as an array computed in the
    statement, the planner could not know how few they are and read every
    child of a district — 2.755 CĐCS, 2–3 ms on every page with a unit
    picker at national scale; a join on the kinds did the same."""
    if connection.vendor != "postgresql":
        return models.Q(kind__is_grassroots=False)
    ids = ",".join(str(int(pk)) for pk in upper_kind_ids())
    return models.Func(models.F("kind_id"), template="%(expressions)s = ANY('{" + ids + "}'::bigint[])",
                       output_field=models.BooleanField())


class UnitUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian grant of a unit role to a user."""

    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="user_grants")
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("granted by"))

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
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

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
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("granted by"))

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("working group grant")
        verbose_name_plural = _("working group grants")


class Profile(models.Model):
    """What the product keeps about a user beyond Django's account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # The unit whose administrators keep the account (not a role: roles are grants).
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people",
                             verbose_name=_("unit"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    is_collaborator = models.BooleanField(
        _("collaborator"), default=False, help_text=_("A retired officer who helps a working group."),
    )
    access_until = models.DateField(
        _("access until"), null=True, blank=True,
        help_text=_("After this day the person loses access (a collaborator's end date)."))
    deactivated_on = models.DateField(_("deactivated on"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


class CalendarDay(models.Model):
    """An administrator's exception to the working-day calendar: an extra day
    off, or a make-up working day (a Saturday worked to bridge a holiday)."""

    # null: the national calendar; a unit: its subtree (the nearest unit's
    # exception for a day wins).
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="calendar_days",
                             verbose_name=_("unit"), help_text=_("Empty: the whole country."))
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a make-up working day. Unticked: an extra day off."),
    )
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="calendar_day_unit_date"),
            models.UniqueConstraint(fields=["date"], condition=models.Q(unit__isnull=True),
                                    name="calendar_day_national_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class ChangeAction(models.TextChoices):
    UNIT_CREATED = "unit_created", _("Unit created")
    UNIT_RENAMED = "unit_renamed", _("Unit renamed")
    UNIT_MOVED = "unit_moved", _("Unit moved")
    UNIT_CLOSED = "unit_closed", _("Unit closed")
    UNIT_RECEIVED = "unit_received", _("Work received from a closed unit")
    PERSON_CREATED = "person_created", _("Account created")
    PERSON_CHANGED = "person_changed", _("Account changed")
    PERSON_INVITED = "person_invited", _("Invitation sent")
    PERSON_DEACTIVATED = "person_deactivated", _("Deactivated")
    PERSON_REACTIVATED = "person_reactivated", _("Reactivated")
    GROUP_CREATED = "group_created", _("Working group created")
    GROUP_RENAMED = "group_renamed", _("Working group renamed")
    GROUP_CLOSED = "group_closed", _("Working group closed")
    GROUP_LEADER = "group_leader", _("Working group leader changed")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    REFERENCE_CHANGED = "reference_changed", _("Reference data changed")
    IMPORTED = "imported", _("Organisation imported")
    WEBHOOK_CHANGED = "webhook_changed", _("Webhook subscription changed")


class ChangeRecord(models.Model):
    """One change an administrator (or a supervisor, for working groups) made
    to the organisation: who, when, what, before → after. Append-only; the
    history on a unit's and a person's page."""

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=24, choices=ChangeAction.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="changes",
                             verbose_name=_("unit"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="organisation_changes", verbose_name=_("person"))
    working_group = models.ForeignKey(WorkingGroup, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="changes", verbose_name=_("working group"))
    summary = models.CharField(_("summary"), max_length=500)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("organisation change")
        verbose_name_plural = _("organisation changes")
        indexes = [
            models.Index(fields=["unit", "at"], name="change_unit_at_idx"),
            models.Index(fields=["person", "at"], name="change_person_at_idx"),
            models.Index(fields=["working_group", "at"], name="change_group_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()}: {self.summary}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise RuntimeError("The organisation history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("The organisation history is append-only.")


class ReferenceStamp(models.Model):
    """One row whose ``value`` changes whenever reference data that a
    campaign's move reads changes: rule sets and their limits, stage task
    templates, calendar days, webhook subscriptions (on or off, their
    events, their unit), and a unit's place in the tree. PostgreSQL
    triggers on those tables set it from a sequence (migration
    ``0005_reference_stamp``), in the writer's own transaction, whoever the
    writer is: a service, Django admin, a migration, an import, a SQL
    console. Each process keeps its caches of reference data for one value
    (``reference_stamp``); a move reads the value with its row lock."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)

"""Django admin holds reference data; units and working groups are shown there read-only (they change
through the services). Everything else has its own screens."""
import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _

from workflows.core.admin import ReadOnlyAdmin

from .models import CalendarDay, ChangeAction, Unit, UnitKind, WorkingGroup
from .permissions import can_administer_unit, units_administered_by
from .services import change_record


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


class ScopeFilter(admin.SimpleListFilter):
    title = _("applies to")
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("national", _("The whole country")), ("units", _("A unit's subtree"))]

    def queryset(self, request, queryset):
        if self.value() == "national":
            return queryset.filter(unit__isnull=True)
        if self.value() == "units":
            return queryset.filter(unit__isnull=False)
        return queryset


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data kept for the whole country (no unit) or for a unit's
    subtree. Here the national rows are kept by the superuser alone; a
    unit's rows by who administers the unit (they have their own screens,
    ``workflows.administration``). Every change is written in the
    organisation's history, like the screens' changes."""

    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]

    def _may_write(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return obj.unit_id is not None and can_administer_unit(request.user, obj.unit)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "unit" and not request.user.is_superuser:
            field.queryset = units_administered_by(request.user)
            field.required = True  # the national rows are the superuser's
        return field

    def snapshot(self, obj) -> dict:
        """What the history keeps of ``obj``."""
        return {f.name: _plain(getattr(obj, f.name)) for f in obj._meta.concrete_fields if f.name != "id"}

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            request._reference_before = self.snapshot(obj)  # the history's "before"
        return obj

    def _record(self, request, obj, what: str, *, before: dict, after: dict) -> None:
        change_record(actor=request.user, action=ChangeAction.REFERENCE_CHANGED, unit=obj.unit,
                      summary=f"{obj._meta.verbose_name}: {obj} — {what}", before=before, after=after)

    def log_addition(self, request, obj, message):
        self._record(request, obj, gettext("added"), before={}, after=self.snapshot(obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._record(request, obj, gettext("changed"), before=getattr(request, "_reference_before", {}),
                     after=self.snapshot(obj))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # called before the deletion (``delete_queryset`` asks again)
        if not all(self._may_write(request, obj) for obj in queryset):
            raise PermissionDenied
        for obj in queryset:
            self._record(request, obj, gettext("deleted"), before=self.snapshot(obj), after={})
        return super().log_deletions(request, queryset)

    def save_model(self, request, obj, form, change):
        # the change list's editable columns ask no per-row permission: ask it here
        if not self._may_write(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def delete_queryset(self, request, queryset):
        if not all(self._may_write(request, obj) for obj in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


@admin.register(UnitKind)
class UnitKindAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "is_grassroots", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"code": ["name_en"]}


@admin.register(CalendarDay)
class CalendarDayAdmin(ReferenceDataAdmin):
    list_display = ["date", "is_working_day", "name", "unit"]
    list_filter = ["is_working_day", ScopeFilter]
    date_hierarchy = "date"
    search_fields = ["name", "unit__name"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["path"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "leader", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["unit", "leader"]
    search_fields = ["name", "unit__name"]
    ordering = ["unit__path", "name"]

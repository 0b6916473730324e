"""Django admin's user pages without "delete": a user who worked here is
named by the history (events, tasks, audit entries), so a person who leaves
is deactivated on the administration's page (``administration:person_deactivate``,
which hands their tasks on); deleting would either fail on the history or,
before that, make the admin collect every row that names them for its
confirmation page (12 MB and 19 minutes for an officer at national scale)."""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

User = get_user_model()


class UserAdmin(DjangoUserAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserAdmin)

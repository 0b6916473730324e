"""The administration screens' forms: they parse what is typed; the
services decide (a choice the user may not make is not offered, and the
service refuses it anyway)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.forms import date_field
from workflows.organisation.permissions import Role


def _choice(label, *, required: bool = True, empty: str = "", **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, empty_value=None, required=required, error_messages={
        "required": _("Choose from the list."), "invalid_choice": _("Choose from the list.")}, **kwargs)


def _with_empty(choices, empty: str):
    return [("", empty), *choices]


# --- people --------------------------------------------------------------------------
class PersonForm(forms.Form):
    """A person's details (create and edit)."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    position = forms.CharField(label=_("Position"), required=False, max_length=120)
    unit = _choice(_("Unit"), help_text=_("The unit whose administrators keep the account."))
    is_collaborator = forms.BooleanField(label=_("Collaborator (a retired officer who helps a working group)"),
                                         required=False)
    access_until = date_field(_("Access until"), required=False,
                              help_text=_("After this day the person can no longer sign in (a collaborator's "
                                          "end date). Empty: no end date."))

    def __init__(self, data=None, *, units, initial=None):
        super().__init__(data, initial=initial)
        self.fields["unit"].choices = _with_empty(units, _("— Choose a unit —"))

    def clean(self):
        data = super().clean()
        if data.get("is_collaborator") and not data.get("access_until") and "access_until" not in self.errors:
            self.add_error("access_until", _("A collaborator needs an end date."))
        return data

    def details(self) -> dict:
        data = self.cleaned_data
        return {"full_name": data["full_name"], "email": data["email"], "phone": data["phone"],
                "position": data["position"], "is_collaborator": data["is_collaborator"],
                "access_until": data["access_until"]}

    @classmethod
    def of(cls, person, profile, data=None, *, units) -> PersonForm:
        initial = {"full_name": person.get_full_name(), "email": person.email}
        if profile is not None:
            initial.update(phone=profile.phone, position=profile.position, unit=profile.unit_id,
                           is_collaborator=profile.is_collaborator, access_until=profile.access_until)
        return cls(data, units=units, initial=initial)


class PersonCreateForm(PersonForm):
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("Letters, digits and . @ + - _ only; the person signs in with it."))
    invite = forms.BooleanField(label=_("Send an invitation now (an e-mail with a link to choose a password)"),
                                required=False, initial=True)

    field_order = ["full_name", "username", "email", "phone", "position", "unit", "is_collaborator",
                   "access_until", "invite"]

    def clean(self):
        data = super().clean()
        if data.get("invite") and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("An invitation needs an e-mail address."))
        return data


class RoleGrantForm(forms.Form):
    """A role on a unit (administrator, supervisor, manager) or in a working
    group (officer)."""

    ROLES = [(Role.ADMINISTRATOR.value, _("Administrator of a unit")),
             (Role.SUPERVISOR.value, _("Supervisor of a unit")),
             (Role.MANAGER.value, _("Manager of a unit (reads the dashboards)")),
             (Role.OFFICER.value, _("Officer of a working group"))]

    role = forms.ChoiceField(label=_("Role"), choices=ROLES)
    unit = _choice(_("Unit"), required=False)
    group = _choice(_("Working group"), required=False)

    def __init__(self, data=None, *, units, groups):
        super().__init__(data)
        self.fields["unit"].choices = _with_empty(units, _("— Choose a unit —"))
        self.fields["group"].choices = _with_empty(groups, _("— Choose a working group —"))
        if not groups:
            self.fields["role"].choices = self.ROLES[:3]
        if not units:
            self.fields["role"].choices = self.ROLES[3:]

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.OFFICER and not data.get("group") and "group" not in self.errors:
            self.add_error("group", _("Choose the working group."))
        elif role and role != Role.OFFICER and not data.get("unit") and "unit" not in self.errors:
            self.add_error("unit", _("Choose the unit."))
        return data

    def target(self) -> dict:
        data = self.cleaned_data
        if data["role"] == Role.OFFICER:
            return {"role": data["role"], "group_id": data["group"]}
        return {"role": data["role"], "unit_id": data["unit"]}


class RoleRevokeForm(forms.Form):
    unit_grant = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    group_grant = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if bool(data.get("unit_grant")) == bool(data.get("group_grant")):
            raise forms.ValidationError(_("Choose one role to revoke."))
        return data


class DeactivateForm(forms.Form):
    """Who receives the work of a person who leaves."""

    QUEUES = "queues"

    receiver = forms.ChoiceField(label=_("Their open tasks and review steps go to"))

    def __init__(self, data=None, *, receivers):
        super().__init__(data)
        self.fields["receiver"].choices = [
            (self.QUEUES, _("Back to the queues of their working groups")),
            *[(str(pk), name) for pk, name in receivers]]
        self.fields["receiver"].initial = self.QUEUES

    def receiver_id(self) -> int | None:
        value = self.cleaned_data["receiver"]
        return None if value == self.QUEUES else int(value)


# --- working groups ---------------------------------------------------------------------
class GroupCreateForm(forms.Form):
    unit = _choice(_("Unit"))
    name = forms.CharField(label=_("Name"), max_length=255)
    leader = _choice(_("Leader (its first member)"), required=False)

    def __init__(self, data=None, *, units, people, initial=None):
        super().__init__(data, initial=initial)
        self.fields["unit"].choices = _with_empty(units, _("— Choose a unit —"))
        self.fields["leader"].choices = _with_empty(people, _("— None for now —"))


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)


class MemberAddForm(forms.Form):
    person = _choice(_("Person"))
    collaborator = forms.BooleanField(label=_("A collaborator (a retired officer), until the end date"),
                                      required=False)
    access_until = date_field(_("End date"), required=False,
                              help_text=_("After this day the person can no longer sign in."))

    def __init__(self, data=None, *, people):
        super().__init__(data)
        self.fields["person"].choices = _with_empty(people, _("— Choose who joins —"))

    def clean(self):
        data = super().clean()
        if data.get("collaborator") and not data.get("access_until") and "access_until" not in self.errors:
            self.add_error("access_until", _("A collaborator needs an end date."))
        return data


class MemberForm(forms.Form):
    """A member of the group (to remove)."""

    person = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class LeaderForm(forms.Form):
    leader = _choice(_("Leader"), required=False)

    def __init__(self, data=None, *, members, initial=None):
        super().__init__(data, initial=initial)
        self.fields["leader"].choices = _with_empty(members, _("— No leader —"))


class GroupCloseForm(forms.Form):
    NO_GROUP = "none"

    to_group = forms.ChoiceField(label=_("Its open campaigns go to"))

    def __init__(self, data=None, *, groups):
        super().__init__(data)
        self.fields["to_group"].choices = [
            *[(str(pk), name) for pk, name in groups],
            (self.NO_GROUP, _("No working group (the unit's supervisors assign them)"))]

    def to_group_id(self) -> int | None:
        value = self.cleaned_data["to_group"]
        return None if value == self.NO_GROUP else int(value)


# --- units ------------------------------------------------------------------------------
class UnitCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    code = forms.CharField(label=_("Code"), max_length=60,
                           help_text=_("Letters, digits and hyphens, unique in the country, e.g. lđlđ-tu-son."))
    kind = _choice(_("Kind"))

    def __init__(self, data=None, *, kinds):
        super().__init__(data)
        self.fields["kind"].choices = _with_empty(kinds, _("— Choose a kind —"))


class UnitEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = _choice(_("Kind"))

    def __init__(self, data=None, *, kinds, initial=None):
        super().__init__(data, initial=initial)
        self.fields["kind"].choices = kinds


class UnitMoveForm(forms.Form):
    parent = _choice(_("New parent unit"))

    def __init__(self, data=None, *, parents):
        super().__init__(data)
        self.fields["parent"].choices = _with_empty(parents, _("— Choose a unit —"))


class UnitCloseForm(forms.Form):
    successor = _choice(_("The unit that takes over its work"))
    on = date_field(_("Closed on"), help_text=_("Today or earlier: the figures before this day stay with the "
                                                "closed unit."))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, successors, initial=None):
        super().__init__(data, initial=initial)
        self.fields["successor"].choices = _with_empty(successors, _("— Choose a unit —"))

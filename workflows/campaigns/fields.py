"""The form fields the transitions ask for, and the values they parse into.

``flows`` declares each transition with its fields (a date, a member list, a
count…); ``forms.TransitionForm`` builds the form from them and ``services``
takes the values they parse into. Nothing here knows of a stage.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflows.core import clock
from workflows.core.forms import date_field


@dataclass(frozen=True)
class CommitteeMemberData:
    """A member of the mobilising committee as typed in (``services`` cleans it)."""

    full_name: str
    job_title: str = ""
    phone: str = ""
    is_head: bool = False


def not_after_today(message: str) -> Callable[[dt.date | None], None]:
    """A date field's check: the day has come (the services refuse a later
    one with the same sentence)."""
    def check(value: dt.date | None) -> None:
        if value is not None and value > clock.today():
            raise ValidationError(message)
    return check


def past_date_field(label, message: str, *, required: bool = True) -> forms.DateField:
    """A date that cannot be after today, refused with ``message``."""
    field = date_field(label, required=required)
    field.validators.append(not_after_today(message))
    return field


def note_field(label=None, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label or _("Note"), required=required, max_length=10_000, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 2}))


def parse_members(text: str) -> list[CommitteeMemberData]:
    """One member a line: "Full name; job or department; phone". A line that
    starts with "*" is the head of the committee."""
    members = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        is_head = line.strip().startswith("*")
        parts = [p.strip() for p in line.strip().lstrip("*").split(";")]
        name, job, phone = (parts + ["", "", ""])[:3]
        if len(name) > 120 or len(job) > 120 or len(phone) > 20:
            raise ValidationError(_("A line is too long: name and job at most 120 characters, phone at most 20."))
        if not name:
            raise ValidationError(_("Every committee member needs a name."))
        members.append(CommitteeMemberData(full_name=name, job_title=job, phone=phone, is_head=is_head))
    if sum(m.is_head for m in members) > 1:
        raise ValidationError(_("The committee has one head."))
    return members


class CommitteeField(forms.CharField):
    """The committee's members, one a line; cleans into ``CommitteeMemberData``."""

    widget = forms.Textarea(attrs={"rows": 5, "placeholder": _("Nguyễn Văn An; tổ trưởng chuyền may; 0912345678")})

    def clean(self, value):
        return parse_members(super().clean(value))


def committee_field() -> CommitteeField:
    return CommitteeField(
        label=_("Committee members"), max_length=20_000,
        help_text=_("One member a line: full name; job or department; phone. Start the head's line with *."))


FORMED_ON_PAST = _("The committee cannot be formed in the future.")

"""The invitation e-mail: a link with which a new person sets their first
password (``accounts:invitation``), valid for ``PASSWORD_RESET_TIMEOUT``."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from workflows.core.errors import InvalidInput

from .tokens import invitation_token_generator


def invitation_link(*, user, base_url: str) -> str:
    """The absolute link of a fresh invitation token for ``user``."""
    path = reverse("accounts:invitation", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": invitation_token_generator.make_token(user)})
    return f"{base_url.rstrip('/')}{path}"


def invitation_send(*, user, invited_by, base_url: str) -> str:
    """E-mail ``user`` (in Vietnamese, the product's language) who invited
    them, their user name, the link and until when it works (dd/mm/yyyy
    HH:MM, local time); return the link. The link opens once: setting the
    password spends it, as does any later change of the password.

    It sends at once, in the caller's transaction: a caller that may roll
    back sends after its commit (``transaction.on_commit``)."""
    if not user.email:
        raise InvalidInput(_("This person has no e-mail address: add one before inviting them."))
    link = invitation_link(user=user, base_url=base_url)
    valid_until = timezone.localtime(timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
    context = {
        "user": user, "username": user.get_username(), "name": user.get_full_name() or user.get_username(),
        "invited_by": (invited_by.get_full_name() or invited_by.get_username()) if invited_by else "",
        "link": link, "valid_until": valid_until.strftime("%d/%m/%Y %H:%M"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
        body = render_to_string("accounts/email/invitation_body.txt", context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    return link

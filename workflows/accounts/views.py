"""Signing in (password, then the second factor when the person has one),
setting up the second factor, account security, forgotten passwords and
invitations.

Signing in with a second factor takes two steps. The password step
remembers, in the (not yet signed-in) session, who gave a right password;
only the code step signs them in — a person with an app is never signed in
on the password alone. The password goes through ``authenticate(request=…)``
(Django's ``AuthenticationForm``), so django-axes counts failures and locks
out as before.
"""
from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login as auth_login, views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from workflows.audit.models import AuditKind
from workflows.audit.services import audit_record
from workflows.core.forms import errors_on
from workflows.core.redirects import is_same_site_path

from . import services
from .forms import AppCodeForm, CodeForm
from .permissions import is_verified, may_change_second_factor
from .selectors import enrolment_for, has_second_factor, recovery_codes_left, security_page, user_signing_in
from .tokens import invitation_token_generator

#: Who gave a right password and waits for the code step: {"user", "backend", "at", "next"}.
_SIGNING_IN = "accounts_signing_in"
#: How long the code step waits after the password (seconds).
_SIGNING_IN_SECONDS = 10 * 60
#: New recovery codes, shown once until the person says they saved them.
_NEW_CODES = "accounts_new_recovery_codes"


def _safe_next(request, candidate: str | None) -> str:
    """``candidate`` when it is a path of this site (``core.redirects``), else the home page."""
    if candidate and is_same_site_path(candidate, request=request):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _next_of(request) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


# --- signing in -------------------------------------------------------------------
@sensitive_post_parameters()
@csrf_protect
@never_cache
def sign_in(request):
    """Step one: user name and password."""
    next_url = _next_of(request)
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if has_second_factor(user):
            request.session[_SIGNING_IN] = {"user": user.pk, "backend": user.backend, "at": time.time(),
                                            "next": next_url}
            return redirect("accounts:verify")
        auth_login(request, user)
        return redirect(_safe_next(request, next_url))
    # 200 on a refused password, as Django's LoginView (django-axes answers a lockout itself).
    return render(request, "registration/login.html", {"form": form, "next": next_url})


@never_cache
def admin_sign_in(request):
    """The admin site's sign-in page: ours, so that the admin is no way round
    the second factor. A signed-in person the admin refuses still gets the
    admin's own page (which says they may not use it) instead of a loop."""
    if request.user.is_authenticated:
        return admin.site.login(request)
    return redirect(_with_next("login", _next_of(request) or reverse("admin:index")))


def _signing_in(request) -> dict | None:
    pending = request.session.get(_SIGNING_IN)
    if pending and time.time() - pending.get("at", 0) <= _SIGNING_IN_SECONDS:
        return pending
    request.session.pop(_SIGNING_IN, None)
    return None


@sensitive_post_parameters()
@csrf_protect
@never_cache
def verify(request):
    """Step two: a code from the app or a recovery code. Also where a
    signed-in session without the second factor passes it."""
    pending = None
    if request.user.is_authenticated:
        user, next_url = request.user, _next_of(request)
        if is_verified(user):
            return redirect(_safe_next(request, next_url))
        if not has_second_factor(user):
            return redirect(_with_next("accounts:enrol", next_url))
    else:
        pending = _signing_in(request)
        user = user_signing_in(pending["user"]) if pending else None
        if user is None:
            messages.info(request, _("Sign in again: the code step waits ten minutes at most."))
            return redirect("login")
        next_url = pending["next"]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            device = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
            if pending is not None:
                auth_login(request, user, backend=pending["backend"])
                request.session.pop(_SIGNING_IN, None)
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, _(
                    "You signed in with a recovery code; it cannot be used again. Recovery codes left: "
                    "%(count)d.") % {"count": recovery_codes_left(user)})
            return redirect(_safe_next(request, next_url))
        audit_record(kind=AuditKind.SIGN_IN_FAILED, request=request, user=user, detail="second factor")
    return render(request, "accounts/verify.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


# --- setting up the second factor -----------------------------------------------------
@login_required
@never_cache
def enrol(request):
    """Set up an authenticator app: scan the QR code (or type the key),
    confirm with a code; the recovery codes follow."""
    next_url = _next_of(request)
    if not may_change_second_factor(request.user, has_device=has_second_factor(request.user)):
        return redirect(_with_next("accounts:verify", request.get_full_path()))
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            enrolled = services.totp_enrolment_confirm(user=request.user, code=form.cleaned_data["code"])
            otp_login(request, enrolled.device)
            request.session[_NEW_CODES] = enrolled.recovery_codes
            messages.success(request, _("Two-step sign-in is on."))
            return redirect(_with_next("accounts:recovery_codes", next_url))
    device = services.totp_enrolment_start(user=request.user)
    return render(request, "accounts/enrol.html", {
        "form": form, "enrolment": enrolment_for(device, user=request.user), "next": next_url},
        status=400 if form.errors else 200)


@login_required
@never_cache
def recovery_codes(request):
    """The new recovery codes, shown until the person says they saved them."""
    next_url = _next_of(request)
    if request.method == "POST":
        request.session.pop(_NEW_CODES, None)
        return redirect(_safe_next(request, next_url) if next_url else reverse("accounts:security"))
    codes = request.session.get(_NEW_CODES)
    if not codes:
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})


@login_required
@never_cache
def security(request):
    """Account security: the second factor, recovery codes, the password."""
    return render(request, "accounts/security.html", {"page": security_page(request.user)})


@login_required
@require_POST
def recovery_codes_new(request):
    request.session[_NEW_CODES] = services.recovery_codes_regenerate(user=request.user)
    return redirect("accounts:recovery_codes")


@login_required
@require_POST
def turn_off(request):
    services.second_factor_turn_off(user=request.user)
    messages.success(request, _("Two-step sign-in is off. You sign in with your password alone."))
    return redirect("accounts:security")


# --- forgotten password and invitations ------------------------------------------------
class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the e-mail address; says the same whether or not an account
    has it (Django's form e-mails only active accounts with a password)."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    title = gettext_lazy("Forgot your password?")

    def form_valid(self, form):
        valid_until = timezone.localtime(timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
        self.extra_email_context = {"valid_until": valid_until.strftime("%d/%m/%Y %H:%M")}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"
    title = gettext_lazy("Check your e-mail")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    title = gettext_lazy("Choose a new password")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
    title = gettext_lazy("Password changed")


class InvitationView(auth_views.PasswordResetConfirmView):
    """The invitation link: the person chooses their first password, then
    signs in. A link that has expired or was used says to ask the
    administrator for a new invitation."""

    token_generator = invitation_token_generator
    template_name = "accounts/invitation.html"
    success_url = reverse_lazy("login")
    title = gettext_lazy("Welcome: choose your password")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Sign in with your user name %(username)s and "
                                         "the new password.") % {"username": form.user.get_username()})
        return response

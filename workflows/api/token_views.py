"""The page of a person's access tokens: the list, a new token (its key
shown once, in the answer to the POST that made it), revoking one."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from workflows.core.forms import errors_on

from .token_forms import TokenForm
from .tokens import token_create, token_revoke, tokens_of


@login_required
@never_cache  # Cache-Control: no-store — the answer to a POST carries the new key
@require_http_methods(["GET", "POST"])
@sensitive_variables("key")
def tokens(request):
    """GET: the list and the form. POST: a new token; the key is in this
    answer only (no redirect to a GET that could show it again)."""
    form = TokenForm(request.POST or None)
    created, key = None, ""
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            created, key = token_create(user=request.user, **form.cleaned_data)
            form = TokenForm()
    return render(request, "api/tokens.html", {
        "form": form, "tokens": tokens_of(request.user), "created": created, "key": key},
        status=400 if form.errors else 200)


@login_required
@require_POST
def revoke(request, pk: int):
    """Someone else's token answers 404 (``AccessToken.DoesNotExist``, core.refusals)."""
    token = token_revoke(user=request.user, token_id=pk)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api:tokens")

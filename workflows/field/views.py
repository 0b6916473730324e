"""The field app's answers: the web app manifest, the service worker, the
officer's working set (what the device keeps for reading offline), the
sync endpoint the device sends its offline records to, the outbox page and
the offline page, and signing out (which tells the browser to erase what it
kept)."""
from __future__ import annotations

import hashlib
import json
from functools import cache

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from . import records, selectors, services

#: The files every page needs, kept by the service worker ahead of time (the app shell).
APP_SHELL = (
    "vendor/pico/pico.min.css",
    "css/app.css",
    "vendor/htmx/htmx.min.js",
    "js/app.js",
    "vendor/idb/umd.js",
    "field/outbox.js",
    "field/field.js",
    "icons/favicon.svg",
    "icons/icon-192.png",
)
#: The Workbox modules the service worker loads, from our own static files (never a CDN).
WORKBOX_MODULES = ("workbox-core", "workbox-routing", "workbox-strategies", "workbox-precaching")
#: Where a record of each kind is posted by the pages: the device keeps a post to
#: one of these addresses when offline (``records.KINDS``).
CAPTURED = (
    ("task_complete", "campaigns:task_complete", ("task",)),
    ("note", "campaigns:note", ("campaign",)),
    ("meeting", "campaigns:meeting", ("campaign",)),
    ("conversation", "campaigns:conversation_add", ("campaign",)),
    ("quick_conversation", "campaigns:worker_quick_conversation", ("campaign", "worker")),
    ("assessment", "campaigns:worker_assess", ("campaign", "worker")),
    ("visit", "people:visit_add", ("enterprise",)),
)
_MARK = 987654321


def _json_error(status: int, code: str) -> JsonResponse:
    return JsonResponse({"error": code}, status=status)


@cache
def _revision(path: str) -> str:
    """A digest of a static file's content (the precache's revision): a
    changed file is fetched again when the service worker is updated."""
    found = finders.find(path)
    if not found:
        return ""
    with open(found, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def _offline_page() -> str:
    return render_to_string("field/offline.html", {})


@require_safe
@cache_control(max_age=60 * 60)
def manifest(request):
    """``/manifest.webmanifest``: what makes the site an installable app."""
    icon = {"type": "image/png"}
    body = {
        "id": "/",
        "name": _("Founding grassroots unions"),
        "short_name": "CĐCS",
        "description": _("Campaigns to found grassroots unions: tasks, visits and conversations in the field."),
        "lang": "vi",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": "#1d4e89",
        "background_color": "#ffffff",
        "icons": [
            {**icon, "src": static("icons/icon-192.png"), "sizes": "192x192", "purpose": "any"},
            {**icon, "src": static("icons/icon-512.png"), "sizes": "512x512", "purpose": "any"},
            {**icon, "src": static("icons/icon-maskable-512.png"), "sizes": "512x512", "purpose": "maskable"},
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


@require_safe
def service_worker(request):
    """``/sw.js``: served from the site's root so that it controls every
    page. It loads Workbox from our own static files and lists the app
    shell with each file's revision; a new deployment changes the script,
    and browsers install it again."""
    shell = [{"url": static(path), "revision": _revision(path) or None} for path in APP_SHELL]
    offline = _offline_page()
    shell.append({"url": reverse("field:offline"), "revision": hashlib.sha256(offline.encode()).hexdigest()[:16]})
    body = render_to_string("field/sw.js", {
        "modules": json.dumps({name: static(f"vendor/workbox/{name}.prod.js") for name in WORKBOX_MODULES}),
        "workbox_sw": static("vendor/workbox/workbox-sw.js"),
        "idb": static("vendor/idb/umd.js"),
        "outbox": static("field/outbox.js"),
        "shell": json.dumps(shell),
        "offline_url": reverse("field:offline"),
    })
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
@cache_control(no_cache=True)
def offline(request):
    """The page shown for an address the device did not keep (no personal data)."""
    return HttpResponse(_offline_page())


def _pattern(url_name: str, roles: tuple[str, ...]) -> str:
    path = reverse(url_name, args=[_MARK + i for i in range(len(roles))])
    for i in range(len(roles)):
        path = path.replace(str(_MARK + i), r"(\d+)")
    return "^" + path + "$"


@require_GET
@never_cache
def working_set(request):
    """What the device keeps for reading offline (JSON): the addresses of
    the officer's own open campaigns' pages, of the visit form of their
    enterprises (those the officer may record a visit to) and of My tasks,
    the campaigns' versions and stages, and their open tasks."""
    if not request.user.is_authenticated:
        return _json_error(401, "signed_out")
    found = selectors.working_set_of(request.user)
    urls = ["/", reverse("campaigns:my_tasks"), reverse("field:outbox")]
    for case in found.cases:
        urls += [reverse(name, args=[case.id]) for name in (
            "campaigns:detail", "campaigns:workers", "campaigns:field", "campaigns:conversation_add")]
    urls += [reverse("people:visit_add", args=[e.id]) for e in found.enterprises]
    return JsonResponse({
        "user": request.user.pk,
        "signature": found.signature,
        "generated_at": timezone.now().isoformat(),
        "urls": urls,
        "cases": [{"id": c.id, "version": c.version, "stage": c.stage, "name": c.name} for c in found.cases],
        "tasks": [{"id": task, "campaign": campaign} for task, campaign in found.open_tasks],
        "captures": [{"kind": kind, "pattern": _pattern(name, roles), "roles": list(roles)}
                     for kind, name, roles in CAPTURED],
    })


def _answer(answer: services.FieldAnswer) -> dict:
    body = {"key": answer.key, "outcome": answer.outcome, "message": answer.message, "replayed": answer.replayed}
    if answer.case is not None:
        body["case"] = {"id": answer.case.id, "version": answer.case.version, "stage": answer.case.stage,
                        "stage_label": answer.case.stage_label}
    if answer.enterprise is not None:
        body["enterprise"] = {"id": answer.enterprise.id, "visit": answer.enterprise.visit}
    return body


@require_POST
def sync(request):
    """``POST /field/sync/`` (JSON, with the CSRF token): the records a device
    kept offline, ``{"records": [...]}``; the answer lists each record's
    outcome in their order: applied, refused (final: the device shows why)
    or conflict (the device keeps it for the officer to decide)."""
    if not request.user.is_authenticated:
        return _json_error(401, "signed_out")
    try:
        raw = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _json_error(400, "not_json")
    batch = raw.get("records") if isinstance(raw, dict) else None
    if not isinstance(batch, list) or len(batch) > records.BATCH_LIMIT:
        return _json_error(400, "records")
    parsed, malformed = [], {}
    for position, item in enumerate(batch):
        try:
            parsed.append(records.parse(item))
        except records.Malformed as error:
            key = item.get("key") if isinstance(item, dict) else None
            malformed[position] = {"key": str(key or ""), "outcome": "refused", "replayed": False,
                                   "message": _("This record cannot be read (%(part)s).") % {"part": str(error)}}
    answers = iter(services.field_records_apply(actor=request.user, records=parsed))
    return JsonResponse({"results": [malformed[i] if i in malformed else _answer(next(answers))
                                     for i in range(len(batch))]})


@login_required
@require_GET
def outbox(request):
    """The records kept on this device, read from its IndexedDB by the page's
    script (the server has not seen them): waiting, in conflict, refused."""
    kinds = {name: str(kind.label) for name, kind in records.KINDS.items()}
    return render(request, "field/outbox.html", {"nav_active": "my_tasks",
                                                 "kinds_json": json.dumps(kinds, ensure_ascii=False)})


class SignOut(auth_views.LogoutView):
    """Signing out also tells the browser to erase what the site kept on the
    device (its caches and storage: IndexedDB, the service worker); the
    page's script has done the same before posting, for browsers that
    ignore the header."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


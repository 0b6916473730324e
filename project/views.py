"""The few answers that belong to the site rather than to an app."""
from functools import cache

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "icons" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=7 * 24 * 60 * 60)
def favicon(request):
    """``/favicon.ico``: browsers and tools ask for it on every site, whatever
    the page's ``<link rel="icon">`` says."""
    return HttpResponse(_favicon(), content_type="image/x-icon")

"""Links to many objects of one kind on a page, without a ``reverse()`` per
object: the URL is reversed once with a stand-in id and the id put in its
place (``reverse_pk``; ``{% url_pk %}`` in templates, ``core.templatetags.links``).
Only for URLs whose first argument is an integer id (the others, if any,
the same for every object: a transition's name)."""
from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

#: An id no page shows, to find where the id goes in the reversed URL.
_STAND_IN = 987654321987

_patterns: dict[tuple, tuple[str, str]] = {}


def reverse_pk(name: str, pk: int, *args) -> str:
    """``reverse(name, args=[pk, *args])``, the URL's pattern reversed once
    per process (and script prefix) for ``args`` and the id put in its place."""
    key = (name, args, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    pattern = _patterns.get(key)
    if pattern is None:
        before, stand_in, after = reverse(name, args=[_STAND_IN, *args]).partition(str(_STAND_IN))
        if not stand_in or str(_STAND_IN) in after:
            raise ValueError(f"{name}: the id is not one part of the URL")
        pattern = _patterns[key] = (before, after)
    return f"{pattern[0]}{int(pk)}{pattern[1]}"

"""Page contexts of the workers of a case (selectors for the people pages)."""
from __future__ import annotations


def people_panel(user, campaign, *, scope=None, today=None):
    """The campaign page's panel on its workers; None: nothing to show."""
    return None

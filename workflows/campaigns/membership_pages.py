"""Page contexts of the committee, applications and admission by name."""
from __future__ import annotations


def membership_panel(user, campaign, *, scope=None, today=None):
    """The campaign page's panel on its committee and applications; None: nothing to show."""
    return None

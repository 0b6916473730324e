"""Pages read their context from a selector that returns a frozen
dataclass (the decisions the template needs: permissions, counts, rows);
the view adds its forms and renders."""
from __future__ import annotations

import dataclasses
from typing import Any


def context_of(page: Any, **extra: Any) -> dict[str, Any]:
    """The template context of ``page`` (a dataclass instance): its fields,
    not copied, then ``extra`` (the view's forms)."""
    return {**{field.name: getattr(page, field.name) for field in dataclasses.fields(page)}, **extra}

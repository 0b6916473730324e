"""Parsing query parameters without trusting them: garbage means "not given"."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

_MAX_INT = 2**31 - 1


def param_int(params, name: str) -> int | None:
    value = (params.get(name) or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:  # "²".isdigit(), yet int("²") fails
        return None
    number = int(value)
    return number if 0 < number <= _MAX_INT else None


def param_str(params, name: str, max_length: int) -> str:
    value = params.get(name) or ""
    value = "".join(ch for ch in value if ch.isprintable())
    return " ".join(value.split())[:max_length]


def param_choice(params, name: str, choices: Iterable[str]) -> str:
    value = params.get(name) or ""
    return value if value in set(choices) else ""


def param_bool(params, name: str) -> bool:
    return (params.get(name) or "") in {"1", "on", "true", "yes"}


def param_date(params, name: str) -> dt.date | None:
    """A day written dd/mm/yyyy (as people type it) or yyyy-mm-dd (as a date input sends it)."""
    value = (params.get(name) or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None

"""Who the benchmarks sign in as, and which units they look at.

From ``bench/results/generated.json`` when ``bench/generate.py`` wrote it,
else from the demo province (``manage.py load_demo``), where the "whole
country" is the provincial federation, the root of the demo tree.

Call ``bench.common.setup()`` before ``identities()``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bench.common import RESULTS

GENERATED = RESULTS / "generated.json"
BENCH_PASSWORD = "bench"

# The keys generated.json may use for each identity (first found wins; nested
# objects are searched too, so {"users": {"officer": …}} works).
_ALIASES = {
    "root_unit": ("national_root_unit_id", "root_unit_id", "national_unit_id", "national_root_unit", "root_unit",
                  "national_root", "root", "national"),
    "province_unit": ("province_id", "province_unit_id", "province_unit", "province"),
    "child_unit": ("child_unit_id", "child_unit", "child", "district_unit_id", "area_unit_id"),
    "officer": ("officer_username", "officer"),
    "child_supervisor": ("child_supervisor_username", "child_unit_supervisor", "child_supervisor",
                         "supervisor_child", "area_supervisor"),
    "province_supervisor": ("province_supervisor_username", "province_supervisor", "supervisor_province",
                            "supervisor"),
    "manager": ("national_manager_username", "national_manager", "manager"),
    "password": ("password",),
}

DEMO = {
    "officer": "canbo", "child_supervisor": "giamsat.khuvuc", "province_supervisor": "giamsat",
    "manager": "lanhdao",
}


@dataclass(frozen=True)
class Identities:
    source: str  # "generated.json" or "demo"
    root_unit_id: int
    province_unit_id: int
    child_unit_id: int
    officer: str
    child_supervisor: str
    province_supervisor: str
    manager: str
    password: str = BENCH_PASSWORD

    @property
    def usernames(self) -> list[str]:
        return [self.officer, self.child_supervisor, self.province_supervisor, self.manager]


def _flatten(data, out: dict) -> dict:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict):
                _flatten(value, out)
            out.setdefault(str(key).lower(), value)
    return out


def _pick(flat: dict, name: str):
    for alias in _ALIASES[name]:
        value = flat.get(alias)
        if isinstance(value, dict):  # {"officer": {"username": …}} or {"province": {"id": …}}
            value = value.get("username", value.get("id", value.get("pk")))
        if value not in (None, ""):
            return value
    return None


def _unit_id(value) -> int | None:
    from workflows.organisation.models import Unit

    if value is None:
        return None
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    unit = Unit.objects.filter(code=value).first() or Unit.objects.filter(path=value).first()
    return unit.pk if unit else None


def identities(path: Path | None = None, *, log=print) -> Identities:
    """From ``path`` (default bench/results/generated.json) if its users are
    in this database, else from the demo data. (generated.json does not say
    which database it describes: another database's file is skipped.)"""
    explicit = path is not None
    path = path or GENERATED
    if path.exists():
        found = _from_generated(path)
        from django.contrib.auth import get_user_model

        present = set(get_user_model().objects.filter(username__in=found.usernames)
                      .values_list("username", flat=True))
        if present == set(found.usernames):
            return found
        if explicit:
            raise SystemExit(f"{path}: users {sorted(set(found.usernames) - present)} are not in this database.")
        log(f"({path} describes another database: its users are not here; using the demo identities)")
    return _demo_identities()


def _from_generated(path: Path) -> Identities:
    flat = _flatten(json.loads(path.read_text(encoding="utf-8")), {})
    picked = {name: _pick(flat, name) for name in _ALIASES}
    missing = [name for name, value in picked.items() if value is None and name != "password"]
    if missing:
        raise SystemExit(f"{path}: cannot find {', '.join(missing)} (keys: {', '.join(sorted(flat))}).")
    return Identities(
        source=path.name, root_unit_id=_unit_id(picked["root_unit"]),
        province_unit_id=_unit_id(picked["province_unit"]), child_unit_id=_unit_id(picked["child_unit"]),
        officer=str(picked["officer"]), child_supervisor=str(picked["child_supervisor"]),
        province_supervisor=str(picked["province_supervisor"]), manager=str(picked["manager"]),
        password=str(picked["password"] or BENCH_PASSWORD))


def _demo_identities() -> Identities:
    from django.contrib.auth import get_user_model

    from workflows.organisation.models import Unit
    from workflows.organisation.permissions import scope_of

    users = get_user_model().objects.in_bulk([DEMO["child_supervisor"], DEMO["province_supervisor"]],
                                             field_name="username")
    if len(users) < 2:
        raise SystemExit("No usable bench/results/generated.json and no demo data: run bench/generate.py or "
                         "`manage.py load_demo` on this database first.")
    province = Unit.objects.get(path=scope_of(users[DEMO["province_supervisor"]]).supervised[0])
    child = Unit.objects.get(path=scope_of(users[DEMO["child_supervisor"]]).supervised[0])
    root = Unit.objects.filter(depth=1).order_by("path").first()
    return Identities(source="demo", root_unit_id=root.pk, province_unit_id=province.pk, child_unit_id=child.pk,
                      **DEMO)


def reset_passwords(usernames, password: str = BENCH_PASSWORD) -> int:
    """Give these users ``password`` hashed with the bench hasher (MD5): the
    demo's PBKDF2 hashes would make every sign-in cost ~0.5 s of CPU."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    encoded = make_password(password)  # the bench settings' first hasher
    return get_user_model().objects.filter(username__in=list(usernames)).update(password=encoded)


def check_passwords(usernames, password: str) -> list[str]:
    """The users of ``usernames`` whose password is not ``password`` (or who
    are missing or inactive)."""
    from django.contrib.auth import get_user_model

    found = {u.username: u for u in get_user_model().objects.filter(username__in=list(usernames))}
    return [name for name in usernames
            if name not in found or not found[name].is_active or not found[name].check_password(password)]

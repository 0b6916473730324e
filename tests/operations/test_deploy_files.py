"""The files of deploy/ that docs/operations.md installs, checked against the
project where a check can be made: the services run commands and settings
that exist, systemd waits for them to stop, nginx takes the largest upload
and waits as long as gunicorn, every variable they set is in the README's
configuration section, PostgreSQL knows every setting and accepts its
value, and the guide prints each file as it is."""
from __future__ import annotations

import ast
import importlib.util
import re
import runpy
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.db import connection, transaction

from .shell import BASE, GUIDE

DEPLOY = BASE / "deploy"
WEB = DEPLOY / "systemd" / "cdcs-web.service"
WORKER = DEPLOY / "systemd" / "cdcs-worker.service"
ENV_EXAMPLE = DEPLOY / "systemd" / "cdcs.env.example"
NGINX = DEPLOY / "nginx" / "cdcs.conf"
POSTGRESQL = DEPLOY / "postgresql" / "cdcs.conf"
#: What the guide prints whole.
PRINTED = (WEB, WORKER, ENV_EXAMPLE, NGINX, POSTGRESQL)


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit: section → key → its values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def environment_file(path: Path) -> dict[str, str]:
    found = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            found[name] = shlex.split(value)[0] if value else ""
    return found


def unit_environment(service: dict) -> dict[str, str]:
    return dict(item.split("=", 1) for item in service.get("Environment", []))


def gunicorn_settings(environment: dict[str, str]) -> dict:
    """project/gunicorn.conf.py as gunicorn reads it with ``environment``."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("GUNICORN_WORKERS", "GUNICORN_BIND", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT"):
            patch.delenv(name, raising=False)
            if name in environment:
                patch.setenv(name, environment[name])
        return runpy.run_path(str(BASE / "project" / "gunicorn.conf.py"))


def seconds(value: str) -> int:
    number, unit_name = re.fullmatch(r"(\d+)\s*(s|min|m)?", value).groups()
    return int(number) * (60 if unit_name in ("min", "m") else 1)


def readme_configuration() -> str:
    text = (BASE / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1]
    return section.split("\n## ", 1)[0]


def upload_limits() -> dict[str, int]:
    """Every upload limit of the app: the module constants named
    ``*MAX*BYTES`` of workflows/ (but the unpacked size of a workbook, which
    is not what is sent) and the recognition documents' setting."""
    limits = {"RECOGNITION_MAX_DOCUMENT_BYTES": settings.RECOGNITION_MAX_DOCUMENT_BYTES}
    for path in sorted((BASE / "workflows").rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if re.fullmatch(r"[A-Z_]*MAX[A-Z_]*BYTES", name) and "UNPACKED" not in name:
                    limits[f"{path.relative_to(BASE)}:{name}"] = arithmetic(node.value)
    return limits


def arithmetic(node: ast.expr) -> int:
    """The value of a constant such as ``30 * 1024 * 1024``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Add | ast.Pow):
        left, right = arithmetic(node.left), arithmetic(node.right)
        return left * right if isinstance(node.op, ast.Mult) else left + right if isinstance(node.op, ast.Add) \
            else left**right
    raise ValueError(f"not a whole-number constant: {ast.unparse(node)}")


def nginx_directives(name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;{{}}\n]+);", NGINX.read_text(encoding="utf-8"), flags=re.MULTILINE)


def size(value: str) -> int:
    number, suffix = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[suffix.lower()]


@pytest.mark.parametrize("path", [WEB, WORKER], ids=lambda p: p.name)
def test_a_service_runs_commands_and_settings_of_this_project(path):
    service = unit(path)["Service"]
    home = Path(service["WorkingDirectory"][0])
    environment = unit_environment(service)

    # the production settings, which exist
    assert environment == {"DJANGO_SETTINGS_MODULE": "project.settings.production"}
    assert importlib.util.find_spec(environment["DJANGO_SETTINGS_MODULE"]) is not None
    assert service["EnvironmentFile"] == ["/etc/cdcs/cdcs.env"]
    assert (service["User"], service["Group"]) == (["cdcs"], ["cdcs"])
    # every command is the project's virtualenv running a real manage.py command, or gunicorn with our config
    commands = [shlex.split(line) for key in ("ExecStartPre", "ExecStart") for line in service.get(key, [])]
    assert commands
    for program, *args in commands:
        assert Path(program).parent == home / ".venv" / "bin"
        if Path(program).name == "python":
            assert args[0] == "manage.py" and (BASE / "manage.py").exists()
            assert args[1] in get_commands(), args
        else:
            assert (Path(program).name, args[0]) == ("gunicorn", "-c")
            assert (BASE / args[1]).is_file() and args[1] == "project/gunicorn.conf.py"
            assert importlib.util.find_spec(args[2]) is not None and args[2] == "project.wsgi"


def test_the_worker_writes_the_schedules_at_each_start_and_runs_the_job_cluster():
    service = unit(WORKER)["Service"]
    assert service["ExecStartPre"] == ["/srv/cdcs/.venv/bin/python manage.py setup_schedules"]
    assert service["ExecStart"] == ["/srv/cdcs/.venv/bin/python manage.py qcluster"]
    assert unit(WEB)["Service"]["WorkingDirectory"] == service["WorkingDirectory"] == ["/srv/cdcs"]


def test_systemd_waits_longer_than_the_services_take_to_stop():
    web, worker = unit(WEB)["Service"], unit(WORKER)["Service"]
    gunicorn = gunicorn_settings(environment_file(ENV_EXAMPLE))
    # gunicorn lets requests in flight finish for graceful_timeout; a job runs up to Q_CLUSTER's timeout
    assert seconds(web["TimeoutStopSec"][0]) > gunicorn["graceful_timeout"]
    assert seconds(worker["TimeoutStopSec"][0]) > settings.Q_CLUSTER["timeout"]
    # SIGTERM to the main process only: it stops its own workers
    assert web["KillMode"] == worker["KillMode"] == ["mixed"]


def test_every_variable_the_services_set_is_in_the_readme_configuration():
    configuration = readme_configuration()
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)", configuration))
    variables = {*environment_file(ENV_EXAMPLE), *unit_environment(unit(WEB)["Service"]),
                 *unit_environment(unit(WORKER)["Service"])}
    assert variables - named == set()
    # and what the production settings refuse to start without is there
    assert {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "PEOPLE_ID_KEY"} <= variables


def test_nginx_takes_the_largest_upload_and_waits_as_long_as_gunicorn():
    environment = environment_file(ENV_EXAMPLE)
    gunicorn = gunicorn_settings(environment)
    limits = upload_limits()
    assert len(limits) >= 5, limits  # the registry, workers, organisation imports, forms, documents

    # the largest upload and a megabyte for the rest of the form and its multipart framing
    [body] = nginx_directives("client_max_body_size")
    assert size(body) >= max(limits.values()) + 2**20, limits
    # gunicorn's timeout decides, not nginx's
    [read_timeout] = nginx_directives("proxy_read_timeout")
    assert seconds(read_timeout) >= gunicorn["timeout"]
    # nginx reaches gunicorn where the environment binds it, and serves what collectstatic writes
    assert nginx_directives("server") == [environment["GUNICORN_BIND"]]
    assert gunicorn["bind"] == environment["GUNICORN_BIND"]
    home = unit(WEB)["Service"]["WorkingDirectory"][0]
    static_root = Path(settings.STATIC_ROOT).relative_to(BASE)
    assert re.search(rf"location {re.escape(settings.STATIC_URL)} {{\s+alias {home}/{static_root}/;",
                     NGINX.read_text(encoding="utf-8"))
    # the headers the production settings read: HTTPS (SECURE_PROXY_SSL_HEADER) and one proxy's address
    headers = dict(value.split(None, 1) for value in nginx_directives("proxy_set_header"))
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert environment["TRUSTED_PROXY_COUNT"] == "1"
    # no /media/: documents are served by the app to those allowed to see them
    assert re.findall(r"^\s*location\s+(.+?)\s*\{(?:\s|$)", NGINX.read_text(encoding="utf-8"), flags=re.MULTILINE) == [
        "/.well-known/acme-challenge/", "/", "/static/", '~ "\\.[0-9a-f]{12}\\.[A-Za-z0-9]+$"', "/"]


@pytest.mark.parametrize("name", ["cdcs-backup", "cdcs-basebackup"])
def test_a_backup_service_runs_a_script_of_deploy_as_postgres_from_its_timer(name):
    service = unit(DEPLOY / "systemd" / f"{name}.service")["Service"]
    program, *args = shlex.split(service["ExecStart"][0])
    # the guide copies deploy/backup and deploy/postgresql to /usr/local/share/cdcs
    script = DEPLOY / Path(program).relative_to("/usr/local/share/cdcs")
    assert script.is_file() and script.stat().st_mode & 0o111 == 0o111
    assert (service["Type"], service["User"]) == (["oneshot"], ["postgres"])
    assert args[-1].isdigit() and int(args[-1]) > 0  # the days or base backups kept
    timer = unit(DEPLOY / "systemd" / f"{name}.timer")
    assert timer["Timer"]["OnCalendar"][0].endswith("Asia/Ho_Chi_Minh")
    assert timer["Timer"]["Persistent"] == ["true"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]


def test_the_guide_states_gunicorn_s_timeouts_as_the_configuration_has_them():
    gunicorn = gunicorn_settings({})
    guide = GUIDE.read_text(encoding="utf-8")
    assert f"(`GUNICORN_TIMEOUT`, {gunicorn['timeout']} s by default)" in guide
    assert f"`GUNICORN_GRACEFUL_TIMEOUT` ({gunicorn['graceful_timeout']} s)" in guide


def test_the_guide_prints_each_deploy_file_as_it_is():
    guide = GUIDE.read_text(encoding="utf-8")
    for path in PRINTED:
        assert path.read_text(encoding="utf-8").strip() in guide, f"{path.relative_to(BASE)} differs in the guide"
    # and every file it installs exists
    named = set(re.findall(r"deploy/[\w./-]+[\w]", guide))
    assert {name for name in named if not (BASE / name).exists()} == set()
    # the application role's JIT, as the guide explains it
    assert "ALTER ROLE cdcs_app SET jit = off;" in guide


def postgresql_settings() -> list[tuple[str, str]]:
    found = []
    for raw in POSTGRESQL.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([a-z_.]+)\s*=\s*('(?:[^']|'')*'|[^\s#]+)", raw)
        if match:
            name, value = match.groups()
            found.append((name, value[1:-1].replace("''", "'") if value.startswith("'") else value))
    return found


MEMORY = r"\d+(kB|MB|GB|TB)"
TIME = r"\d+(us|ms|s|min|h|d)"


@pytest.mark.postgres
def test_postgresql_knows_every_setting_and_accepts_its_value(db):
    found = postgresql_settings()
    names = [name for name, _ in found]
    assert len(names) == len(set(names)) >= 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, context, vartype, unit, enumvals FROM pg_settings WHERE name = ANY(%s)",
                       [names])
        known = {name: rest for name, *rest in cursor.fetchall()}
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    assert set(names) - set(known) == set()

    for name, value in found:
        context, vartype, unit_name, enumvals = known[name]
        if context == "user" or (context == "superuser" and superuser):
            # PostgreSQL itself parses it, for this transaction only
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        elif vartype == "bool":
            assert value in ("on", "off"), (name, value)
        elif vartype == "enum":
            assert value in enumvals, (name, value, enumvals)
        elif vartype in ("integer", "real"):
            pattern = MEMORY if unit_name in ("8kB", "kB", "MB") else TIME if unit_name in ("ms", "s", "min") \
                else r"\d+(\.\d+)?"
            assert re.fullmatch(pattern, value), (name, value, unit_name)


def test_max_connections_covers_the_web_tier_the_worker_and_the_operators():
    shipped = dict(postgresql_settings())
    workers = int(environment_file(ENV_EXAMPLE)["GUNICORN_WORKERS"])
    # gunicorn's workers twice (a reload overlaps the old and new workers), the job worker's
    # workers and its 3 other processes, and 10 for deploy commands, backups and psql
    needed = 2 * workers + settings.Q_CLUSTER["workers"] + 3 + 10
    assert int(shipped["max_connections"]) >= needed
    assert "jit" not in shipped  # off for the application's role only (ALTER ROLE), not the cluster


def test_a_web_worker_freezes_what_it_loaded_out_of_the_collector_s_sight():
    import gc

    hook = gunicorn_settings({})["post_worker_init"]
    gc.unfreeze()
    try:
        hook(worker=None)
        frozen = gc.get_freeze_count()
        # Django, the settings and every view module loaded by the URLconf: tens of thousands of objects
        assert frozen > 50_000
        assert "workflows.campaigns.views" in __import__("sys").modules
    finally:
        gc.unfreeze()

"""The production settings: required secrets, and a clean deploy check."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(env_extra: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "PEOPLE_ID_KEY", "DJANGO_SETTINGS_MODULE",
                        "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.production", **env_extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_prints_no_warning():
    result = run({"SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-only-0123456789",
                  "ALLOWED_HOSTS": "cdcs.example.vn", "PEOPLE_ID_KEY": "p" * 40},
                 "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run({"ALLOWED_HOSTS": "cdcs.example.vn"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run({"SECRET_KEY": "s" * 60}, "check")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_refuses_to_start_without_the_citizen_id_key_or_with_the_secret_key_as_it():
    result = run({"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "cdcs.example.vn"}, "check")
    assert result.returncode != 0
    assert "PEOPLE_ID_KEY must be set" in result.stderr
    result = run({"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "cdcs.example.vn", "PEOPLE_ID_KEY": "s" * 60}, "check")
    assert result.returncode != 0
    assert "PEOPLE_ID_KEY must be set" in result.stderr


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, world):
    client.force_login(world.officer)
    response = client.get("/tasks/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()
    assert " style=" not in response.content.decode()


def test_production_refuses_a_trusted_proxy_count_that_is_not_a_number():
    result = run({"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "cdcs.example.vn", "TRUSTED_PROXY_COUNT": "một",
                  "PEOPLE_ID_KEY": "p" * 40}, "check")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be a whole number" in result.stderr


def gunicorn_config(**env_extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.production", "SECRET_KEY": "s" * 60,
                "ALLOWED_HOSTS": "cdcs.example.vn", "PEOPLE_ID_KEY": "p" * 40, **env_extra})
    result = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "-c", "project/gunicorn.conf.py",
                             "--print-config", "project.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return {name.strip(): value.strip() for name, _, value in
            (line.partition("=") for line in result.stdout.splitlines()) if value}


def test_gunicorn_outlasts_a_national_export_and_lets_requests_finish_on_a_stop():
    config = gunicorn_config()
    # A national registry export takes about 86 s in the request.
    assert (config["timeout"], config["graceful_timeout"], config["workers"]) == ("180", "120", "4")


def test_gunicorn_takes_its_timeouts_and_workers_from_the_environment():
    config = gunicorn_config(GUNICORN_TIMEOUT="300", GUNICORN_GRACEFUL_TIMEOUT="200", GUNICORN_WORKERS="9")
    assert (config["timeout"], config["graceful_timeout"], config["workers"]) == ("300", "200", "9")


def test_the_readme_production_command_uses_the_gunicorn_configuration():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    production = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    gunicorn_lines = [line for line in production.splitlines() if line.startswith("gunicorn ")]
    assert gunicorn_lines == ["gunicorn -c project/gunicorn.conf.py project.wsgi   "
                              "# the web tier (whitenoise serves /static/)"]


def test_production_requires_the_second_factor_of_administrators_and_supervisors():
    result = run({"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "cdcs.example.vn", "PEOPLE_ID_KEY": "p" * 40},
                 "shell", "--no-imports", "-c",
                 "from django.conf import settings; print(settings.TWO_FACTOR_REQUIRED_ROLES)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['administrator', 'supervisor']"

"""The production settings: required secrets, and a clean deploy check."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(env_extra: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.production", **env_extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_prints_no_warning():
    result = run({"SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-only-0123456789",
                  "ALLOWED_HOSTS": "cdcs.example.vn"}, "check", "--deploy", "--fail-level", "WARNING")
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
    result = run({"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "cdcs.example.vn", "TRUSTED_PROXY_COUNT": "một"}, "check")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be a whole number" in result.stderr

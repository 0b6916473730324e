"""``make run`` (project/run.py): the development server and the job worker
start together and stop cleanly on SIGTERM or Ctrl-C: exit status 0, no
traceback, nothing left listening. Real processes, a free port, an SQLite
file of their own."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

# The processes use an SQLite file of their own whatever DATABASE_URL says: once is enough, in the run on SQLite
# (CI's second run; `make test` without DATABASE_URL).
pytestmark = pytest.mark.skipif(connection.vendor == "postgresql",
                                reason="make run uses an SQLite file of its own: tested in the run on SQLite")


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("make-run")
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "DATABASE_REPLICA_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY")}
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings.dev", "VAR_DIR": str(folder),
                "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "PYTHONUNBUFFERED": "1"})
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=600)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_server_and_the_worker_stop_cleanly(environment, tmp_path, signum):
    # given `make run`'s server and worker, answering HTTP with the worker up
    port, log = free_port(), tmp_path / "output.txt"
    with log.open("wb") as output:
        runner = subprocess.Popen([sys.executable, "-m", "project.run", f"127.0.0.1:{port}"], cwd=ROOT,
                                  env=environment, stdin=subprocess.DEVNULL, stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (answers(port) and "running." in log.read_text(errors="replace")):
            assert runner.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)

        # when it is told to stop
        runner.send_signal(signum)
        status = runner.wait(timeout=90)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()

    # then both stopped cleanly, and nothing is left listening
    text = log.read_text(errors="replace")
    assert status == 0, text
    assert "Traceback" not in text, text
    assert "has stopped." in text, text  # the worker's pool stopped, not killed
    assert not listening(port)

"""``make run``: the development server and the job worker side by side, and
both stopped cleanly by one Ctrl-C or SIGTERM.

    python -m project.run [ADDRESS:PORT]

Each child runs in a session of its own, so that a signal meant for
``make run`` reaches this process alone and each child is told exactly once:
the worker (``manage.py qcluster``) gets SIGTERM and stops its pool itself
(two signals while it stops make django-q2 recurse in its handler); the
development server and its autoreloader get SIGTERM as a group. Exit status
0 after a requested stop; a child that ends on its own stops the other and
its status is returned.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: How long each child gets to stop before it is killed.
STOP_SECONDS = 20


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(child: subprocess.Popen, *, group: bool) -> None:
    if child.poll() is not None:
        return
    try:
        if group:
            os.killpg(child.pid, signal.SIGTERM)
        else:
            child.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        child.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        print(f"{child.args[2]} did not stop within {STOP_SECONDS} s: killed.", file=sys.stderr, flush=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    if group:
        # The autoreloader's server process may outlive its parent for a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    address = argv[0] if argv else "127.0.0.1:8000"
    requested: list[int] = []

    def on_signal(signum, frame):
        requested.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)

    worker = _start("qcluster")
    web = _start("runserver", address)
    while not requested and worker.poll() is None and web.poll() is None:
        time.sleep(0.2)

    ended = None if requested else (worker if worker.poll() is not None else web)
    if requested:
        print(f"\nStopping the web server and the job worker ({signal.Signals(requested[0]).name}) …", flush=True)
    _stop(web, group=True)
    _stop(worker, group=False)
    if ended is None:
        print("Stopped.", flush=True)
        return 0
    name = "The job worker" if ended is worker else "The web server"
    print(f"{name} ended (status {ended.returncode}); the other was stopped.", file=sys.stderr, flush=True)
    return ended.returncode if ended.returncode and ended.returncode > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

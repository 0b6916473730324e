"""gunicorn, the production web tier:

    gunicorn -c project/gunicorn.conf.py project.wsgi

Every value can be changed from the environment. A worker that answers
nothing for ``GUNICORN_TIMEOUT`` seconds is killed and restarted; the
timeout is generous: long work is a job (exports, imports, a report's
files), and at national scale no page took more than about 2 s
(bench/pages.py, every role). A stop or restart (SIGTERM, SIGHUP) lets
requests in flight finish for ``GUNICORN_GRACEFUL_TIMEOUT`` seconds.

Each worker, once it has loaded the application, moves the objects it made
so far (modules, settings, URLconf) out of the cyclic garbage collector's
sight (``gc.freeze``): a full collection scanned them all again — about
180.000 objects, 60–100 ms — in the middle of whichever request triggered
it (bench/RESULTS.md).
"""
import os


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not (value.isascii() and value.isdigit() and int(value) > 0):
        raise RuntimeError(f"{name} must be a whole number above 0, not {value!r}.")
    return int(value)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _number("GUNICORN_WORKERS", 4)
timeout = _number("GUNICORN_TIMEOUT", 180)
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 120)
keepalive = 5
# Requests in the access log, errors in the error log: both to the service's output.
accesslog = "-"
errorlog = "-"


def post_worker_init(worker) -> None:
    """After the worker loaded the application (``project.wsgi``)."""
    from project.runtime import freeze_startup_objects

    freeze_startup_objects()

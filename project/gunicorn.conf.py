"""gunicorn, the production web tier:

    gunicorn -c project/gunicorn.conf.py project.wsgi

Every value can be changed from the environment. The timeout is long because
a national registry export is answered in the request for now (about 86 s
for a whole country; such exports become jobs later): a worker that answers
nothing for ``GUNICORN_TIMEOUT`` seconds is killed and restarted. A stop or
restart (SIGTERM, SIGHUP) lets requests in flight finish for
``GUNICORN_GRACEFUL_TIMEOUT`` seconds.
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

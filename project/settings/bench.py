"""Settings for the benchmarks in bench/: production behaviour (DEBUG off, no
query log, persistent connections) on the database of DATABASE_URL, without
the HTTPS-only parts so that gunicorn can be driven over plain HTTP on the
same machine. Never for a real deployment."""
import os

from .base import *  # noqa: F401,F403
from .base import DATABASES, INSTALLED_APPS

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-key-" + "x" * 40)
PEOPLE_ID_KEY = os.environ.get("PEOPLE_ID_KEY") or "bench-only-people-id-key-" + "y" * 20
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# A fast hasher: the benchmarks sign in many clients; they do not measure hashing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# The viewflow.workflow peer of the transition benchmark (bench/peer/).
INSTALLED_APPS = [*INSTALLED_APPS, "bench.peer"]
# The benchmark database is disposable: `bench/generate.py --force` empties it
# with TRUNCATE, which the append-only tables refuse unless the session says so.
# JIT off, as docs/operations.md sets it for the application's role (the bench
# connects as the superuser, whose sessions would compile misestimated plans).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c cdcs.allow_truncate=on -c jit=off"

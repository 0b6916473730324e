"""Settings for the test suite: the database comes from DATABASE_URL
(PostgreSQL in CI); jobs run synchronously unless a test starts a worker."""
from .base import *  # noqa: F401,F403
from .base import DATABASES, Q_CLUSTER, VAR_DIR

DEBUG = False
SECRET_KEY = "test-only-key"
PEOPLE_ID_KEY = "test-only-people-id-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
VAR_DIR.mkdir(parents=True, exist_ok=True)
# django-axes is switched on only in the tests of sign-in protection (they
# use override_settings); elsewhere tests sign in with force_login.
AXES_ENABLED = False

# The append-only tables refuse TRUNCATE unless the session says
# cdcs.allow_truncate=on: the test runner empties its database that way after
# each transactional test. Never in the production settings.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c cdcs.allow_truncate=on"
# The read replica (DATABASE_REPLICA_URL, which CI sets for its PostgreSQL run):
# a test mirror of the test database — Django then points it at the test
# database's name on the replica's server, where it arrives by streaming. The
# suite's tests write and read in one transaction the replica never sees, so
# pages read it only in tests/replica (committed data, the replica waited
# for), which switch REPLICA_READS on.
if "replica" in DATABASES:
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPLICA_READS = False

# The API's rate per token: the tests reuse ids (a rolled-back test frees them)
# within one minute in one process, so the production rate would throttle
# unrelated tests; the throttle's own test sets its rate.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "1000000/min"}}  # noqa: F405
# The tests' receivers listen on 127.0.0.1 over plain HTTP; a refused address has its own test.
WEBHOOK_ALLOW_HTTP = WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
WEBHOOK_TIMEOUT_SECONDS = 5
# The dashboard's figures are counted on every request (a test moves a campaign, then reads them);
# tests/statistics/test_overview_cache.py switches the sharing on.
DASHBOARD_SHARED_SECONDS = DASHBOARD_STALE_SECONDS = 0

"""Settings of the real django-q2 worker that ``test_worker_kill_redis``
starts: the test settings with the broker that ``project.settings.base``
chooses when ``REDIS_URL`` is set (required here), jobs queued instead of
run inline, a cluster name of the test's own (``Q_TEST_CLUSTER``: its keys
on Redis and its signing salt), a job time-out and lease short enough for a
test, and every e-mail recorded in a file (``MAIL_RECORD``; see
``worker_settings``)."""
import os

from django.core.exceptions import ImproperlyConfigured

from project.settings.test import *  # noqa: F401,F403
from project.settings.test import Q_CLUSTER

if "redis" not in Q_CLUSTER:
    raise ImproperlyConfigured("tests.notifications.redis_worker_settings needs REDIS_URL")

EMAIL_BACKEND = "tests.notifications.mail_record.RecordingBackend"
MAIL_RECORD = os.environ.get("MAIL_RECORD", "")
Q_CLUSTER = {**Q_CLUSTER, "name": os.environ["Q_TEST_CLUSTER"], "sync": False, "workers": 2, "timeout": 15,
             "retry": 17, "poll": 0.05}

"""Settings of the real django-q2 worker that ``test_worker_kill`` starts:
the shared worker-test settings (jobs through the ORM broker), with a job
time-out and broker retry short enough for a test, and every e-mail recorded
in a file (its Message-ID and recipient, one line each) because the worker is
another process and the locmem outbox would die with it."""
import os

from project.settings.test_worker import *  # noqa: F401,F403
from project.settings.test_worker import Q_CLUSTER

EMAIL_BACKEND = "tests.notifications.mail_record.RecordingBackend"
MAIL_RECORD = os.environ.get("MAIL_RECORD", "")
Q_CLUSTER = {**Q_CLUSTER, "workers": 2, "timeout": 15, "retry": 17, "poll": 0.05}

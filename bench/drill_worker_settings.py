"""Settings of the django-q2 worker that ``bench/drills.py worker-kill``
starts: the bench settings, jobs through the ORM broker, two worker
processes, and every e-mail recorded in the file MAIL_RECORD (as
tests/notifications/worker_settings.py does for the test of the same drill).
The job time-out and the broker's lease (retry) come from the environment:
a larger drill needs a longer time-out, and retry must exceed it."""
import os

from project.settings.bench import *  # noqa: F401,F403
from project.settings.bench import Q_CLUSTER

EMAIL_BACKEND = "tests.notifications.mail_record.RecordingBackend"
MAIL_RECORD = os.environ.get("MAIL_RECORD", "")
_TIMEOUT = int(os.environ.get("DRILL_Q_TIMEOUT", "60"))
Q_CLUSTER = {**{k: v for k, v in Q_CLUSTER.items() if k not in ("redis", "broker_class")}, "sync": False,
             "orm": "default",
             "workers": 2, "timeout": _TIMEOUT, "retry": _TIMEOUT + 2, "poll": 0.05}

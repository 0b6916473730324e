"""Settings of the real django-q2 worker that ``test_worker_kill`` starts:
the worker-test settings (jobs through the ORM broker), a short HTTP
time-out and lease (a delivery whose sender died is sent again 3 s later),
and a broker retry short enough for a test."""
from project.settings.test_worker import *  # noqa: F401,F403
from project.settings.test_worker import Q_CLUSTER

WEBHOOK_TIMEOUT_SECONDS, WEBHOOK_LEASE_MARGIN = 2, 1
Q_CLUSTER = {**Q_CLUSTER, "workers": 1, "timeout": 5, "retry": 7, "poll": 0.05}

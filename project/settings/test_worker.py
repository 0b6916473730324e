"""Settings for a real job worker that a test starts in its own process
(``manage.py qcluster``; see tests/enterprises/test_import_kill.py): the test
settings, but jobs come through the ORM broker instead of running inline."""
from .test import *  # noqa: F401,F403
from .test import Q_CLUSTER

Q_CLUSTER = {key: value for key, value in Q_CLUSTER.items() if key not in ("redis", "broker_class")}
Q_CLUSTER.update({"sync": False, "orm": "default", "workers": 1, "poll": 0.1})

"""Settings modules: ``base`` (shared, read from the environment), ``dev``
(the zero-setup default), ``test`` (the test suite) and ``production``."""

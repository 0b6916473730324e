from django.apps import AppConfig


class PeerConfig(AppConfig):
    """The viewflow.workflow peer of the transition benchmark: a plain flow on
    viewflow's own Process and Task tables (no models of its own)."""

    name = "bench.peer"
    label = "bench_peer"

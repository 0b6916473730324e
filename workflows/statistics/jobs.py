"""Background jobs of the statistics app (django-q2)."""
from .reconcile import reconcile


def reconcile_nightly() -> int:
    """Recompute the summary tables, log and repair any drift; returns the
    number of drifted rows (0 is the only right answer)."""
    return len(reconcile(fix=True))

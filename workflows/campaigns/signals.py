"""Signals other apps listen to. Sent inside the service's transaction."""
from django.dispatch import Signal

#: A campaign left its stage: ``campaign`` (locked), ``from_stage``,
#: ``to_stage``, ``actor``.
stage_changed = Signal()

"""The administration's scheduled job (django-q2; see
``workflows.notifications.schedules``)."""
from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError

from workflows.core import clock

from . import services

log = logging.getLogger(__name__)


def collaborators_expire(day: str | dt.date | None = None) -> int:
    """Every morning: the people whose access ended before today (a
    collaborator's end date, ``Profile.access_until``) are deactivated by
    the system (``services.person_deactivate`` with no actor): their open
    tasks and review steps go back to the queues, their roles are revoked,
    the history says "by the system". One transaction per person; a person
    already deactivated is not touched again, so a second run the same day
    (or a run after a crash) does nothing more. Returns how many were
    deactivated."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    today = day or clock.today()
    done = 0
    for person_id in services.collaborators_expired(today=today):
        try:
            services.person_deactivate(person_id=person_id, actor=None, receiver_id=None)
        except ValidationError:  # deactivated by someone else meanwhile
            log.info("person %s was deactivated meanwhile", person_id)
            continue
        done += 1
    return done

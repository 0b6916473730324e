"""Notifications keep facts and are worded when read, in the reader's
language; long lists are cut and counted."""
from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, ngettext

from workflows.notifications.models import Notification


def item(n: int) -> dict:
    return {"id": n, "campaign": 1, "title": f"Việc {n}", "enterprise": "Công ty TNHH Số 7", "due_on": "2027-03-08"}


def test_a_long_list_is_cut_and_counted():
    notification = Notification(kind="task_assigned", params={"count": 25, "tasks": [item(n) for n in range(20)]})

    with translation.override("en"):
        lines = notification.body.splitlines()
        more = ngettext("… and %(count)d more", "… and %(count)d more", 5) % {"count": 5}

    assert len(lines) == 21
    assert lines[0] == "- Công ty TNHH Số 7: Việc 0 (08/03/2027)"
    assert lines[-1] == more == "… and 5 more"


def test_the_words_follow_the_reader_s_language():
    notification = Notification(kind="due_today", params={"task": item(1), "day": "2027-03-08"})

    titles = {}
    for language in ("en", "vi"):
        with translation.override(language):
            titles[language] = (notification.title, gettext("Due today: %(title)s") % {"title": "Việc 1"})

    assert titles["en"] == ("Due today: Việc 1", "Due today: Việc 1")
    assert titles["vi"][0] == titles["vi"][1]


def test_a_due_date_on_a_day_off_is_named():
    notification = Notification(kind="due_today", params={"task": {**item(1), "due_on": "2027-03-06"},
                                                          "day": "2027-03-05"})

    with translation.override("en"):
        assert notification.title == "Due on 06/03/2027: Việc 1"

"""The filters of the dashboard, the report and the survey summary pick
their days with the browser's date picker (issue 18: a picker that shows
and reads dd/mm/yyyy): the field is ``type="date"`` holding the day as
yyyy-mm-dd, whichever way the query wrote it (dd/mm/yyyy still works, for
links written by hand)."""
import datetime as dt
import re

import pytest
from django.urls import reverse

from workflows.core import clock

pytestmark = pytest.mark.django_db


def field(html: str, name: str) -> str:
    found = re.search(rf'<input type="date" name="{name}" value="([^"]*)">', html)
    assert found, f"no date picker named {name}"
    return found.group(1)


@pytest.mark.parametrize("written", ["01/03/2026", "2026-03-01"])
def test_the_dashboards_past_day_is_a_date_picker(client, world, written):
    client.force_login(world.manager)
    with clock.travel_to(dt.datetime(2026, 6, 15, 9, 0)):
        html = client.get(reverse("statistics:home"), {"unit": world.province.pk, "as_of": written}).content.decode()
    assert field(html, "as_of") == "2026-03-01"


@pytest.mark.parametrize("written", ["01/02/2026", "2026-02-01"])
def test_the_reports_days_are_date_pickers(client, world, written):
    client.force_login(world.manager)
    html = client.get(reverse("statistics:report"), {"unit": world.province.pk, "span": "range", "start": written,
                                                     "end": "2026-02-28"}).content.decode()
    assert (field(html, "start"), field(html, "end")) == ("2026-02-01", "2026-02-28")
    assert field(html, "day") == field(html, "entered_by") == ""


def test_the_survey_summarys_period_is_date_pickers(client, world):
    client.force_login(world.manager)
    html = client.get(reverse("people:summary"), {"unit": world.province.pk, "from": "05/01/2026",
                                                  "to": "2026-01-31"}).content.decode()
    assert (field(html, "from"), field(html, "to")) == ("2026-01-05", "2026-01-31")

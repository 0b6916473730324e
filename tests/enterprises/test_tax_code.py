"""The tax code (mã số thuế): ten digits whose last is a check digit
(weights 31, 29, 23, 19, 17, 13, 7, 5, 3, modulo 11), optionally "-" and a
three-digit branch number from 001."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from workflows.enterprises.validation import (
    make_tax_code, normalise_tax_code, tax_code_check_digit, validate_tax_code,
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
    ("", ""),
    (None, ""),
], ids=repr)
def test_normalise_strips_spaces_and_dots(typed, normalised):
    assert normalise_tax_code(typed) == normalised

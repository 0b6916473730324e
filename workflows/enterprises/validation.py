"""The tax code (mã số thuế) of an enterprise: ten digits whose last is a
check digit, optionally followed by "-" and three digits for a branch."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# ASCII digits only: \d alone also matches "０" or "٠", which would register one tax code twice.
_TAX_CODE = re.compile(r"^(\d{10})(?:-(\d{3}))?$", re.ASCII)
_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no digit can be valid."""
    digit = 10 - sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=False)) % 11
    return None if digit == 10 else digit


#: Excel's mark of a number kept as text ('0109100041), and the curly
#: quotes a word processor turns it into.
_TEXT_MARKS = ("'", "\u2018", "\u2019")


def normalise_tax_code(value: str) -> str:
    """Strip spaces and dots people type inside tax codes, and the apostrophe
    in front that keeps the leading zero of a code in Excel: forms, the
    import and the search all read a code through this."""
    text = re.sub(r"[\s.]", "", value or "")
    return text[1:] if text.startswith(_TEXT_MARKS) else text


def validate_tax_code(value: str) -> None:
    match = _TAX_CODE.match(value or "")
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a tax code: it must be 10 digits, or 10 digits, “-” and 3 digits for a branch."),
            code="tax_code_format", params={"value": value},
        )
    main, branch = match.groups()
    if tax_code_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            _("“%(value)s” is not a valid tax code: its check digit is wrong."),
            code="tax_code_check_digit", params={"value": value},
        )
    if branch == "000":
        raise ValidationError(
            _("“%(value)s” is not a valid tax code: a branch number runs from 001 to 999."),
            code="tax_code_branch", params={"value": value},
        )


def make_tax_code(first_nine: str, branch: int | None = None) -> str:
    """A valid tax code from nine digits (for demo data and tests); the
    caller must pick digits whose check digit exists."""
    digit = tax_code_check_digit(first_nine)
    if digit is None:
        raise ValueError("no check digit exists for these nine digits")
    code = f"{first_nine}{digit}"
    return f"{code}-{branch:03d}" if branch else code

"""Spreadsheets made from campaigns."""
from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

PERSONAL_DATA_NOTICE = gettext_lazy("Contains personal data of workers: keep it within the working group, do not forward it.")


def committee_workbook(campaign, members) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Mobilising committee")[:31]
    sheet.append([str(PERSONAL_DATA_NOTICE)])
    sheet["A1"].font = Font(bold=True, color="B02A37")
    sheet.append([campaign.enterprise.name, campaign.enterprise.tax_code])
    sheet.append([])
    sheet.append([_("No."), _("Full name"), _("Job or department"), _("Phone"), _("Head of the committee")])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for number, member in enumerate(members, start=1):
        sheet.append([number, member.full_name, member.job_title, member.phone, _("yes") if member.is_head else ""])
    for column, width in zip("ABCDE", (6, 32, 28, 16, 18)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

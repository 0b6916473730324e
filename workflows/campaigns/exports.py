"""Spreadsheets made from campaigns."""
from __future__ import annotations

from django.utils.translation import gettext as _, gettext_lazy

from workflows.core.spreadsheets import Spreadsheet

PERSONAL_DATA_NOTICE = gettext_lazy(
    "Contains personal data of workers: keep it within the working group, do not forward it.")


def committee_workbook(campaign, members) -> bytes:
    book = Spreadsheet()
    sheet = book.sheet(_("Mobilising committee"), widths=(6, 32, 28, 16, 18))
    sheet.append([str(PERSONAL_DATA_NOTICE)], bold=True, color="B02A37")
    sheet.append([campaign.enterprise.name, campaign.enterprise.tax_code])
    sheet.append([])
    sheet.append([_("No."), _("Full name"), _("Job or department"), _("Phone"), _("Head of the committee")], bold=True)
    for number, member in enumerate(members, start=1):
        sheet.append([number, member.full_name, member.job_title, member.phone, _("yes") if member.is_head else ""])
    return book.content()

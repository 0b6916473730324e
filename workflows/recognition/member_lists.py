"""The dossier's member list and list of applications, generated from the
people of a campaign whose workers are entered by name: as a workbook
(XLSX, one sheet per list) and as a Word document (one section per list,
signed by the head of the mobilising committee).

- The member list (danh sách đoàn viên): the members the founding congress
  admitted — STT, full name, year of birth, gender, department, job, the
  day they joined (admitted on; before the congress, the day they applied).
- The list of applications (danh sách đơn xin gia nhập): the standing
  applications — STT, full name, year of birth, department, applied on,
  whether the scanned form is kept.

They are official Vietnamese papers: written in Vietnamese whatever the
reader's language. Text typed by people goes through the spreadsheet
writer, which neutralises what a spreadsheet program would read as a formula.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db.models.functions import Length
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from workflows.campaigns.models import Application, Campaign, CommitteeMember
from workflows.core.spreadsheets import Spreadsheet

from .decision import DOCX

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"docx": DOCX, "xlsx": XLSX}

MEMBERS_TITLE = "DANH SÁCH ĐOÀN VIÊN"
APPLICATIONS_TITLE = "DANH SÁCH ĐƠN XIN GIA NHẬP CÔNG ĐOÀN"
MEMBER_COLUMNS = ("STT", "Họ và tên", "Năm sinh", "Giới tính", "Bộ phận", "Công việc", "Ngày vào công đoàn")
APPLICATION_COLUMNS = ("STT", "Họ và tên", "Năm sinh", "Bộ phận", "Ngày làm đơn", "Đơn scan")
_GENDERS = {"female": "Nữ", "male": "Nam", "other": "Khác"}


@dataclass(frozen=True)
class Person:
    worker_id: int
    name: str
    birth_year: int | None
    gender: str
    department: str
    job: str
    applied_on: dt.date
    joined_on: dt.date  # admitted on; before the congress, the day they applied
    has_form: bool


@dataclass(frozen=True)
class MemberLists:
    enterprise: str
    tax_code: str
    unit: str
    made_on: dt.date
    committee_head: str
    members: tuple[Person, ...]
    applications: tuple[Person, ...]

    @property
    def worker_ids(self) -> list[int]:
        return sorted({p.worker_id for p in (*self.members, *self.applications)})


def member_lists_of(campaign: Campaign, *, today: dt.date) -> MemberLists:
    """The two lists of ``campaign`` (its enterprise and unit loaded), in
    the order of the names. Two queries."""
    applications = list(
        Application.objects.filter(campaign=campaign, withdrawn_on__isnull=True).select_related("worker")
        .defer("form_content").annotate(form_length=Length("form_name"))
        .order_by("worker__full_name", "worker_id"))
    head = (CommitteeMember.objects.filter(campaign=campaign, is_head=True).select_related("worker").first())
    people = [Person(
        worker_id=a.worker_id, name=a.worker.display_name, birth_year=a.worker.birth_year,
        gender=_GENDERS.get(a.worker.gender, ""), department=a.worker.department,
        job="" if a.worker.is_anonymised else a.worker.job, applied_on=a.applied_on,
        joined_on=a.admitted_on or a.applied_on, has_form=bool(a.form_length)) for a in applications]
    admitted = {a.worker_id for a in applications if a.admitted_on is not None}
    return MemberLists(
        enterprise=campaign.enterprise.name, tax_code=campaign.enterprise.tax_code,
        unit=campaign.responsible_unit.name, made_on=today, committee_head=head.full_name if head else "",
        members=tuple(p for p in people if p.worker_id in admitted) if admitted else tuple(people),
        applications=tuple(people))


def _date(value: dt.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


# --- XLSX -------------------------------------------------------------------------------------
def _heading(sheet, lists: MemberLists, title: str, columns) -> None:
    sheet.append([lists.unit.upper()], bold=True)
    sheet.append([title], bold=True, size=14)
    sheet.append([f"Doanh nghiệp: {lists.enterprise} (mã số thuế {lists.tax_code})"])
    sheet.append([f"Ngày lập: {_date(lists.made_on)}"])
    sheet.append([])
    sheet.append(list(columns), bold=True)


def member_lists_xlsx(lists: MemberLists) -> bytes:
    book = Spreadsheet()
    sheet = book.sheet("Danh sách đoàn viên", widths=(6, 30, 10, 10, 22, 22, 16))
    _heading(sheet, lists, MEMBERS_TITLE, MEMBER_COLUMNS)
    for number, p in enumerate(lists.members, start=1):
        sheet.append([number, p.name, p.birth_year, p.gender, p.department, p.job, p.joined_on])
    sheet.append([])
    sheet.append([f"Trưởng ban vận động: {lists.committee_head}"], bold=True)
    sheet = book.sheet("Danh sách đơn", widths=(6, 30, 10, 22, 14, 10))
    _heading(sheet, lists, APPLICATIONS_TITLE, APPLICATION_COLUMNS)
    for number, p in enumerate(lists.applications, start=1):
        sheet.append([number, p.name, p.birth_year, p.department, p.applied_on, "Có" if p.has_form else "Không"])
    sheet.append([])
    sheet.append([f"Trưởng ban vận động: {lists.committee_head}"], bold=True)
    return book.content()


# --- Word ------------------------------------------------------------------------------------
def _paragraph(document, text: str = "", *, bold: bool = False, italic: bool = False, align=None, size: int = 13):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _table(document, columns, rows) -> None:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = "" if value is None else str(value)


def _section(document, lists: MemberLists, title: str, columns, rows) -> None:
    _paragraph(document, lists.unit.upper(), bold=True, size=12)
    _paragraph(document, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _paragraph(document, f"Doanh nghiệp: {lists.enterprise} (mã số thuế {lists.tax_code})",
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _table(document, columns, rows)
    _paragraph(document)
    _paragraph(document, f"Ngày {lists.made_on.day:02d} tháng {lists.made_on.month:02d} năm {lists.made_on.year}",
               italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "TRƯỞNG BAN VẬN ĐỘNG", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "(Ký, ghi rõ họ tên)", italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "\n\n")
    _paragraph(document, lists.committee_head, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)


def member_lists_docx(lists: MemberLists) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    for section in document.sections:
        section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
        section.top_margin = section.bottom_margin = Cm(2)
    _section(document, lists, MEMBERS_TITLE, MEMBER_COLUMNS, [
        (n, p.name, p.birth_year, p.gender, p.department, p.job, _date(p.joined_on))
        for n, p in enumerate(lists.members, start=1)])
    document.add_section(WD_SECTION.NEW_PAGE)
    _section(document, lists, APPLICATIONS_TITLE, APPLICATION_COLUMNS, [
        (n, p.name, p.birth_year, p.department, _date(p.applied_on), "Có" if p.has_form else "Không")
        for n, p in enumerate(lists.applications, start=1)])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def member_lists_file(lists: MemberLists, file_format: str) -> tuple[str, str, bytes]:
    """(file name, content type, content) of the lists in ``file_format``."""
    content = member_lists_docx(lists) if file_format == "docx" else member_lists_xlsx(lists)
    return f"danh-sach-doan-vien-{lists.tax_code}.{file_format}", FORMATS[file_format], content

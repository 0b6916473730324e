"""The draft of the recognition decision (quyết định công nhận đoàn viên và
CĐCS), as a Word document the leadership edits, prints and signs. It is an
official Vietnamese form, so it is written in Vietnamese whatever the
reader's language; what is not known yet is left as dots to fill in."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.formats import number_format
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOTS = "…………"


@dataclass(frozen=True)
class DecisionDraft:
    issuer: str  # the recognising unit
    issuer_parent: str  # the unit above it, for the heading
    place: str
    number: str
    date: dt.date | None
    enterprise: str
    address: str
    tax_code: str
    congress_on: dt.date | None
    members: int | None
    union_name: str
    committee_head: str


def draft_for(campaign, dossier) -> DecisionDraft:
    unit = campaign.responsible_unit
    parent = type(unit).objects.get_parent(unit)
    enterprise = campaign.enterprise
    head = next((m.full_name for m in campaign.committee_members.all() if m.is_head), "")
    members = dossier.admitted_members if dossier.admitted_members is not None else campaign.applications
    return DecisionDraft(
        issuer=unit.name, issuer_parent=parent.name if parent else "", place=enterprise.province or "",
        number=dossier.decision_number or campaign.decision_number or "",
        date=dossier.decision_date or campaign.decision_date, enterprise=enterprise.name,
        address=", ".join(p for p in (enterprise.address, enterprise.commune, enterprise.province) if p),
        tax_code=enterprise.tax_code, congress_on=campaign.congress_on, members=members,
        union_name=f"Công đoàn cơ sở {enterprise.name}", committee_head=head,
    )


def _date(value: dt.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else DOTS


def _long_date(place: str, value: dt.date | None) -> str:
    where = place or DOTS
    if value is None:
        return f"{where}, ngày {DOTS} tháng {DOTS} năm {DOTS}"
    return f"{where}, ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def _paragraph(document, text: str = "", *, bold: bool = False, italic: bool = False, align=None,
               size: int = 13, space_after: int = 4):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def decision_docx(draft: DecisionDraft) -> bytes:
    document = Document()
    for section in document.sections:
        section.left_margin, section.right_margin = Cm(3), Cm(2)
        section.top_margin = section.bottom_margin = Cm(2)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)

    heading = document.add_table(rows=1, cols=2)
    heading.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = heading.rows[0].cells
    left.paragraphs[0].add_run(draft.issuer_parent.upper()).font.size = Pt(12)
    issuer = left.add_paragraph().add_run(draft.issuer.upper())
    issuer.bold = True
    left.add_paragraph(f"Số: {draft.number or DOTS}/QĐ-CĐ")
    right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold = True
    motto = right.add_paragraph().add_run("Độc lập - Tự do - Hạnh phúc")
    motto.bold = True
    right.add_paragraph().add_run(_long_date(draft.place, draft.date)).italic = True
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    _paragraph(document)
    _paragraph(document, "QUYẾT ĐỊNH", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _paragraph(document, f"Về việc công nhận đoàn viên, Công đoàn cơ sở và Ban Chấp hành lâm thời "
                         f"{draft.union_name}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"BAN THƯỜNG VỤ {draft.issuer.upper()}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for basis in (
        "Căn cứ Luật Công đoàn năm 2024;",
        "Căn cứ Điều lệ Công đoàn Việt Nam và Hướng dẫn thi hành Điều lệ Công đoàn Việt Nam;",
        f"Căn cứ Biên bản Đại hội thành lập {draft.union_name} ngày {_date(draft.congress_on)};",
        f"Xét đề nghị của Ban vận động thành lập công đoàn cơ sở tại {draft.enterprise} "
        f"(mã số thuế {draft.tax_code}) và của ban chuyên môn,",
    ):
        _paragraph(document, basis, italic=True)
    _paragraph(document, "QUYẾT ĐỊNH:", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    members = number_format(draft.members, force_grouping=True) if draft.members is not None else DOTS
    _paragraph(document, f"Điều 1. Công nhận {members} đoàn viên công đoàn (có danh sách kèm theo) và công nhận "
                         f"{draft.union_name}, địa chỉ: {draft.address or DOTS}.")
    head = f", do đồng chí {draft.committee_head} làm Chủ tịch lâm thời" if draft.committee_head else ""
    _paragraph(document, f"Điều 2. Công nhận Ban Chấp hành lâm thời {draft.union_name} gồm {DOTS} đồng chí "
                         f"(có danh sách kèm theo){head}. Ban Chấp hành lâm thời có trách nhiệm hoạt động theo "
                         "quy định của Điều lệ Công đoàn Việt Nam cho đến khi tổ chức đại hội.")
    _paragraph(document, "Điều 3. Quyết định có hiệu lực kể từ ngày ký. Văn phòng, các ban liên quan, Ban Chấp hành "
                         f"lâm thời {draft.union_name} và các đồng chí có tên tại Điều 1, Điều 2 chịu trách nhiệm "
                         "thi hành quyết định này.")
    _paragraph(document)
    signature = document.add_table(rows=1, cols=2)
    receivers, signer = signature.rows[0].cells
    receivers.paragraphs[0].add_run("Nơi nhận:").bold = True
    for line in ("- Như Điều 3;", f"- {draft.issuer_parent or 'Cấp trên'} (để b/c);", "- Lưu: VT."):
        receivers.add_paragraph(line)
    signer.paragraphs[0].add_run("TM. BAN THƯỜNG VỤ\nCHỦ TỊCH").bold = True
    signer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    signer.add_paragraph("\n\n\n(Ký, ghi rõ họ tên, đóng dấu)").alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def attachment(file_name: str) -> str:
    """A Content-Disposition that keeps Vietnamese file names."""
    ascii_name = file_name.encode("ascii", "ignore").decode() or "file"
    ascii_name = ascii_name.replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"

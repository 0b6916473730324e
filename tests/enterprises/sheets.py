"""Registry lists as the federations receive them, made in memory for tests."""
from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook

VI_HEADERS = ["STT", "Tên doanh nghiệp", "Mã số thuế", "Địa chỉ", "Xã/Phường", "Khu công nghiệp", "Loại hình",
              "Ngành nghề", "Số lao động", "Ngày số liệu", "Nguồn"]


def csv_bytes(rows, *, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows, *, sheet_title: str = "Danh sách") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_rows(file_or_bytes) -> list[tuple]:
    """Every row of the first sheet of a workbook, as values."""
    data = file_or_bytes if isinstance(file_or_bytes, bytes) else file_or_bytes.read()
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def xlsx_with_text(rows, placeholder: str, text: str) -> bytes:
    """An XLSX whose ``placeholder`` cell holds ``text``, written into the
    file by hand: openpyxl itself cuts cells at Excel's 32,767 characters,
    other programs do not."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".xml"):
                data = data.replace(placeholder.encode(), text.encode())
            target.writestr(item, data)
    return buffer.getvalue()

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


#: A number that marks, in a list given to ``xlsx_damaged``, the cell to damage.
DAMAGE_HERE = 987654321
_SHARED_STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
#: "Laughs" of five levels: 300 kB from a few hundred bytes, small enough
#: for Python's own XML parser to expand without complaint.
_LAUGHS = ('<!DOCTYPE sst [<!ENTITY lol0 "lol">'
           + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 6)) + ']>')
_EXTERNAL = '<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
#: What ``xlsx_damaged`` can do to a file: what Excel never writes, but files
#: from other programs, cut downloads and attackers hold.
DAMAGES = ("missing shared string", "sheet cut short", "text in a number cell", "entity bomb",
           "entity bomb in the sheet", "external entity")


def xlsx_damaged(rows, damage: str) -> bytes:
    """An XLSX of ``rows`` damaged at the cell that holds ``DAMAGE_HERE``:
    that cell points at a shared string the file does not have, or holds
    text although marked a number, or the sheet's XML ends just after it, or
    it shows text defined through XML entities (the laughs of a billion
    laughs attack, in the shared strings or in the sheet itself, or a file
    of the server)."""
    assert damage in DAMAGES, damage
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    marked = f't="n"><v>{DAMAGE_HERE}</v>'.encode()
    shared_doctype, shared_text = {"entity bomb": (_LAUGHS, "&lol5;"), "external entity": (_EXTERNAL, "&secret;")
                                   }.get(damage, ("", "Công ty TNHH Ánh Dương"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert marked in data, "no cell holds DAMAGE_HERE"
                if damage == "sheet cut short":
                    data = data[:data.index(marked) + len(marked) + 10]
                elif damage == "text in a number cell":
                    data = data.replace(marked, 't="n"><v>mười</v>'.encode())
                elif damage == "entity bomb in the sheet":
                    data = _LAUGHS.replace("sst", "worksheet").encode() + data.replace(
                        marked, b't="inlineStr"><is><t>&lol5;</t></is>')
                else:
                    # The first shared string, or (the file has one) the eighth.
                    index = 7 if damage == "missing shared string" else 0
                    data = data.replace(marked, f't="s"><v>{index}</v>'.encode())
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", _SHARED_STRINGS_TYPE.encode() + b"</Types>")
            target.writestr(item, data)
        target.writestr("xl/sharedStrings.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{shared_doctype}'
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            f'<si><t>{shared_text}</t></si></sst>').encode())
    return buffer.getvalue()

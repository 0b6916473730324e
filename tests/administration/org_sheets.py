"""Organisation templates as a federation fills them in, made in memory for
tests (and the browser test): ``organisation_workbook(units, people)`` and a
province of 10 units, 40 people and 6 working groups
(``province_organisation``)."""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook, load_workbook

from workflows.core.text import fold

#: The template's headers, as the Vietnamese template has them.
UNIT_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại đơn vị"]
PEOPLE_HEADERS = ["Tên đăng nhập", "Họ và tên", "E-mail", "Điện thoại", "Chức vụ", "Mã đơn vị", "Tổ công tác",
                  "Vai trò", "Đến ngày"]
#: The same in English (the import reads both).
UNIT_HEADERS_EN = ["Unit code", "Unit name", "Parent unit code", "Unit kind"]
PEOPLE_HEADERS_EN = ["User name", "Full name", "E-mail", "Phone", "Position", "Unit code", "Working group", "Role",
                     "Until"]


def organisation_workbook(units: Iterable[Sequence], people: Iterable[Sequence], *, english: bool = False,
                          instructions: bool = True) -> bytes:
    """An organisation template: ``units`` rows (code, name, parent code,
    kind) on the sheet "Đơn vị", ``people`` rows (user name, full name,
    e-mail, phone, position, unit code, working group, role, until) on the
    sheet "Cán bộ", with an instructions sheet first, as the template has."""
    book = Workbook()
    first = book.active
    if instructions:
        first.title = "Hướng dẫn"
        first.append(["Điền các trang “Đơn vị” và “Cán bộ”."])
        sheet = book.create_sheet("Đơn vị")
    else:
        first.title = "Đơn vị"
        sheet = first
    sheet.append(UNIT_HEADERS_EN if english else UNIT_HEADERS)
    for row in units:
        sheet.append(list(row))
    sheet = book.create_sheet("Cán bộ")
    sheet.append(PEOPLE_HEADERS_EN if english else PEOPLE_HEADERS)
    for row in people:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_filled(template: bytes, units: Iterable[Sequence], people: Iterable[Sequence]) -> bytes:
    """The downloaded template with its example rows deleted and ``units``
    and ``people`` written under its headers, as an administrator fills it in."""
    book = load_workbook(io.BytesIO(template))
    sheets = {sheet.title: sheet for sheet in book.worksheets}
    unit_sheet = sheets.get("Đơn vị") or sheets["Units"]
    people_sheet = sheets.get("Cán bộ") or sheets["People"]
    for sheet, rows in ((unit_sheet, units), (people_sheet, people)):
        sheet.delete_rows(2, sheet.max_row)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_rows(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet of a workbook: title → its rows, as values."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    finally:
        book.close()


def workbook_fonts(data: bytes, title: str) -> list[str | None]:
    """The font colour of each row's first cell on the sheet ``title``."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[title]
    colours = []
    for row in sheet.iter_rows():
        colour = row[0].font.color if row[0].font else None
        colours.append(colour.rgb if colour is not None and isinstance(colour.rgb, str) else None)
    return colours


# --- a province -------------------------------------------------------------------------
#: (code, name, parent code, kind): "" as the parent is the unit imported under. A
#: grassroots union comes before its district, as files do; the import orders them.
PROVINCE_UNITS = [
    ("cdcs-may-hoa-binh", "Công đoàn cơ sở Công ty May Hòa Bình", "kv-bac", "grassroots"),
    ("kv-bac", "Liên đoàn Lao động khu vực phía Bắc", "", "district_federation"),
    ("kv-nam", "Liên đoàn Lao động khu vực phía Nam", "", "Liên đoàn Lao động cấp huyện, khu vực"),
    ("cd-kcn", "Công đoàn các Khu công nghiệp tỉnh", "{province}", "Industrial-zone union"),
    ("cd-nganh-giao-duc", "Công đoàn ngành Giáo dục", "{province}", "sector_union"),
    ("cd-kcn-que-vo", "Công đoàn Khu công nghiệp Quế Võ", "cd-kcn", "industrial_zone_union"),
    ("cdcs-may-thang-long", "Công đoàn cơ sở Công ty May Thăng Long", "kv-bac", "grassroots"),
    ("cdcs-dien-tu-samsung", "Công đoàn cơ sở Công ty Điện tử Sao Mai", "cd-kcn", "Công đoàn cơ sở"),
    ("cdcs-co-khi-dong-anh", "Công đoàn cơ sở Công ty Cơ khí Đông Anh", "cd-kcn-que-vo", "grassroots"),
    ("cdcs-truong-thpt-ly-thai-to", "Công đoàn Trường THPT Lý Thái Tổ", "cd-nganh-giao-duc", "grassroots"),
]
#: (unit code, name) of the six working groups.
PROVINCE_GROUPS = [
    ("kv-bac", "Tổ công tác số 1"), ("kv-bac", "Tổ công tác số 2"), ("kv-nam", "Tổ công tác phía Nam"),
    ("cd-kcn", "Tổ vận động Khu công nghiệp"), ("cd-kcn-que-vo", "Tổ công tác Quế Võ"),
    ("cd-nganh-giao-duc", "Tổ công tác Giáo dục"),
]
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
_MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Hồng"]
_GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam",
          "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vân", "Yến", "Khánh", "Lộc", "Nga", "Oanh",
          "Phúc", "Quyên", "Thắng", "Uyên", "Việt", "Xuân", "Bảo", "Cường", "Diệp", "Đạt", "Hiền", "Kiên", "Lực"]


def _person(number: int) -> tuple[str, str]:
    family, middle, given = _FAMILY[number % len(_FAMILY)], _MIDDLE[number % len(_MIDDLE)], _GIVEN[number]
    return f"cb{number:02d}.{fold(given)}", f"{family} {middle} {given}"


def province_organisation(province_code: str, *, until: str = "31/12/2099") -> tuple[list[tuple], list[tuple]]:
    """A province's organisation under ``province_code``: 10 units, 6
    working groups, 40 people in 41 rows — an administrator of a district,
    4 supervisors (one of them also an officer: two rows), 2 managers, and
    in each group a leader and four or five officers, two of them
    collaborators until ``until``; two people have no e-mail address."""
    units = [(code, name, parent.format(province=province_code), kind) for code, name, parent, kind in PROVINCE_UNITS]
    people: list[tuple] = []
    number = 0

    def add(unit: str, role: str, *, group: str = "", position: str = "Cán bộ", end: str = "") -> tuple:
        nonlocal number
        username, name = _person(number)
        email = "" if number in (17, 33) else f"{username}@ldld.example.vn"
        phone = f"09{number:08d}"
        row = (username, name, email, phone, position, unit, group, role, end)
        people.append(row)
        number += 1
        return row

    add("kv-bac", "quản trị", position="Trưởng ban Tổ chức")
    supervisor = add("kv-bac", "giám sát", position="Chủ tịch")
    add("kv-nam", "giám sát", position="Chủ tịch")
    add("cd-kcn", "giám sát", position="Chủ tịch")
    add("cd-nganh-giao-duc", "giám sát", position="Phó Chủ tịch")
    add(province_code, "lãnh đạo", position="Phó Chủ tịch Thường trực")
    add("kv-nam", "lãnh đạo", position="Ủy viên Ban Thường vụ")
    # The kv-bac supervisor also works in its first group: a second row, details left empty.
    people.append((supervisor[0], "", "", "", "", "kv-bac", "Tổ công tác số 1", "cán bộ", ""))
    for index, (unit, group) in enumerate(PROVINCE_GROUPS):
        add(unit, "tổ trưởng", group=group, position="Tổ trưởng")
        for member in range(5 if index < 3 else 4):
            if member == 3 and index in (0, 3):
                add(unit, "cộng tác viên", group=group, position="Cán bộ hưu trí", end=until)
            else:
                add(unit, "cán bộ", group=group)
    return units, people

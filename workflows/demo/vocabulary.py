"""The words the demo province is made of: its units, places, people's and
enterprises' names. Invented, in the style of a northern province; the places
(wards, communes, industrial zones) are real names, the enterprises are not.

Everything random here draws from the ``random.Random`` the builder passes in,
so that the same seed gives the same province.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from workflows.core.text import fold

PROVINCE = "Bắc Ninh"


@dataclass(frozen=True)
class ChildUnit:
    """A unit directly under the provincial federation, with what the demo
    puts in it."""

    code: str
    name: str
    kind: str
    #: Who signs its recognition decisions ("123/QĐ-<abbr>").
    abbr: str
    profile: str  # kcn, district, health, education, corporate
    enterprises: int
    groups: tuple[str, ...]
    communes: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    #: This year's allocation from the province: new members, new grassroots unions.
    members_target: int = 0
    unions_target: int = 0


#: Industrial zones: name, commune, which working group of the industrial-zone
#: union covers it, and how many of the province's enterprises it holds (weight).
INDUSTRIAL_ZONES = (
    ("KCN Yên Phong", "Xã Yên Phong", 0, 4),
    ("KCN Quế Võ", "Phường Quế Võ", 0, 4),
    ("KCN Thuận Thành II", "Phường Trạm Lộ", 0, 1),
    ("KCN VSIP Bắc Ninh", "Xã Đại Đồng", 1, 2),
    ("KCN Tiên Sơn", "Xã Tiên Du", 1, 2),
    ("KCN Quang Châu", "Phường Nếnh", 1, 2),
    ("KCN Đình Trám", "Phường Nếnh", 1, 1),
    ("KCN Vân Trung", "Phường Vân Hà", 1, 1),
    ("KCN Song Khê – Nội Hoàng", "Phường Tiền Phong", 1, 1),
)

CHILD_UNITS = (
    ChildUnit("cd-cac-kcn-bac-ninh", "Công đoàn các Khu công nghiệp tỉnh Bắc Ninh", "industrial_zone_union",
              "CĐKCN", "kcn", 105,
              ("Tổ công tác KCN Yên Phong – Quế Võ – Thuận Thành", "Tổ công tác KCN VSIP – Tiên Sơn – Quang Châu"),
              members_target=2200, unions_target=12),
    ChildUnit("ldld-kv-tu-son", "Liên đoàn Lao động khu vực Từ Sơn", "district_federation", "LĐLĐKV", "district", 22,
              ("Tổ công tác phát triển đoàn viên khu vực Từ Sơn",),
              ("Phường Từ Sơn", "Phường Tam Sơn", "Phường Đồng Nguyên", "Phường Phù Khê"),
              ("đường Lý Thái Tổ", "đường Minh Khai", "đường Trần Phú", "đường Nguyễn Văn Cừ"),
              members_target=600, unions_target=4),
    ChildUnit("ldld-kv-que-vo", "Liên đoàn Lao động khu vực Quế Võ", "district_federation", "LĐLĐKV", "district", 18,
              ("Tổ công tác phát triển đoàn viên khu vực Quế Võ",),
              ("Phường Quế Võ", "Phường Phương Liễu", "Phường Nhân Hòa", "Xã Chi Lăng"),
              ("đường Quốc lộ 18", "đường Phố Mới", "đường Hồ Ngọc Lân"),
              members_target=500, unions_target=3),
    ChildUnit("ldld-kv-tien-du", "Liên đoàn Lao động khu vực Tiên Du", "district_federation", "LĐLĐKV", "district", 16,
              ("Tổ công tác phát triển đoàn viên khu vực Tiên Du",),
              ("Xã Tiên Du", "Xã Liên Bão", "Xã Tân Chi", "Xã Phật Tích"),
              ("đường Lê Văn Thịnh", "đường TL 276", "đường Nguyễn Đăng Đạo"),
              members_target=400, unions_target=3),
    ChildUnit("ldld-kv-yen-phong", "Liên đoàn Lao động khu vực Yên Phong", "district_federation", "LĐLĐKV", "district",
              16, ("Tổ công tác phát triển đoàn viên khu vực Yên Phong",),
              ("Xã Yên Phong", "Xã Yên Trung", "Xã Tam Giang", "Xã Văn Môn"),
              ("đường TL 286", "đường Chờ – Yên Phụ", "đường Nguyễn Cao"),
              members_target=450, unions_target=3),
    ChildUnit("ldld-kv-thuan-thanh", "Liên đoàn Lao động khu vực Thuận Thành", "district_federation", "LĐLĐKV",
              "district", 14, ("Tổ công tác phát triển đoàn viên khu vực Thuận Thành",),
              ("Phường Thuận Thành", "Phường Mão Điền", "Phường Trạm Lộ", "Phường Song Liễu"),
              ("đường Thiên Đức", "đường Quốc lộ 38", "đường Lê Văn Thịnh"),
              members_target=350, unions_target=2),
    ChildUnit("ldld-kv-gia-binh-luong-tai", "Liên đoàn Lao động khu vực Gia Bình – Lương Tài", "district_federation",
              "LĐLĐKV", "district", 10, (),
              ("Xã Gia Bình", "Xã Nhân Thắng", "Xã Lương Tài", "Xã Trung Chính"),
              ("đường TL 280", "đường TL 285", "đường Lý Thường Kiệt"),
              members_target=200, unions_target=2),
    ChildUnit("ldld-kv-viet-yen", "Liên đoàn Lao động khu vực Việt Yên", "district_federation", "LĐLĐKV", "district",
              20, ("Tổ công tác phát triển đoàn viên khu vực Việt Yên",),
              ("Phường Việt Yên", "Phường Nếnh", "Phường Vân Hà", "Phường Tự Lạn"),
              ("đường Quốc lộ 37", "đường Thân Nhân Trung", "đường Hoàng Hoa Thám"),
              members_target=550, unions_target=4),
    ChildUnit("ldld-kv-hiep-hoa", "Liên đoàn Lao động khu vực Hiệp Hòa", "district_federation", "LĐLĐKV", "district",
              12, ("Tổ công tác phát triển đoàn viên khu vực Hiệp Hòa",),
              ("Xã Hiệp Hòa", "Xã Hợp Thịnh", "Xã Xuân Cẩm", "Xã Hoàng Vân"),
              ("đường Quốc lộ 37", "đường Nguyễn Văn Cừ", "đường Lê Lợi"),
              members_target=300, unions_target=2),
    ChildUnit("ldld-kv-lang-giang", "Liên đoàn Lao động khu vực Lạng Giang", "district_federation", "LĐLĐKV",
              "district", 11, ("Tổ công tác phát triển đoàn viên khu vực Lạng Giang",),
              ("Xã Lạng Giang", "Xã Kép", "Xã Tiên Lục", "Xã Mỹ Thái"),
              ("đường Quốc lộ 1", "đường Quốc lộ 31", "đường Hoàng Văn Thụ"),
              members_target=250, unions_target=2),
    ChildUnit("ldld-kv-yen-dung", "Liên đoàn Lao động khu vực Yên Dũng", "district_federation", "LĐLĐKV", "district",
              10, (),
              ("Phường Yên Dũng", "Phường Tiền Phong", "Phường Nham Biền", "Phường Tân An"),
              ("đường Quốc lộ 17", "đường Trần Quang Khải", "đường Nguyễn Thị Lưu"),
              members_target=200, unions_target=2),
    ChildUnit("ldld-phuong-kinh-bac", "Liên đoàn Lao động phường Kinh Bắc", "district_federation", "LĐLĐP", "district",
              16, ("Tổ công tác phát triển đoàn viên phường Kinh Bắc",),
              ("Phường Kinh Bắc",),
              ("đường Nguyễn Gia Thiều", "đường Ngô Gia Tự", "đường Lý Thái Tổ", "đường Kinh Dương Vương",
               "đường Nguyễn Trãi"),
              members_target=300, unions_target=2),
    ChildUnit("cd-nganh-y-te-bac-ninh", "Công đoàn ngành Y tế tỉnh Bắc Ninh", "sector_union", "CĐNYT", "health", 12,
              ("Tổ công tác phát triển đoàn viên ngành Y tế",),
              members_target=300, unions_target=1),
    ChildUnit("cd-nganh-giao-duc-bac-ninh", "Công đoàn ngành Giáo dục tỉnh Bắc Ninh", "sector_union", "CĐNGD",
              "education", 10, (), members_target=250, unions_target=1),
    ChildUnit("cd-tct-ha-tang-kinh-bac", "Công đoàn Tổng công ty Đầu tư và Phát triển Hạ tầng Kinh Bắc",
              "corporate_union", "CĐTCT", "corporate", 8, (), members_target=350, unions_target=1),
)

PROVINCE_GROUP = "Tổ công tác phát triển đoàn viên, thành lập CĐCS của Liên đoàn Lao động tỉnh"

#: Communes of the whole province, for sector and corporate unions' enterprises.
ALL_COMMUNES = tuple(sorted({c for u in CHILD_UNITS for c in u.communes}))
ALL_STREETS = tuple(sorted({s for u in CHILD_UNITS for s in u.streets}))

# --- people ------------------------------------------------------------------------
_FAMILY = (("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 5), ("Nghiêm", 3),
           ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Ngô", 3), ("Dương", 2), ("Đào", 2), ("Lương", 1), ("Đinh", 1),
           ("Trịnh", 1), ("Phan", 1), ("Chu", 1))
_MALE_MIDDLE = ("Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công", "Ngọc", "Thế", "Mạnh", "Trọng")
_MALE_GIVEN = ("Hùng", "Dũng", "Tuấn", "Hải", "Long", "Nam", "Thắng", "Cường", "Quân", "Sơn", "Trung", "Hiếu",
               "Bình", "Toàn", "Khánh", "Đạt", "Tiến", "Huy", "Thành", "Phong", "Hưng", "Kiên", "Lâm", "Tú")
_FEMALE_MIDDLE = ("Thị", "Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Phương", "Bích")
_FEMALE_GIVEN = ("Hoa", "Lan", "Hương", "Hằng", "Nhung", "Huyền", "Trang", "Thảo", "Linh", "Mai", "Hạnh", "Yến",
                 "Loan", "Hà", "Nga", "Dung", "Oanh", "Thúy", "Vân", "Hiền")
_FEMALE_COMPOUND = ("Hồng Nhung", "Thu Trang", "Thanh Hương", "Minh Thư", "Phương Thảo", "Bích Ngọc",
                    "Thùy Dung", "Kim Oanh", "Ngọc Anh", "Thu Hà", "Hải Yến", "Mai Anh")


def person_name(rng: random.Random) -> str:
    """A Vietnamese full name: family, middle and given name."""
    family = rng.choices([f for f, _ in _FAMILY], weights=[w for _, w in _FAMILY])[0]
    if rng.random() < 0.55:
        if rng.random() < 0.35:
            return f"{family} Thị {rng.choice(_FEMALE_COMPOUND)}"
        return f"{family} {rng.choice(_FEMALE_MIDDLE)} {rng.choice(_FEMALE_GIVEN)}"
    return f"{family} {rng.choice(_MALE_MIDDLE)} {rng.choice(_MALE_GIVEN)}"


def username_for(full_name: str) -> str:
    """The usual office login: given name and the initials of the others
    ("Đỗ Văn Hùng" → "hungdv", "Nguyễn Thị Hồng Nhung" → "nhungnth")."""
    words = fold(full_name).split()
    return words[-1] + "".join(w[0] for w in words[:-1])


def phone(rng: random.Random) -> str:
    return rng.choice(("091", "094", "096", "097", "098", "083", "086", "088", "035", "039")) + \
        f"{rng.randrange(10_000_000):07d}"


OFFICER_POSITIONS = ("Chuyên viên Ban Tổ chức", "Phó Chủ tịch", "Chuyên viên Ban Chính sách – Pháp luật",
                     "Ủy viên Ban Thường vụ", "Chuyên viên Văn phòng", "Trưởng Ban Tổ chức")
COLLABORATOR_POSITIONS = ("Cộng tác viên (nguyên Chủ tịch công đoàn cơ sở)",
                          "Cộng tác viên (nguyên cán bộ Ban Tổ chức)",
                          "Cộng tác viên (nguyên Phó Chủ tịch LĐLĐ huyện)")
WORKER_JOBS = ("Công nhân chuyền may", "Tổ trưởng sản xuất", "Kỹ thuật viên", "Nhân viên kho", "Trưởng ca",
               "Công nhân bộ phận SMT", "Nhân viên kiểm tra chất lượng (QC)", "Công nhân vận hành máy",
               "Nhân viên hành chính – nhân sự", "Lái xe nâng", "Công nhân đóng gói", "Kế toán viên")

# --- enterprises -------------------------------------------------------------------
#: industry: (the registry's wording, Vietnamese words for names, English words for FDI names)
INDUSTRIES = {
    "garment": ("May mặc", ("May", "May mặc", "Dệt may", "Thời trang"), ("Apparel", "Garment", "Fashion")),
    "electronics": ("Điện tử", ("Điện tử", "Linh kiện điện tử", "Công nghệ điện tử"),
                    ("Electronics", "Display", "Tech", "Optics", "Components", "Precision Electronics")),
    "footwear": ("Da giày", ("Giày da", "Da giày"), ("Footwear", "Shoes")),
    "wood": ("Chế biến gỗ", ("Chế biến gỗ", "Đồ gỗ mỹ nghệ", "Nội thất"), ("Furniture", "Wood Industry")),
    "mechanical": ("Cơ khí", ("Cơ khí", "Cơ khí chính xác", "Kết cấu thép"), ("Precision", "Machinery", "Metal")),
    "logistics": ("Logistics", ("Logistics", "Vận tải và Logistics", "Kho vận"), ("Logistics", "Express")),
    "packaging": ("Bao bì, in ấn", ("Bao bì", "In và Bao bì"), ("Packaging", "Printing")),
    "plastics": ("Nhựa, cao su", ("Nhựa", "Nhựa và Cao su"), ("Plastics", "Polymer")),
    "auto_parts": ("Linh kiện ô tô, xe máy", ("Phụ tùng ô tô", "Linh kiện xe máy"), ("Auto Parts", "Motor")),
    "food": ("Chế biến thực phẩm", ("Thực phẩm", "Chế biến nông sản", "Thực phẩm sạch"), ("Foods",)),
    "construction": ("Xây dựng", ("Xây dựng", "Đầu tư Xây dựng", "Xây lắp"), ("Construction",)),
    "materials": ("Vật liệu xây dựng", ("Vật liệu xây dựng", "Gạch ốp lát", "Bê tông"), ("Ceramics",)),
    "steel": ("Luyện, cán thép", ("Thép", "Luyện cán thép"), ("Steel",)),
    "paper": ("Sản xuất giấy", ("Giấy", "Sản xuất giấy"), ("Paper",)),
    "trade": ("Thương mại, dịch vụ", ("Thương mại và Dịch vụ", "Thương mại", "Dịch vụ Tổng hợp"), ("Trading",)),
}

_BRAND_WORDS = ("An", "Bình", "Phát", "Thịnh", "Hưng", "Minh", "Tân", "Thành", "Đạt", "Phúc", "Hoàng", "Long",
                "Quang", "Việt", "Hà", "Trường", "Gia", "Kim", "Đức", "Tiến", "Hải", "Ngọc", "Sơn", "Khang", "Lộc",
                "Vượng", "Hòa", "Nam", "Phong", "Thái", "Tâm", "Hằng", "Anh", "Đông", "Huy", "Mạnh", "Cường")
_KOREAN = (("Dae", "Han", "Seo", "Sung", "Woo", "Hyo", "Kwang", "Myung", "Yeon", "Shin", "Dong", "Chang", "Joo",
            "Young", "Hee"),
           ("jin", "sung", "won", "woo", "hwa", "il", "kwang", "yang", "san", "duk", "heung", "chon", "bo"))
_CHINESE = (("Jing", "Hong", "Xin", "Fu", "Sheng", "Tai", "Yu", "Long", "Hua", "Kai", "Rui", "Ming", "Jia", "Tian"),
            ("yuan", "da", "feng", "tai", "xing", "cheng", "sheng", "hui", "long", "rong", "bao"))
_JAPANESE = (("Fuji", "Naka", "Yama", "Taka", "Hoshi", "Mori", "Asa", "Kita", "Hira", "Matsu", "Sakura", "Oka"),
             ("kawa", "moto", "da", "no", "sei", "tec", "shima", "zaki", "hara", "gawa"))
_OTHER_FOREIGN = ("Meridian", "Nordvik", "Trident", "Evermore", "Lionbay", "Bluestone", "Westfield", "Kestrel")
_STATE_SERVICES = ("Môi trường Đô thị", "Khai thác Công trình Thủy lợi", "Công trình Giao thông", "Cấp thoát nước",
                   "Dịch vụ Công ích", "In và Phát hành biểu mẫu", "Quản lý và Khai thác Chợ")
_STATE_PLACES = ("Kinh Bắc", "Nam Đuống", "Sông Cầu", "Thiên Đức", "Lục Nam", "Bắc Giang", "Như Nguyệt")
_COOP_TRADES = (("Dịch vụ Nông nghiệp", "agri"), ("Gốm", "crafts"), ("Mây tre đan", "crafts"),
                ("Vận tải", "transport"), ("Đồ gỗ mỹ nghệ", "crafts"), ("Rau an toàn", "agri"),
                ("Chăn nuôi", "agri"), ("Tranh dân gian", "crafts"))
_COOP_INDUSTRY = {"agri": "Nông nghiệp", "crafts": "Thủ công mỹ nghệ", "transport": "Vận tải"}
_VILLAGES = ("Phù Lãng", "Đồng Kỵ", "Tam Sơn", "Xuân Lai", "Hòa Long", "Đại Bái", "Quảng Bố", "Mão Điền",
             "Phú Hòa", "Đông Hồ", "Thổ Hà", "Vân Hà", "Phong Khê", "Châu Khê")
_FLOWERS = ("Hoa Sen", "Hoa Mai", "Hướng Dương", "Sao Mai", "Ánh Dương", "Tuổi Thơ", "Ban Mai", "Hoa Hồng",
            "Mầm Xanh", "Cầu Vồng")


def brand(rng: random.Random) -> str:
    first, second = rng.sample(_BRAND_WORDS, 2)
    return f"{first} {second}"


def _foreign_brand(rng: random.Random, parts) -> str:
    return rng.choice(parts[0]) + rng.choice(parts[1])


def fdi_name(rng: random.Random, industry: str) -> str:
    english = rng.choice(INDUSTRIES[industry][2])
    origin = rng.random()
    if origin < 0.45:
        return f"Công ty TNHH {_foreign_brand(rng, _KOREAN)} {english} {rng.choice(('Vina', 'Việt Nam'))}"
    if origin < 0.75:
        if rng.random() < 0.4:
            return f"Công ty TNHH Khoa học Kỹ thuật {_foreign_brand(rng, _CHINESE)} (Việt Nam)"
        return f"Công ty TNHH {_foreign_brand(rng, _CHINESE)} {english} Việt Nam"
    if origin < 0.92:
        return f"Công ty TNHH {_foreign_brand(rng, _JAPANESE)} {english} Việt Nam"
    return f"Công ty TNHH {rng.choice(_OTHER_FOREIGN)} {english} Asia Việt Nam"


def domestic_name(rng: random.Random, industry: str) -> str:
    words = rng.choice(INDUSTRIES[industry][1])
    form = rng.random()
    if form < 0.45:
        return f"Công ty TNHH {words} {brand(rng)}"
    if form < 0.8:
        return f"Công ty Cổ phần {words} {brand(rng)}"
    if form < 0.92:
        return f"Công ty TNHH Sản xuất và Thương mại {brand(rng)}"
    return f"Công ty TNHH MTV {words} {brand(rng)}"


def branch_name(rng: random.Random, industry: str) -> str:
    words = rng.choice(INDUSTRIES[industry][1])
    legal = rng.choice(("TNHH", "Cổ phần"))
    return f"Chi nhánh Công ty {legal} {words} {brand(rng)} tại Bắc Ninh"


def state_name(rng: random.Random) -> str:
    legal = rng.choice(("Công ty TNHH MTV", "Công ty TNHH MTV", "Công ty Cổ phần"))
    return f"{legal} {rng.choice(_STATE_SERVICES)} {rng.choice(_STATE_PLACES)}"


def cooperative(rng: random.Random) -> tuple[str, str]:
    trade, industry = rng.choice(_COOP_TRADES)
    return f"Hợp tác xã {trade} {rng.choice(_VILLAGES)}", _COOP_INDUSTRY[industry]


def health_name(rng: random.Random) -> tuple[str, str]:
    form = rng.random()
    if form < 0.35:
        return f"Bệnh viện Đa khoa {brand(rng)}", "Y tế"
    if form < 0.6:
        return f"Phòng khám Đa khoa {brand(rng)}", "Y tế"
    if form < 0.8:
        return f"Công ty Cổ phần Bệnh viện Mắt {brand(rng)}", "Y tế"
    return f"Công ty TNHH Dược phẩm {brand(rng)}", "Dược phẩm"


def education_name(rng: random.Random) -> tuple[str, str]:
    form = rng.random()
    if form < 0.4:
        return f"Trường Mầm non tư thục {rng.choice(_FLOWERS)} {rng.choice(_VILLAGES)}", "Giáo dục mầm non"
    if form < 0.65:
        return f"Trường Tiểu học, THCS và THPT {brand(rng)}", "Giáo dục phổ thông"
    if form < 0.85:
        return f"Công ty Cổ phần Giáo dục {brand(rng)}", "Giáo dục và đào tạo"
    return f"Trung tâm Ngoại ngữ – Tin học {brand(rng)}", "Giáo dục và đào tạo"


def corporate_name(rng: random.Random, n: int) -> tuple[str, str]:
    forms = (
        (f"Công ty Cổ phần Xây dựng số {n} Kinh Bắc", "Xây dựng"),
        (f"Công ty TNHH MTV Quản lý Hạ tầng {rng.choice(INDUSTRIAL_ZONES)[0]}", "Kinh doanh hạ tầng khu công nghiệp"),
        (f"Công ty Cổ phần Vật liệu Kinh Bắc {brand(rng)}", "Vật liệu xây dựng"),
        (f"Công ty Cổ phần Đầu tư {brand(rng)} Kinh Bắc", "Thương mại, dịch vụ"),
    )
    return rng.choice(forms)


# industry mixes: (industry, weight)
KCN_FDI_INDUSTRIES = (("electronics", 45), ("mechanical", 12), ("garment", 8), ("packaging", 8),
                      ("plastics", 8), ("auto_parts", 7), ("logistics", 6), ("footwear", 4), ("materials", 2))
KCN_DOMESTIC_INDUSTRIES = (("logistics", 20), ("mechanical", 20), ("packaging", 15), ("electronics", 10),
                           ("construction", 10), ("food", 10), ("plastics", 10), ("trade", 5))
DISTRICT_INDUSTRIES = (("garment", 16), ("wood", 14), ("mechanical", 12), ("construction", 12), ("food", 10),
                       ("trade", 10), ("logistics", 8), ("materials", 6), ("steel", 5), ("paper", 5),
                       ("footwear", 2))
DISTRICT_FDI_INDUSTRIES = (("garment", 30), ("electronics", 25), ("footwear", 20), ("mechanical", 15),
                           ("wood", 10))


def pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


#: workforce bands by ownership sector: (low, high, weight), drawn log-uniformly.
_WORKFORCE_BANDS = {
    "fdi": ((30, 150, 15), (150, 600, 35), (600, 2000, 33), (2000, 8000, 17)),
    "domestic_private": ((10, 25, 20), (25, 100, 35), (100, 400, 30), (400, 1500, 15)),
    "state": ((40, 200, 50), (200, 900, 50)),
    "cooperative": ((10, 25, 60), (25, 80, 40)),
    "other": ((10, 60, 60), (60, 300, 40)),
}


def workforce(rng: random.Random, sector: str) -> int:
    low, high, _ = rng.choices(_WORKFORCE_BANDS[sector], weights=[w for *_, w in _WORKFORCE_BANDS[sector]])[0]
    return max(10, min(8000, round(math.exp(rng.uniform(math.log(low), math.log(high))))))


# --- what officers write -----------------------------------------------------------
NOTES = {
    "surveyed": (
        "Đã khảo sát sơ bộ: doanh nghiệp làm 2 ca, phần lớn lao động là nữ, quê ở các xã lân cận.",
        "Phòng nhân sự cung cấp danh sách lao động đóng BHXH; cần xác minh số lao động thời vụ.",
        "Đã liên hệ qua Ban quản lý KCN để xin lịch làm việc với doanh nghiệp.",
        "Một số công nhân nòng cốt là đoàn viên cũ ở doanh nghiệp khác, sẵn sàng tham gia vận động.",
    ),
    "employer_contacted": (
        "Giám đốc nhân sự đồng ý bố trí phòng họp cho buổi tuyên truyền Luật Công đoàn vào giờ nghỉ trưa.",
        "Chủ doanh nghiệp còn băn khoăn về kinh phí công đoàn 2%; đã giải thích quy định hiện hành.",
        "Đã phát 300 tờ rơi tuyên truyền tại cổng doanh nghiệp lúc tan ca.",
        "Doanh nghiệp đề nghị làm việc qua phiên dịch; hẹn lịch gặp Tổng giám đốc người nước ngoài.",
    ),
    "mobilising_committee": (
        "Ban vận động đã họp, phân công mỗi thành viên phụ trách một xưởng.",
        "Tiếp nhận thêm đơn xin gia nhập công đoàn ở bộ phận đóng gói.",
        "Dự kiến tổ chức đại hội thành lập vào dịp Tháng Công nhân.",
        "Đã hướng dẫn ban vận động lập danh sách nhân sự ban chấp hành lâm thời.",
    ),
    "founding_congress": (
        "Đại hội thành lập diễn ra thành công, bầu ban chấp hành lâm thời 5 đồng chí.",
        "Đã nộp hồ sơ đề nghị công nhận; chờ bổ sung biên bản kiểm phiếu.",
        "Hồ sơ đủ, trình Thường trực ký quyết định công nhận.",
    ),
}
HOLD_NOTES = (
    "Doanh nghiệp tạm ngừng sản xuất do thiếu đơn hàng; tạm dừng vận động.",
    "Chủ doanh nghiệp đề nghị lùi lịch làm việc sau đợt kiểm toán cuối năm.",
    "Doanh nghiệp đang chuyển đổi chủ sở hữu, chưa có người đại diện làm việc.",
    "Người lao động nghỉ luân phiên, chưa tập hợp được ban vận động.",
)
RESUME_NOTES = (
    "Doanh nghiệp hoạt động trở lại, tiếp tục vận động.",
    "Đã có lịch làm việc mới với chủ doanh nghiệp.",
)
ABANDON_NOTES = {
    "employer_refused": "Chủ doanh nghiệp từ chối làm việc sau hai lần mời; báo cáo Thường trực theo dõi.",
    "workers_declined": "Người lao động chưa có nhu cầu gia nhập công đoàn; không đủ người cho ban vận động.",
    "enterprise_dissolved": "Doanh nghiệp đã giải thể, người lao động đã chấm dứt hợp đồng.",
    "merged": "Doanh nghiệp sáp nhập vào công ty mẹ đã có công đoàn cơ sở.",
    "other": "Doanh nghiệp chuyển toàn bộ nhà máy sang tỉnh khác; đã chuyển thông tin cho LĐLĐ nơi đến.",
}
MEETING_NOTES = {
    "supportive": "Chủ doanh nghiệp ủng hộ, cam kết tạo điều kiện cho người lao động tham gia.",
    "neutral": "Chủ doanh nghiệp không phản đối nhưng đề nghị không ảnh hưởng đến sản xuất.",
    "opposed": "Chủ doanh nghiệp chưa đồng ý, cho rằng chưa cần thiết thành lập công đoàn.",
}

#: What a verifier writes when a dossier goes back to the committee.
REVIEW_COMMENTS = (
    "Biên bản kiểm phiếu thiếu chữ ký của tổ kiểm phiếu.",
    "Danh sách Ban Chấp hành lâm thời chưa ghi rõ chức danh.",
    "Thiếu đơn xin gia nhập của 3 người có tên trong danh sách đoàn viên.",
)


# --- planning: programmes, counts, estimates ------------------------------------------------
CONGRESS_NAME = "Nghị quyết Đại hội Công đoàn tỉnh Bắc Ninh lần thứ XX, nhiệm kỳ 2023–2028"
CONGRESS_BASIS = ("Nghị quyết Đại hội đại biểu Công đoàn tỉnh Bắc Ninh lần thứ XX, nhiệm kỳ 2023–2028 "
                  "(ngày 16/8/2023)")
RESOLUTION_NAME = "Chương trình phát triển đoàn viên, thành lập công đoàn cơ sở giai đoạn 2024–2033"
RESOLUTION_BASIS = ("Kế hoạch số 68/KH-LĐLĐ ngày 20/3/2024 của Ban Thường vụ Liên đoàn Lao động tỉnh thực hiện "
                    "Nghị quyết của Ban Chấp hành Tổng Liên đoàn Lao động Việt Nam về phát triển đoàn viên")
RESOLUTION_MILESTONE = "Mục tiêu đến năm 2028"
YEAR_PLAN_NAME = "Kế hoạch phát triển đoàn viên, thành lập công đoàn cơ sở năm {year}"
YEAR_PLAN_BASIS = ("Kế hoạch số {number}/KH-LĐLĐ ngày {day} của Liên đoàn Lao động tỉnh, theo chỉ tiêu "
                   "Tổng Liên đoàn Lao động Việt Nam giao")
NEXT_YEAR_PLAN_BASIS = "Dự thảo kế hoạch năm {year} trình Ban Thường vụ Liên đoàn Lao động tỉnh ngày {day}"
CENSUS_SOURCE = "Báo cáo tổng hợp công đoàn cơ sở"
ESTIMATE_SOURCE = {
    "kcn": "Báo cáo dự báo nhu cầu lao động của Ban Quản lý các khu công nghiệp tỉnh",
    "district": "Số liệu dự báo lao động của Phòng Kinh tế khu vực",
    "health": "Kế hoạch tuyển dụng của Sở Y tế",
    "education": "Kế hoạch tuyển dụng của Sở Giáo dục và Đào tạo",
    "corporate": "Kế hoạch lao động của Tổng công ty",
}
MOVEMENT_NOTES = {
    "recruited": ("Kết nạp đoàn viên mới tại công đoàn cơ sở.", "Công đoàn cơ sở kết nạp công nhân mới tuyển dụng."),
    "lost": ("Người lao động nghỉ việc, chuyển công tác.", "Doanh nghiệp cắt giảm lao động."),
}

#: The evidence an officer records with a first-year milestone.
MILESTONE_NOTES = (
    "Đã tổ chức, có biên bản và ảnh gửi kèm.",
    "Có biên bản, lưu hồ sơ tổ công tác.",
    "Công đoàn cơ sở báo cáo, tổ công tác đã kiểm tra.",
    "Đã hoàn thành theo kế hoạch, có văn bản xác nhận.",
)

"""What a dossier document may be: a scan or a file in a common office
format, within the size limit. The content is checked, not only the name:
a file whose bytes are not what its extension says is refused."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip_with(prefix: str):
    def check(data: bytes) -> bool:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return any(name.startswith(prefix) for name in archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
    return check


#: extension → (content type, check of the bytes)
TYPES = {
    "pdf": ("application/pdf", lambda data: data.startswith(b"%PDF-")),
    "jpg": ("image/jpeg", lambda data: data.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda data: data.startswith(b"\xff\xd8\xff")),
    "png": ("image/png", lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _zip_with("word/")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _zip_with("xl/")),
    "doc": ("application/msword", lambda data: data.startswith(_OLE)),
    "xls": ("application/vnd.ms-excel", lambda data: data.startswith(_OLE)),
}
ACCEPT = ",".join(f".{ext}" for ext in TYPES)
#: The same, and "image/*", so that a phone offers its camera beside its files (a photo arrives as
#: .jpg or .png, checked like any scan; another image type is refused by ``check_upload``).
ACCEPT_ON_PHONES = f"{ACCEPT},image/*"


def max_bytes() -> int:
    return int(getattr(settings, "RECOGNITION_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024))


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes
    sha256: str


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name


def check_upload(upload) -> CheckedFile:
    """Read ``upload`` (at most the limit plus one byte) and return it
    checked, or raise a ``ValidationError`` on the ``file`` field."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    name = _clean_name(getattr(upload, "name", ""))
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in TYPES:
        raise ValidationError({"file": _("Only PDF, JPEG, PNG, Word and Excel files are accepted (%(types)s).")
                                       % {"types": ", ".join(sorted(set(TYPES)))}})
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError({"file": _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    content_type, looks_right = TYPES[ext]
    if not looks_right(data):
        raise ValidationError({"file": _("The file's content is not a .%(ext)s file: it may be damaged or "
                                         "wrongly named.") % {"ext": ext}})
    return CheckedFile(name=name, content_type=content_type, content=data, sha256=hashlib.sha256(data).hexdigest())

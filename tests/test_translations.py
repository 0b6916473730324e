"""Every user-facing string of the code and the templates is in the
Vietnamese catalogue, translated, and the compiled catalogue is current."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def entries(po_path: Path) -> dict[str, tuple[str, bool]]:
    """msgid → (the first msgstr, fuzzy?) of a .po file (a small reader:
    enough for what makemessages writes)."""
    result: dict[str, tuple[str, bool]] = {}
    msgid, msgstr, fuzzy, field = None, None, False, None
    pending_fuzzy, context = False, None

    def flush():
        if msgid:
            result[msgid] = (msgstr or "", fuzzy)

    for raw in po_path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            pending_fuzzy = True
        elif line.startswith("msgctxt "):
            flush()
            msgid, context = None, _unquote(line[8:])
        elif line.startswith("msgid "):
            if msgid is not None:
                flush()
            # an entry with a context is keyed as gettext keys it: "context\x04msgid"
            prefix = f"{context}\x04" if context is not None else ""
            msgid, msgstr, fuzzy, field = prefix + _unquote(line[6:]), None, pending_fuzzy, "msgid"
            pending_fuzzy, context = False, None
        elif line.startswith("msgid_plural "):
            field = "plural"
        elif line.startswith("msgstr ") or line.startswith("msgstr[0] "):
            msgstr, field = _unquote(line.split(" ", 1)[1]), "msgstr"
        elif line.startswith("msgstr["):
            field = "other"
        elif line.startswith('"'):
            if field == "msgid":
                msgid += _unquote(line)
            elif field == "msgstr":
                msgstr += _unquote(line)
        elif line.startswith("#~"):
            field = None
    flush()
    return result


def _unquote(text: str) -> str:
    return bytes(text.strip()[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def test_every_entry_of_the_catalogue_is_translated():
    catalogue = entries(CATALOGUE)
    missing = [msgid for msgid, (msgstr, fuzzy) in catalogue.items() if not msgstr or fuzzy]
    assert missing == []
    assert len(catalogue) > 400


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_the_catalogue_holds_every_string_of_the_code_and_templates(tmp_path):
    # Run makemessages on a copy of the project so the working tree is untouched.
    for name in ("manage.py",):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("project", "workflows", "templates", "locale"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-location", "--no-obsolete"],
                   cwd=tmp_path, check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "project.settings.test",
                        "PYTHONPATH": str(tmp_path)})
    fresh = entries(tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po")
    untranslated = sorted(msgid for msgid, (msgstr, fuzzy) in fresh.items() if not msgstr or fuzzy)
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    import gettext

    with open(CATALOGUE.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, (msgstr, _fuzzy) in entries(CATALOGUE).items()
             if "\x00" not in msgid and compiled.gettext(msgid) != msgstr]
    assert stale == []


def test_no_module_names_a_translation_function_makemessages_does_not_read():
    """makemessages extracts ``_``, ``gettext``, ``gettext_lazy``, ``ngettext``… by name: a string marked
    with another alias (``gettext_lazy as _l`` once left the official reports' headers in English) is
    never in the catalogue, and the test above cannot see it."""
    import re

    alias = re.compile(r"\b(?:n|p|np)?gettext(?:_lazy|_noop)?\s+as\s+(\w+)")
    found = sorted(f"{path.relative_to(ROOT)}: {name}" for folder in ("workflows", "project")
                   for path in (ROOT / folder).rglob("*.py")
                   for name in alias.findall(path.read_text(encoding="utf-8")) if name != "_")
    assert found == []


def test_the_official_report_speaks_vietnamese():
    from django.utils import translation

    from workflows.statistics import layouts

    with translation.override("vi"):
        texts = {str(layout.title) for layout in layouts.LAYOUTS.values()}
    assert "Kết quả phát triển đoàn viên, thành lập công đoàn cơ sở trong nhiệm kỳ" in texts
    assert not [text for text in texts if text.isascii()]

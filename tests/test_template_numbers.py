"""Ids and versions that a program reads back — a link's query, a form's hidden version, the field app's data
attributes — are written without the thousands separator: ``{{ n }}`` shows 1234 as "1.234"
(USE_THOUSAND_SEPARATOR), which a link, a version check or ``Number()`` takes for another number. Every template
attribute that shows a unit's, an object's id or a version passes it through ``unlocalize`` (or ``stringformat``)."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ATTRIBUTE = re.compile(r'(?:href|value|action|src|data-[\w-]+)="([^"]*)"')
VARIABLE = re.compile(r"\{\{\s*([\w.]+)((?:\|[^}]*)?)\s*\}\}")
#: the names of ids and versions: ``unit.pk``, ``pk``, ``enterprise.id``, ``subscription.version``, ``unit_pk``
NUMBER = re.compile(r"(^|[._])pk$|\.id$|(^|[._])version$")


def test_every_id_and_version_in_an_attribute_is_written_without_separators():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for attribute in ATTRIBUTE.finditer(path.read_text(encoding="utf-8")):
            for variable in VARIABLE.finditer(attribute.group(1)):
                name, filters = variable.groups()
                if NUMBER.search(name) and "unlocalize" not in filters and "stringformat" not in filters:
                    found.append(f"{path.relative_to(TEMPLATES)}: {attribute.group(0)}")
    assert found == []


def test_the_check_sees_a_localized_id():
    assert NUMBER.search("unit.pk") and NUMBER.search("pk") and NUMBER.search("subscription.version")
    assert not NUMBER.search("button_id") and not NUMBER.search("id")  # HTML ids, not numbers
    [attribute] = ATTRIBUTE.findall('<a href="?unit={{ unit.pk }}&amp;x=1">')
    assert VARIABLE.findall(attribute) == [("unit.pk", "")]

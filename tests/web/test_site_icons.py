"""The site's icons are shipped with it: a favicon (SVG, and /favicon.ico
for the browsers and tools that ask for that address), and icons drawn in
SVG, never emoji, which show as an empty box where no emoji font is
installed."""
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

#: Characters that need an emoji font: the pictographs (U+1F000 and up),
#: the emoji variation selector, and the BMP characters whose default
#: presentation is emoji (Unicode's Emoji_Presentation property).
EMOJI_BMP = {
    *range(0x231A, 0x231C), *range(0x23E9, 0x23ED), 0x23F0, 0x23F3, *range(0x25FD, 0x25FF), *range(0x2614, 0x2616),
    *range(0x2648, 0x2654), 0x267F, 0x2693, 0x26A1, 0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26D4,
    0x26EA, 0x26F2, 0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A, 0x270B, 0x2728, 0x274C, 0x274E,
    *range(0x2753, 0x2756), 0x2757, *range(0x2795, 0x2798), 0x27B0, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55, 0xFE0F,
}


def is_emoji(character: str) -> bool:
    code = ord(character)
    return code >= 0x1F000 or code in EMOJI_BMP


def our_templates() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += list((settings.BASE_DIR / "workflows").glob("*/templates"))
    return sorted(path for root in roots for path in root.rglob("*") if path.is_file())


def test_favicon_ico_answers_with_an_icon_to_anyone(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert "max-age=604800" in response["Cache-Control"]


def test_every_page_names_the_svg_favicon_and_it_is_shipped(client):
    page = client.get(reverse("login")).content.decode()

    assert '<link rel="icon" href="/favicon.ico"' in page
    assert '<link rel="icon" href="/static/icons/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("icons/favicon.svg") is not None


def test_no_template_uses_emoji_for_icons():
    templates = our_templates()
    # the walk found the templates, the bell's among them
    assert settings.BASE_DIR / "templates" / "notifications" / "_bell.html" in templates

    found = [(str(path.relative_to(settings.BASE_DIR)), f"U+{ord(ch):04X}")
             for path in templates for ch in path.read_text(encoding="utf-8") if is_emoji(ch)]

    assert found == []


def test_the_bell_is_an_svg_icon_in_the_text_colour(client, world):
    client.force_login(world.officer)

    bell = client.get(reverse("notifications:bell")).content.decode()

    assert '<svg class="icon"' in bell
    assert 'stroke="currentColor"' in bell
    assert 'aria-hidden="true"' in bell
    assert not any(is_emoji(ch) for ch in bell)

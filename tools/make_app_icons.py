"""Draw the web app's PNG icons from the shapes of static/icons/favicon.svg
(a white star on a blue rounded square), with Pillow: 192 and 512 px, and a
512-px maskable one whose star stays inside the safe zone (the inner 80 %).

    /work/main/.venv/bin/python tools/make_app_icons.py
"""
import re
from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parents[1] / "static" / "icons"
SVG = (ICONS / "favicon.svg").read_text()
BLUE = re.search(r'<rect[^>]*fill="(#[0-9a-f]{6})"', SVG).group(1)
STAR = [tuple(float(n) for n in pair.split(",")) for pair in
        re.search(r'<polygon points="([^"]+)"', SVG).group(1).split()]
VIEWBOX, RADIUS = 64.0, 12.0
SUPERSAMPLE = 4


def draw(size: int, *, maskable: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    scale = big / VIEWBOX
    if maskable:  # full bleed: the platform cuts its own shape; the star keeps to the safe zone
        pen.rectangle((0, 0, big, big), fill=BLUE)
        inner, offset = 0.7, big * 0.15
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=RADIUS * scale, fill=BLUE)
        inner, offset = 1.0, 0.0
    pen.polygon([(offset + x * scale * inner, offset + y * scale * inner) for x, y in STAR], fill="#ffffff")
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    draw(192, maskable=False).save(ICONS / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(ICONS / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(ICONS / "icon-maskable-512.png", optimize=True)

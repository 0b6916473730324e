"""Reading the links of a rendered page in tests: the menu's (inside
``<nav>``) apart from the page's own."""
from __future__ import annotations

from html.parser import HTMLParser


class _Links(HTMLParser):
    """Same-site links of a page, the menu's apart."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.menu: list[str] = []
        self._in_nav = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "nav":
            self._in_nav += 1
        if tag == "a" and values.get("href", "").startswith("/"):
            (self.menu if self._in_nav else self.links).append(values["href"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav -= 1


def links_of(response) -> _Links:
    parser = _Links()
    parser.feed(response.content.decode())
    return parser

import unicodedata

from django import template

register = template.Library()

#: Words that name the kind of an administrative place, left out when two
#: spellings of the same place are compared ("tỉnh Bắc Ninh" is "Bắc Ninh").
_PLACE_KINDS = ("thành phố ", "tỉnh ", "thị trấn ", "phường ", "xã ", "đặc khu ", "tp. ", "tp ")


def _place(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", text or "").casefold().split())
    for kind in _PLACE_KINDS:
        if name.startswith(kind):
            return name[len(kind):]
    return name


@register.filter
def full_address(enterprise) -> str:
    """The enterprise's address followed by its commune and province, each
    added only when the address does not name it already (a registry often
    writes the whole address in one column)."""
    parts = [part.strip() for part in (enterprise.address or "").split(",") if part.strip()]
    named = {_place(part) for part in parts}
    for place in (enterprise.commune, enterprise.province):
        if place and _place(place) not in named:
            parts.append(place.strip())
            named.add(_place(place))
    return ", ".join(parts)

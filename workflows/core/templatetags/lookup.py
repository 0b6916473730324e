from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}``: a dictionary's value in a template."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None

from django import template

from workflows.core.urls import reverse_pk

register = template.Library()


@register.simple_tag
def url_pk(name: str, pk) -> str:
    """``{% url_pk 'campaigns:detail' campaign.pk %}``: ``{% url %}`` for a
    URL whose one argument is an id, without a ``reverse()`` per row (a list
    of fifty cards links to fifty campaigns)."""
    return reverse_pk(name, pk)

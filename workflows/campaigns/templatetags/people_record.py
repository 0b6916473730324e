"""The quick-record links of a task row (``people_pages.record_links``)."""
from django import template

from workflows.campaigns.people_pages import record_links

register = template.Library()


@register.simple_tag(takes_context=True)
def quick_record_links(context, task):
    """``{% quick_record_links row.task as links %}``: None unless the user
    may record the workers of the task's case."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return record_links(user, task) if user is not None else None

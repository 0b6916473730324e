from django import template

from workflows.core.people import person_label

register = template.Library()


@register.filter
def person(user) -> str:
    """``{{ event.actor|person }}``: the person's name, or "System" for
    what a job did."""
    return person_label(user)

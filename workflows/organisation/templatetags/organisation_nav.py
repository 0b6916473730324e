"""The menu's administration entry, decided by the permission module."""
from django import template

from workflows.organisation.permissions import can_administer

register = template.Library()


@register.simple_tag
def may_administer(user) -> bool:
    """``{% may_administer user as administers %}``"""
    return can_administer(user)

"""Template helpers for the site layout (base.html)."""

from django import template

from fundapp.roles import role_label as _role_label

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """A role's group name (``finance_officer``) as its label in the user's language."""
    return _role_label(role)

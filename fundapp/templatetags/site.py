"""Template helpers for the site layout (base.html)."""

from django import template
from django.conf import settings

from common.people import person_name as _person_name
from fundapp.roles import role_label as _role_label

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """A role's group name (``finance_officer``) as its label in the user's language."""
    return _role_label(role)


@register.simple_tag
def fund_office_name() -> str:
    """The unit printed on paper (the fund office, ``FUND_ORGANISATION_NAME``)."""
    return settings.FUND_ORGANISATION_NAME


@register.filter
def person_name(user) -> str:
    """A user by full name (王建国, family name first), else the user name."""
    return _person_name(user)

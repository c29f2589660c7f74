"""``{{ user|person }}``: a user who acted, by full name (else username); "" for None, so
``{{ entry.posted_by|person|default:_("system") }}`` reads naturally. See common/people.py."""

from __future__ import annotations

from django import template

from common.people import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    return person_name(user)

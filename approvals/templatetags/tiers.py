"""Review tiers by name in templates: ``{{ program|tier_name:order }}`` (``{% load tiers %}``)."""

from __future__ import annotations

from django import template

from approvals.models.cases import tier_name as _tier_name

register = template.Library()


@register.filter
def tier_name(program, order) -> str:
    return _tier_name(program, order) if program is not None else str(order or "")

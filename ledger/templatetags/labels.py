"""Codes and system text shown in the reader's language (``{% load labels %}``)."""

from __future__ import annotations

from django import template

from ledger.memos import memo_display
from ledger.models import journal_source_label

register = template.Library()


@register.filter
def memo(value) -> str:
    """A journal memo written by a flow, in the reader's language (``ledger.memos``)."""
    return memo_display(value or "")


@register.filter
def source_label(code) -> str:
    return journal_source_label(code or "")

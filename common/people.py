"""How a person who acted is named on every screen, export, PDF and admin list (issue 14,
point 9): by their full name, falling back to the username only when no name is recorded.

One function, ``person_name``, so that a batch's builder, a case's reviewer, a void's asker and
an entry's approver read alike everywhere; templates use the ``person`` filter
(``{% load people %}``, ``ledger/templatetags/people.py``), Python code (exports, PDFs) calls
this function, and admin lists use ``person_column``.
"""

from __future__ import annotations

from django.contrib import admin


def person_name(user) -> str:
    """``user``'s full name (Django's ``get_full_name``; a Chinese name is best kept whole
    in the first-name field), else the username; "" for None (the system acting on its own:
    the caller says so)."""
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip()
    return full or user.get_username()


def person_column(field: str, description):
    """An admin ``list_display`` column that shows the user in ``field`` by name."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return person_name(getattr(obj, field)) or "—"

    column.__name__ = f"{field}_name"
    return column


__all__ = ["person_column", "person_name"]

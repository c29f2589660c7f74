"""How a person who acted is named on every screen, export, PDF and admin list (issue 14,
point 9): by their full name, falling back to the username only when no name is recorded.

One function, ``person_name``, so that a batch's builder, a case's reviewer, a void's asker and
an entry's approver read alike everywhere; templates use the ``person`` filter
(``{% load people %}``, ``ledger/templatetags/people.py``), Python code (exports, PDFs) calls
this function, and admin lists use ``person_column``.
"""

from __future__ import annotations

from django.contrib import admin


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def person_name(user) -> str:
    """``user``'s full name the way a county office writes it: a Chinese name family name
    first and unspaced (王建国, whether kept whole in the first-name field or split), another as
    Django writes it ("Jane Doe"); else the username; "" for None (the system acting on its
    own: the caller says so)."""
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if _is_cjk(first + last):
        return f"{last}{first}"
    return (user.get_full_name() or "").strip() or user.get_username()


def person_column(field: str, description):
    """An admin ``list_display`` column that shows the user in ``field`` by name."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return person_name(getattr(obj, field)) or "—"

    column.__name__ = f"{field}_name"
    return column


__all__ = ["person_column", "person_name"]

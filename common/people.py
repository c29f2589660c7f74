"""People as printed and shown: a staff user's name the way a county office writes it."""

from __future__ import annotations


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def person_name(user) -> str:
    """The full name (a Chinese name family name first and unspaced, 王建国; another as Django
    writes it, "Jane Doe"), else the user name; blank for nobody."""
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if _is_cjk(first + last):
        return f"{last}{first}"
    return user.get_full_name().strip() or user.get_username()

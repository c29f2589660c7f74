"""The progress line the payout commands print, and the user they act as."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def printer(command, label: str):
    """A ``Progress`` callback printing ``label: 12,000 / 100,000 (12%) message`` lines."""

    def show(current: int, total: int, message: str) -> None:
        share = f" ({100 * current // total}%)" if total else ""
        command.stdout.write(f"{label}: {current:,} / {total:,}{share} {message}".rstrip())
        command.stdout.flush()

    return show


def user(username: str | None):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"no user {username!r}") from exc

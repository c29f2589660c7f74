"""Tests of the site layer (home, login, language switch, permissions helper, admin)."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils.translation import reloader

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def ensure_compiled_messages() -> None:
    """Compile the zh_Hans catalogue when its .mo is missing or older than the .po (the .mo
    files are not committed), then drop Django's cached translations so they are re-read."""
    po, mo = CATALOGUE / "django.po", CATALOGUE / "django.mo"
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    call_command(
        "compilemessages", locale=["zh_Hans", "en"], ignore_patterns=[".venv", "bench"], verbosity=0
    )
    reloader.translation_file_changed(sender=None, file_path=mo)

"""``manage.py rotate_field_key``: re-encrypt every stored ID and account number under the current
``FIELD_ENCRYPTION_KEY`` (fundapp.fieldkeys), with a progress line. Safe to run while the site
serves (rows are rewritten by compare-and-set) and to run again (rows already under the current
key are skipped). ``--check`` only counts what is left."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from fundapp import fieldkeys


def _user(username: str | None):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"no user {username!r}") from exc


class Command(BaseCommand):
    help = (
        "Re-encrypt stored ID and account numbers under the current FIELD_ENCRYPTION_KEY "
        "(old keys in FIELD_ENCRYPTION_OLD_KEYS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only count rows left")
        parser.add_argument("--user", help="username recorded in the audit log")

    def handle(self, *args, **options):
        problems = fieldkeys.sample_problems()
        if problems:
            raise CommandError("; ".join(problems))
        if options["check"]:
            left = fieldkeys.count_stale()
            for label, count in left.items():
                self.stdout.write(f"{label}: {count:,} under an old key")
            total = sum(left.values())
            self.stdout.write(
                f"{total:,} numbers left to re-encrypt"
                if total
                else "every stored number is under the current key: the old keys can be removed"
            )
            if total:
                raise CommandError("rows are left under an old key")
            return
        try:
            result = fieldkeys.rotate_all(actor=_user(options.get("user")), progress=self._progress)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        for label, count in sorted(result.rewritten.items()):
            self.stdout.write(f"{label}: {count:,} re-encrypted")
        if result.left:
            raise CommandError(
                f"{result.left:,} numbers were changed while the rotation ran and are still under "
                "an old key: run the command again"
            )
        self.stdout.write(
            f"{result.total:,} numbers re-encrypted; every stored number is under the current "
            "key: FIELD_ENCRYPTION_OLD_KEYS can be emptied (keep a copy of the old keys with the "
            "backups made before today)"
        )

    def _progress(self, current: int, total: int, label: str) -> None:
        share = f" ({100 * current // total}%)" if total else ""
        self.stdout.write(f"re-encrypting: {current:,} / {total:,}{share} {label}")
        self.stdout.flush()

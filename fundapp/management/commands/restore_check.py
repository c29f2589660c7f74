"""``manage.py restore_check <file>``: restore a backup into a scratch database, verify the books
there, compare its chain head with the latest checkpoint outside the database (a copy behind it
is **stale**), and drop the scratch (``fundapp.backups``). Exits non-zero unless the copy is
sound and current."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fundapp import backups


class Command(BaseCommand):
    help = "Restore a backup into a scratch database, run verify_ledger on it, report if stale."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        try:
            result = backups.restore_check(options["file"])
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        report = result.report or {}
        self.stdout.write(
            _("restored %(file)s (%(engine)s) into a scratch database; it was dropped after")
            % {"file": result.file, "engine": result.engine}
        )
        self.stdout.write(
            _("chain head of the copy: entry %(seq)s; latest external checkpoint: %(cp)s")
            % {
                "seq": result.head_seq,
                "cp": result.checkpoint_seq if result.checkpoint_seq is not None else _("none"),
            }
        )
        if result.stale:
            self.stdout.write(
                self.style.ERROR(
                    _(
                        "STALE: the copy ends at entry %(seq)s, behind the checkpoint at entry "
                        "%(cp)s; restoring it would lose %(n)s posted entries"
                    )
                    % {
                        "seq": result.head_seq,
                        "cp": result.checkpoint_seq,
                        "n": (result.checkpoint_seq or 0) - (result.head_seq or 0),
                    }
                )
            )
        for problem in result.problems:
            self.stdout.write(self.style.ERROR(f"  {problem}"))
        for p in report.get("problems", []):
            self.stdout.write(f"  [{p['kind']}] {p['message']}")
        if not result.ok:
            raise CommandError(
                _("the backup is stale") if result.stale else _("the backup did not check out"),
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("OK: the backup restores into verified books.")))

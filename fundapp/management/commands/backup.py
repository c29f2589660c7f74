"""``manage.py backup``: a consistent backup of the database into ``BACKUP_DIR`` with its
manifest (``fundapp.backups``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fundapp import backups


class Command(BaseCommand):
    help = (
        "Back the database up (pg_dump custom format, or SQLite's online backup) with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=None, help="Folder (default BACKUP_DIR).")

    def handle(self, *args, **options):
        try:
            done = backups.backup(folder=options["dir"])
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("backup %(path)s (%(size)s bytes, chain head entry %(seq)s); manifest %(manifest)s")
            % {
                "path": done.path,
                "size": f"{done.manifest['size']:,}",
                "seq": done.manifest["head_seq"],
                "manifest": done.manifest_path,
            }
        )

"""``manage.py ledger_checkpoint``: append the chain head to the checkpoint file outside the
database (``ledger.checkpoints``). Run it from cron, or let ``celery -A fundapp beat`` run the
``ledger.checkpoint`` task; it writes nothing when the head has not moved (``--force`` does).
Exits non-zero when the database no longer agrees with the latest checkpoint."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ledger import checkpoints


class Command(BaseCommand):
    help = "Append the ledger's chain head to LEDGER_CHECKPOINT_DIR/checkpoints.jsonl."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Write even if the head has not moved."
        )

    def handle(self, *args, **options):
        if checkpoints.path() is None:
            raise CommandError(
                _("LEDGER_CHECKPOINT_DIR is not set: there is nowhere to write the checkpoint.")
            )
        try:
            written = checkpoints.record(force=options["force"])
        except checkpoints.CheckpointMismatch as exc:
            raise CommandError(
                _("the books no longer agree with the latest checkpoint: %(why)s")
                % {"why": exc.message}
            ) from exc
        if written is None:
            self.stdout.write(_("the chain head has not moved since the latest checkpoint"))
        else:
            self.stdout.write(
                _("checkpoint: entry %(seq)s, hash %(hash)s..., in %(path)s")
                % {"seq": written.seq, "hash": written.hash[:12], "path": checkpoints.path()}
            )

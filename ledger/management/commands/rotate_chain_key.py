"""``manage.py rotate_chain_key``: open a new chain segment keyed with the current
``LEDGER_CHAIN_KEY`` at the next entry (``ledger.chainkeys`` says how to rotate). Nothing already
posted is re-keyed; the earlier segments keep their keys, which must stay configured in
``LEDGER_CHAIN_OLD_KEYS`` for verification."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ledger import segments


class Command(BaseCommand):
    help = "Key the ledger's hash chain with the current LEDGER_CHAIN_KEY from the next entry on."

    def handle(self, *args, **options):
        rotation = segments.rotate()
        if rotation.segment is None:
            self.stdout.write(
                _("the open chain segment already uses the current key (%(id)s): nothing to do")
                % {"id": rotation.previous_key_id}
            )
            return
        self.stdout.write(
            _("entries from %(seq)s on are keyed with key %(id)s (before: %(before)s)")
            % {
                "seq": rotation.segment.first_seq,
                "id": rotation.segment.key_id,
                "before": rotation.previous_key_id or _("legacy, unkeyed"),
            }
        )

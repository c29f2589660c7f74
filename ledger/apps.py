from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        from common.dbguards import register

        from . import dbfunctions, dbguards
        from .collection import dbguards as collection_dbguards

        # verify_ledger and the migration test check every registered set.
        for guard_set in [
            *dbguards.GUARD_SETS,
            *collection_dbguards.GUARD_SETS,
            *dbfunctions.FUNCTION_SETS,
        ]:
            register(guard_set)

        from .verification import register_claim_source
        from .verification.documents import collection_claims

        # verify_ledger: receipts and deposits explain income and cash lines.
        register_claim_source(collection_claims)

        from . import periods_open_items
        from .collection import period_items

        # What a period's closing page lists as still open in it (the apps above add theirs).
        periods_open_items.register(periods_open_items.entry_requests_pending)
        periods_open_items.register(period_items.voids_pending)
        periods_open_items.register(period_items.cash_not_deposited)

        from .collection import corrections as collection_corrections
        from .corrections import register_correction

        # A flow's entry is corrected through its flow (the apps above register theirs).
        register_correction("donation", collection_corrections.income_correction)
        register_correction("allocation", collection_corrections.income_correction)
        register_correction("deposit", collection_corrections.deposit_correction)
        register_correction("channel_settlement", collection_corrections.settlement_correction)

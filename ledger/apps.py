from django.apps import AppConfig


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ledger"

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

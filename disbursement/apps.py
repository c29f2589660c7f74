from django.apps import AppConfig


class DisbursementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disbursement"

    def ready(self):
        from common.dbguards import register

        from . import dbguards

        # verify_ledger and the migration test check every registered set.
        for guard_set in dbguards.GUARD_SETS:
            register(guard_set)

        from approvals.hooks import register_cancel_veto

        from .hooks import award_payment_veto

        # An award in a payout batch, on its way to the bank or paid cannot be cancelled.
        register_cancel_veto(award_payment_veto)

        from ledger import chart
        from ledger.verification import register_balance_source, register_claim_source

        from .verification import payout_claims, payouts_owed

        # verify_ledger: entitlements and payments explain awards payable; what is still owed.
        register_claim_source(payout_claims)
        register_balance_source(chart.AWARDS_PAYABLE, payouts_owed)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisbursementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disbursement"
    verbose_name = _("Payouts")

    def ready(self):
        from common.dbguards import register

        from . import dbguards

        # verify_ledger and the migration test check every registered set.
        for guard_set in dbguards.GUARD_SETS:
            register(guard_set)

        from approvals.hooks import (
            register_account_use,
            register_cancel_veto,
            register_final_listener,
            register_person_flags,
            register_status_source,
        )
        from ledger import periods_open_items
        from ledger.corrections import register_correction

        from .hooks import (
            account_payments_in_flight,
            award_payment_veto,
            draft_batches,
            payout_correction,
            person_recovery_flags,
            recovery_correction,
        )

        # An award in a payout batch, on its way to the bank or paid cannot be cancelled.
        register_cancel_veto(award_payment_veto)
        from .services.entitlements import enrolments_from_case

        # A final case of a recurring program enrols its beneficiaries (the only way in).
        register_final_listener(enrolments_from_case)
        # A bank account with payments pending or sent is changed only with a second person.
        register_account_use(account_payments_in_flight)
        # The household page flags members who still owe money paid in error.
        register_person_flags(person_recovery_flags)

        from approvals.hooks import register_objection_lookup

        from .selectors import confirmation_objection_status_public
        from .selectors.public import case_payment_facts

        # The public objection look-up finds objections to confirmation rows by their code.
        register_objection_lookup(confirmation_objection_status_public)

        # The public status page says when the award (or a cycle) was paid.
        register_status_source(case_payment_facts)

        from django.utils.translation import gettext_lazy as _

        from ledger import chart
        from ledger.verification import (
            RECOVERIES_OUTSTANDING,
            register_balance_source,
            register_claim_source,
        )

        from .verification import payout_claims, payouts_owed, recoveries_owed, recovery_claims

        # verify_ledger: entitlements and payments explain awards payable; what is still owed.
        register_claim_source(payout_claims)
        register_balance_source(chart.AWARDS_PAYABLE, payouts_owed)
        # Recoveries, their refunds and write-offs explain recoveries receivable, which holds
        # what the open recoveries still claim.
        register_claim_source(recovery_claims)
        register_balance_source(
            chart.RECOVERIES_RECEIVABLE,
            recoveries_owed,
            code=RECOVERIES_OUTSTANDING,
            what=_("the open recoveries' balances"),
        )

        # A payout's entry is corrected through its batch or cycle, never reversed by hand.
        register_correction("disbursement", payout_correction)
        register_correction("recovery", recovery_correction)
        # Draft batches show on a period's closing page.
        periods_open_items.register(draft_batches)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"
    verbose_name = _("Relief cases")

    def ready(self):
        from common.dbguards import register

        from . import dbguards

        # verify_ledger and the migration test check every registered set.
        for guard_set in dbguards.GUARD_SETS:
            register(guard_set)

        from ledger.selectors import register_reservation_source

        from .selectors import fund_reserved

        # Money reserved for cases on notice lowers the fund's available amount.
        register_reservation_source(fund_reserved)

        from ledger import chart
        from ledger.verification import register_balance_source, register_claim_source

        from .verification import award_claims, final_awards_owed

        # verify_ledger: awards explain awards payable, and say what it holds.
        register_claim_source(award_claims)
        register_balance_source(chart.AWARDS_PAYABLE, final_awards_owed)

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
        from ledger.verification import (
            register_balance_source,
            register_claim_source,
            register_document_check,
        )

        from .verification import award_claims, final_awards_owed, reservation_findings

        # verify_ledger: awards explain awards payable, and say what it holds.
        register_claim_source(award_claims)
        register_balance_source(chart.AWARDS_PAYABLE, final_awards_owed)
        register_document_check(reservation_findings)

        from ledger.corrections import register_correction

        from .corrections import award_correction

        # An award's entry is corrected by cancelling the award, never reversed by hand.
        register_correction("approvals", award_correction)

        from django.db.models.signals import post_delete, post_save

        from common import workdays

        from .models import HolidayScheduleDay, HolidayScheduleYear
        from .services.calendar import year_schedule

        # Working days: the administrator's holiday schedule first, then the package.
        workdays.register_schedule_source(year_schedule)
        for model in (HolidayScheduleYear, HolidayScheduleDay):
            post_save.connect(_schedule_changed, sender=model, dispatch_uid=f"workdays-{model}")
            post_delete.connect(_schedule_changed, sender=model, dispatch_uid=f"workdays-d-{model}")


def _schedule_changed(**kwargs):
    from django.db import transaction

    from common import workdays

    workdays.clear_schedule_cache()
    transaction.on_commit(workdays.clear_schedule_cache)

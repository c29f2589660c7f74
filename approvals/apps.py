from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"
    verbose_name = _("Relief cases")

    def ready(self):
        from ledger.selectors import register_reservation_source

        from .selectors import fund_reserved

        # Money reserved for cases on notice lowers the fund's available amount.
        register_reservation_source(fund_reserved)

from django.apps import AppConfig


class DisbursementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "disbursement"

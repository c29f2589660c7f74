from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from .roles import ensure_roles

    ensure_roles()


class FundappConfig(AppConfig):
    name = "fundapp"
    verbose_name = "fundapp"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
        from .passwords import connect

        connect()  # a password set by someone else is marked for its owner to change

        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="fundapp.ensure_roles")

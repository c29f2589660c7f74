"""Give a role (a group) or the superuser flag to a user, as the operator at the server.

In the running site a role is asked by one administrator and approved by another
(``fundapp.grants``); nobody can approve before the first two administrators exist, so the
operator, who holds the server and its database anyway, makes them here. The grant is recorded
(``RoleGrant`` approved by the operator) and audited like any other.

    python manage.py grant_role alice administrator --reason "first administrator"

An account whose owner has not chosen a password of their own must change it at the next
sign-in (the operator set it; ``fundapp.passwords``).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from common.errors import FundError
from fundapp.grants import role_grant_request
from fundapp.passwords import mark_if_never_own


class Command(BaseCommand):
    help = "Give a role (group) or the superuser flag to a user, as the operator (audited)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", help="a group name (fundapp/roles.py) or 'superuser'")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, username, role, reason, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        superuser = role == "superuser"
        group = None
        if not superuser:
            group = Group.objects.filter(name=role).first()
            if group is None:
                names = ", ".join(Group.objects.order_by("name").values_list("name", flat=True))
                raise CommandError(f"No role {role!r}; the roles are: {names}, superuser.")
        try:
            role_grant_request(
                user=user, group=group, superuser=superuser, reason=reason, actor=None
            )
        except FundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{username}: {role} given.")
        # The operator made this account and knows its password, unless its owner has since
        # chosen one: they change it at the next sign-in (fundapp.passwords).
        if mark_if_never_own(user=user, actor=None, how="grant_role"):
            self.stdout.write(f"{username} must change the password at the next sign-in.")

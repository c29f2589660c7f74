"""``python manage.py grant_app_role --role fundapp_app``: give the application's database role
what it needs on the tables, and no ownership (PostgreSQL; ``fundapp.dbroles``).

Run it as the tables' owner (the role that runs ``migrate``), after every ``migrate`` (it is
re-runnable; the default privileges it sets cover new tables already). ``--create`` creates the
role first (``--login`` for one that logs in: set its password yourself, never on the command
line). ``--print`` only prints the statements. It ends by checking that the role cannot get
round the database guards (not a superuser, owns nothing, cannot TRUNCATE, add triggers or
create objects) and exits non-zero if it can. See ``docs/operations.md``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from fundapp.dbroles import (
    ROLE_NAME,
    app_role_problems,
    create_role_statement,
    grant_statements,
    role_exists,
)


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role what it needs (SELECT, INSERT, UPDATE, DELETE on "
        "the tables, the sequences, the functions) without owning anything, so that it cannot "
        "disable or replace the database guards. Run as the tables' owner after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role", required=True, help="The application's role, e.g. fundapp_app."
        )
        parser.add_argument(
            "--create", action="store_true", help="Create the role first if it does not exist."
        )
        parser.add_argument(
            "--login",
            action="store_true",
            help="With --create: a role that logs in (set its password yourself afterwards).",
        )
        parser.add_argument(
            "--print", action="store_true", help="Print the statements; change nothing."
        )

    def handle(self, *args, role: str, create: bool, login: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                _(
                    "grant_app_role is for PostgreSQL: a SQLite database has no roles (protect "
                    "its file instead; see docs/operations.md)."
                )
            )
        if not ROLE_NAME.match(role):
            raise CommandError(
                _(
                    "%(role)s is not a usable role name: use lower-case letters, digits and "
                    "underscores, starting with a letter."
                )
                % {"role": role}
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            (owner,) = cursor.fetchone()
        if role == owner:
            raise CommandError(
                _(
                    "%(role)s is the role running this command, the tables' owner: the "
                    "application needs a role of its own that owns nothing."
                )
                % {"role": role}
            )
        statements = []
        if not role_exists(connection, role):
            if not create:
                raise CommandError(
                    _("role %(role)s does not exist: create it, or run again with --create.")
                    % {"role": role}
                )
            statements.append(create_role_statement(connection, role, login=login))
        statements += grant_statements(connection, role)
        if options["print"]:
            for statement in statements:
                self.stdout.write(f"{statement};")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        problems = app_role_problems(connection, role)
        if problems:
            raise CommandError(
                _("role %(role)s can still get round the database guards: %(problems)s")
                % {"role": role, "problems": "; ".join(problems)}
            )
        self.stdout.write(
            _(
                "role %(role)s may read and write the tables and owns nothing: it cannot "
                "disable, drop or replace the database guards."
            )
            % {"role": role}
        )

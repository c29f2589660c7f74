"""The database role the application runs as, on PostgreSQL: one that does not own the tables.

The owner of a table may ``ALTER TABLE ... DISABLE TRIGGER``, drop a trigger, or replace a
trigger's function (issue 12: the app's own role turned the ledger's guards off and
``verify_ledger`` did not notice). So migrations run as an *owner* role, and the application
connects as an *app* role that has only what it needs on the owner's objects:

* ``SELECT, INSERT, UPDATE, DELETE`` on the tables (the database guards decide what may change;
  the guard triggers themselves take ``LOCK TABLE ... IN SHARE MODE``, which needs one of
  ``UPDATE``/``DELETE``); never ``TRUNCATE`` (it skips row triggers), ``TRIGGER`` or
  ``REFERENCES``;
* ``USAGE, SELECT, UPDATE`` on the sequences (the posting engine reserves ids with ``setval``);
* ``EXECUTE`` on the functions (the posting function), ``USAGE`` on the schema, ``CONNECT`` and
  ``TEMPORARY`` on the database (a result import stages its lines in a temporary table);
* the same on what later migrations create (``ALTER DEFAULT PRIVILEGES`` of the owner).

Without ownership the role cannot disable, drop or create a trigger, nor create or replace a
function (PostgreSQL 15 gives no one ``CREATE`` on the ``public`` schema by default; the check
below says so if someone did). :func:`app_role_problems` lists what would let the role get round
the guards; ``manage.py grant_app_role`` runs :func:`grant_statements` and then that check.
``docs/operations.md`` says how to set it up.
"""

from __future__ import annotations

import re

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def grant_statements(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """The statements giving ``role`` what the application needs on the current database and
    schema, and nothing that lets it change the guards (run by the tables' owner; re-runnable)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
    r, d, s = _quote(connection, role), _quote(connection, database), _quote(connection, schema)
    tables = "SELECT, INSERT, UPDATE, DELETE"
    sequences = "USAGE, SELECT, UPDATE"
    return [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT {tables} ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT {sequences} ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {r}",
        # What later migrations (run by this owner) create is granted the same way.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {tables} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT {sequences} ON SEQUENCES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT EXECUTE ON FUNCTIONS TO {r}",
    ]


def role_exists(connection: BaseDatabaseWrapper, role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def create_role_statement(connection: BaseDatabaseWrapper, role: str, *, login: bool) -> str:
    """``CREATE ROLE`` for the app role (no superuser, no role or database creation, no
    replication, no row-level-security bypass): its password is set by the operator."""
    options = "LOGIN" if login else "NOLOGIN"
    return (
        f"CREATE ROLE {_quote(connection, role)} {options} NOSUPERUSER NOCREATEDB NOCREATEROLE "
        "NOREPLICATION NOBYPASSRLS"
    )


def app_role_problems(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """What would let ``role`` get round the database guards on the current database, one
    translated sentence each. Empty means none."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = %s",
            [role],
        )
        row = cursor.fetchone()
        if row is None:
            return [_("role %(role)s does not exist") % {"role": role}]
        if row[0]:
            problems.append(_("role %(role)s is a superuser") % {"role": role})
        if row[1]:
            problems.append(_("role %(role)s bypasses row-level security") % {"role": role})
        if row[2]:
            problems.append(_("role %(role)s may create roles") % {"role": role})
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE pg_table_is_visible(c.oid)"
            " AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
            " AND pg_has_role(%s, c.relowner, 'USAGE') ORDER BY 1",
            [role],
        )
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            problems.append(
                _("role %(role)s owns (or is a member of the owner of) %(names)s")
                % {"role": role, "names": ", ".join(owned)}
            )
        cursor.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND pg_has_role(%s, p.proowner, 'USAGE')"
            " ORDER BY 1",
            [role],
        )
        functions = [name for (name,) in cursor.fetchall()]
        if functions:
            problems.append(
                _("role %(role)s owns the functions %(names)s")
                % {"role": role, "names": ", ".join(functions)}
            )
        cursor.execute("SELECT has_schema_privilege(%s, current_schema(), 'CREATE')", [role])
        if cursor.fetchone()[0]:
            problems.append(
                _(
                    "role %(role)s may create objects in the schema (REVOKE CREATE ON SCHEMA ... "
                    "FROM PUBLIC)"
                )
                % {"role": role}
            )
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE pg_table_is_visible(c.oid)"
            " AND c.relkind IN ('r', 'p')"
            " AND (has_table_privilege(%s, c.oid, 'TRUNCATE')"
            "   OR has_table_privilege(%s, c.oid, 'TRIGGER')) ORDER BY 1",
            [role, role],
        )
        loose = [name for (name,) in cursor.fetchall()]
        if loose:
            problems.append(
                _("role %(role)s may TRUNCATE or add triggers to %(names)s")
                % {"role": role, "names": ", ".join(loose)}
            )
    return problems

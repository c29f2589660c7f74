"""The one installer for SQL that the apps keep in the database, and its registry.

A :class:`GuardSet` is a named piece of SQL for SQLite and PostgreSQL: the statements that
install it, the triggers (with their tables) and functions it creates, and from those the
statements that drop it. Kind ``"guard"`` is a set of triggers that hold a rule underneath the
ORM; kind ``"function"`` is server-side code that is not a rule (the ledger's posting function).
Each app registers its sets in its ``AppConfig.ready`` with :func:`register`; ``verify_ledger``
and the tests read :func:`all_guard_sets`, so a new set is checked as soon as it is registered.

Migrations never call a guard set: what a migration installs is frozen beside it as
``sql/<migration>.pg.sql`` and ``.sqlite.sql`` files (written once with :func:`write_sql_files`)
and run by :func:`run_sql_file`, usually through :func:`frozen_sql`. The file format is part of
the history and never changes: statements in order, each followed by a line holding only
:data:`STATEMENT_END`; a leading block of comment lines ending the same way is the file's header
and is not run.

Only SQLite and PostgreSQL are supported, as everywhere in the project.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import migrations
from django.db.backends.base.base import BaseDatabaseWrapper

ENGINES = ("postgresql", "sqlite")
# How a frozen SQL file names its engine: ``0002_database_guards.pg.sql``, ``....sqlite.sql``.
FILE_SUFFIX = {"postgresql": "pg", "sqlite": "sqlite"}
GUARD = "guard"
FUNCTION = "function"
STATEMENT_END = "-- end of statement"


def _check_engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ENGINES:  # pragma: no cover - exactly these two engines
        raise NotImplementedError(
            f"database guards exist for SQLite and PostgreSQL, not {connection.vendor}"
        )
    return connection.vendor


@dataclass(frozen=True)
class GuardSet:
    """SQL installed as one unit, per engine.

    ``install_sql`` maps an engine to its statements, run in order (each re-runnable: a trigger
    is dropped before it is created, a function created or replaced). ``triggers`` maps an
    engine to ``{trigger: table}``; ``functions`` to PostgreSQL signatures such as
    ``"ledger_entry_guard()"``. An engine missing from a mapping has nothing of this set.
    """

    name: str
    install_sql: Mapping[str, Sequence[str]]
    triggers: Mapping[str, Mapping[str, str]]
    functions: Mapping[str, Sequence[str]] = field(default_factory=dict)
    kind: str = GUARD

    def install_statements(self, vendor: str) -> list[str]:
        return list(self.install_sql.get(vendor, ()))

    def drop_statements(self, vendor: str, names: Iterable[str] | None = None) -> list[str]:
        """Triggers (all, or those named), then, when the whole set goes, its functions."""
        wanted = None if names is None else set(names)
        statements = []
        for trigger, table in self.triggers.get(vendor, {}).items():
            if wanted is None or trigger in wanted:
                if vendor == "postgresql":
                    statements.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
                else:
                    statements.append(f"DROP TRIGGER IF EXISTS {trigger}")
        if wanted is None:
            statements += [f"DROP FUNCTION IF EXISTS {s}" for s in self.functions.get(vendor, ())]
        return statements

    def install(self, connection: BaseDatabaseWrapper) -> None:
        _run(connection, self.install_statements(_check_engine(connection)))

    def drop(self, connection: BaseDatabaseWrapper, names: Iterable[str] | None = None) -> None:
        """Remove the set (or only the named triggers of it: tests that tamper underneath)."""
        _run(connection, self.drop_statements(_check_engine(connection), names))

    def expected(self, connection: BaseDatabaseWrapper) -> set[str]:
        """What this set creates on the connection's engine: trigger names, and function names
        followed by ``()`` (a trigger and its function often share a name)."""
        vendor = _check_engine(connection)
        return set(self.triggers.get(vendor, {})) | {
            f"{_function_name(s)}()" for s in self.functions.get(vendor, ())
        }

    def installed(self, connection: BaseDatabaseWrapper) -> set[str]:
        """Those of :meth:`expected` that the database has (a trigger only on its own table)."""
        vendor = _check_engine(connection)
        triggers, functions = database_objects(connection)
        have = {
            name
            for name, table in self.triggers.get(vendor, {}).items()
            if triggers.get(name) == table
        }
        return have | {
            f"{name}()"
            for name in (_function_name(s) for s in self.functions.get(vendor, ()))
            if name in functions
        }


def sqlite_install(triggers: Mapping[str, str]) -> list[str]:
    """Install statements for SQLite ``{trigger: CREATE TRIGGER ...}``: it has no CREATE OR
    REPLACE TRIGGER, so each trigger is dropped, then created (in the mapping's order, which on
    SQLite is the order triggers of one table and event fire in)."""
    statements = []
    for name, create in triggers.items():
        statements += [f"DROP TRIGGER IF EXISTS {name}", create]
    return statements


def sqlite_tables(triggers: Mapping[str, str]) -> dict[str, str]:
    """``{trigger: table}`` of SQLite ``{trigger: CREATE TRIGGER ...}``."""
    return {name: re.search(r"\bON (\w+)", create).group(1) for name, create in triggers.items()}


def _function_name(signature: str) -> str:
    return signature.split("(", 1)[0].strip()


def _run(connection: BaseDatabaseWrapper, statements: Sequence[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def database_objects(connection: BaseDatabaseWrapper) -> tuple[dict[str, str], set[str]]:
    """What the database holds that is ours: ``({trigger: table}, {function})`` (PostgreSQL:
    the schemas on the search path, without the triggers PostgreSQL makes for constraints)."""
    with connection.cursor() as cursor:
        if _check_engine(connection) == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal AND pg_table_is_visible(c.oid)"
            )
            triggers = dict(cursor.fetchall())
            cursor.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = current_schema()"
            )
            return triggers, {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        return dict(cursor.fetchall()), set()


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------
_REGISTRY: dict[str, GuardSet] = {}


def register(guard_set: GuardSet) -> GuardSet:
    """Add a set (again with the same set is a no-op; another set under a taken name is an error)."""
    known = _REGISTRY.get(guard_set.name)
    if known is not None and known is not guard_set:
        raise ValueError(f"another guard set is already registered as {guard_set.name!r}")
    _REGISTRY[guard_set.name] = guard_set
    return guard_set


def all_guard_sets(kind: str | None = None) -> list[GuardSet]:
    """Registered sets in registration order (apps in INSTALLED_APPS order), of one kind or all."""
    return [s for s in _REGISTRY.values() if kind is None or s.kind == kind]


# --------------------------------------------------------------------------------------------
# frozen SQL for migrations
# --------------------------------------------------------------------------------------------
def read_sql_file(path: Path) -> list[str]:
    """The statements of a frozen SQL file (see the module docstring for the format)."""
    chunks = path.read_text(encoding="utf-8").split(f"\n{STATEMENT_END}\n")
    if chunks[-1].strip():
        raise ValueError(f"{path}: text after the last statement end")
    statements = chunks[:-1]
    if statements and all(
        line.startswith("--") for line in statements[0].splitlines() if line.strip()
    ):
        statements = statements[1:]
    return statements


def render_sql_file(statements: Sequence[str], header: str) -> str:
    """The text of a frozen SQL file holding ``statements``; ``header`` becomes comment lines."""
    head = "\n".join(f"-- {line}".rstrip() for line in header.strip().splitlines())
    return "".join(f"{chunk}\n{STATEMENT_END}\n" for chunk in (head, *statements))


def write_sql_files(
    folder: Path, stem: str, statements: Mapping[str, Sequence[str]], header: str
) -> list[Path]:
    """Freeze ``{engine: statements}`` as ``folder/<stem>.pg.sql`` and ``.sqlite.sql`` (an
    engine without statements gets a file with only the header): how a new migration's SQL is
    written, e.g. from ``GuardSet.install_statements`` of the sets it changes."""
    folder.mkdir(exist_ok=True)
    paths = []
    for vendor in ENGINES:
        path = folder / f"{stem}.{FILE_SUFFIX[vendor]}.sql"
        path.write_text(render_sql_file(statements.get(vendor, ()), header), encoding="utf-8")
        paths.append(path)
    return paths


def run_sql_file(folder: Path, stem: str) -> Callable:
    """A ``RunPython`` function running ``folder/<stem>.pg.sql`` or ``.sqlite.sql`` on the
    migration's connection (every engine has its file, empty when there is nothing to run)."""

    def run(apps, schema_editor) -> None:
        vendor = _check_engine(schema_editor.connection)
        path = folder / f"{stem}.{FILE_SUFFIX[vendor]}.sql"
        _run(schema_editor.connection, read_sql_file(path))

    run.__name__ = run.__qualname__ = f"run_{stem}".replace(".", "_").replace("-", "_")
    return run


def frozen_sql(folder: Path, forward: str, backward: str | None = None) -> migrations.RunPython:
    """The operation a migration uses to run its frozen SQL (and, reversed, its ``backward``
    files; without them it is not reversible)."""
    return migrations.RunPython(
        run_sql_file(folder, forward),
        run_sql_file(folder, backward) if backward else None,
    )

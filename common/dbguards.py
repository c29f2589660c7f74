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

What the database holds is read back by :func:`catalog` (each trigger's table, whether it is
enabled, its definition; each function's body) and compared with what the registered sets say by
:func:`guard_findings`, with the definitions normalised on both sides (:func:`normalise_sqlite`,
:func:`normalise_pg_trigger`, :func:`normalise_body`): ``verify_ledger`` reports a guard that is
missing, disabled (``ALTER TABLE ... DISABLE TRIGGER``) or altered (a function replaced by a
no-op, a trigger re-created with ``WHEN 0``), and the migration test uses the same comparison.

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

    def definitions(self, vendor: str) -> tuple[dict[str, str], dict[str, str]]:
        """What installing this set leaves, normalised as :func:`catalog` reads it back:
        ``({trigger: definition}, {function name: body})`` (the last statement creating a
        name wins, as it does in the database)."""
        triggers: dict[str, str] = {}
        functions: dict[str, str] = {}
        for statement in self.install_statements(vendor):
            trigger = _CREATE_TRIGGER.match(statement)
            if trigger:
                triggers[trigger.group("name")] = (
                    normalise_pg_trigger(statement)
                    if vendor == "postgresql"
                    else normalise_sqlite(statement)
                )
                continue
            function = _CREATE_FUNCTION.match(statement)
            if function:
                functions[function.group("name")] = normalise_body(function.group("body"))
        return triggers, functions

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
# what the database holds, compared with what the sets say
# --------------------------------------------------------------------------------------------
_CREATE_TRIGGER = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>\w+)",
    re.IGNORECASE,
)
_CREATE_FUNCTION = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?P<name>\w+)\s*\(.*?\bAS\s+"
    r"(?P<tag>\$\w*\$)(?P<body>.*?)(?P=tag)",
    re.IGNORECASE | re.DOTALL,
)
_LITERAL = re.compile(r"('(?:[^']|'')*')")
# A cast as pg_get_triggerdef writes it into a WHEN clause (``(old.code)::text``).
_CAST = re.compile(
    r"::\s*(?:character varying|double precision|timestamp with(?:out)? time zone"
    r'|"?[a-z_][a-z0-9_]*"?)(?:\[\])?'
)
_TRIGGER_HEAD = re.compile(
    r"^create (?:constraint )?trigger (\S+) (before|after|instead of) (.+?) on (?:\w+\.)?(\w+) "
)
_EVENT_ORDER = ("insert", "delete", "update", "truncate")


@dataclass(frozen=True)
class TriggerState:
    """A trigger as the database holds it: its table, whether it fires, its definition
    (normalised: :func:`normalise_sqlite` or :func:`normalise_pg_trigger`)."""

    table: str
    enabled: bool
    definition: str


def normalise_sqlite(sql: str) -> str:
    """A SQLite ``CREATE TRIGGER`` as ``sqlite_master.sql`` keeps it (the statement as written,
    without its final semicolon), whitespace runs made one space."""
    return " ".join(sql.split()).rstrip(";").rstrip()


def normalise_body(body: str) -> str:
    """A PostgreSQL function's body (``pg_proc.prosrc``, the text between its dollar quotes),
    whitespace runs made one space."""
    return " ".join(body.split())


def normalise_pg_trigger(sql: str) -> str:
    """A PostgreSQL ``CREATE TRIGGER`` as written in a guard module, or as
    ``pg_get_triggerdef`` writes it back, in one form: keywords and names in lower case (string
    literals kept), no schema before the table, no casts or parentheses (the deparser adds
    both), events in the deparser's order, whitespace runs made one space."""
    parts = _LITERAL.split(sql.strip().rstrip(";"))
    for index in range(0, len(parts), 2):  # even parts are outside string literals
        text = _CAST.sub("", parts[index].lower())
        parts[index] = text.replace("(", " ").replace(")", " ")
    text = " ".join("".join(parts).split())
    text = text.replace("create or replace trigger", "create trigger", 1)
    text = text.replace(" execute procedure ", " execute function ")
    head = _TRIGGER_HEAD.match(text + " ")
    if head:
        events = head.group(3).split(" or ")
        events.sort(key=lambda e: _EVENT_ORDER.index(e.split(" ", 1)[0]))
        text = (
            f"create trigger {head.group(1)} {head.group(2)} {' or '.join(events)} "
            f"on {head.group(4)} {(text + ' ')[head.end() :]}"
        ).strip()
    return text


def catalog(connection: BaseDatabaseWrapper) -> tuple[dict[str, TriggerState], dict[str, str]]:
    """Every trigger and function of ours that the database holds: ``({trigger: TriggerState},
    {function name: normalised body})`` (PostgreSQL: the schemas on the search path, without
    the triggers PostgreSQL makes for constraints; SQLite has no functions and cannot disable a
    trigger)."""
    with connection.cursor() as cursor:
        if _check_engine(connection) == "postgresql":
            # tgenabled: O (fires), A (fires always), R (only for replicas), D (disabled).
            cursor.execute(
                "SELECT t.tgname, c.relname, t.tgenabled IN ('O', 'A'), pg_get_triggerdef(t.oid)"
                " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal AND pg_table_is_visible(c.oid)"
            )
            triggers = {
                name: TriggerState(table, enabled, normalise_pg_trigger(definition))
                for name, table, enabled, definition in cursor.fetchall()
            }
            cursor.execute(
                "SELECT p.proname, p.prosrc FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
            )
            return triggers, {name: normalise_body(body) for name, body in cursor.fetchall()}
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        return {
            name: TriggerState(table, True, normalise_sqlite(sql))
            for name, table, sql in cursor.fetchall()
        }, {}


def disabled_constraint_triggers(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """``[(constraint, table)]`` whose own triggers (foreign keys) do not fire:
    ``ALTER TABLE ... DISABLE TRIGGER ALL`` turns them off with ours (PostgreSQL only)."""
    if _check_engine(connection) != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT con.conname, c.relname FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_constraint con ON con.oid = t.tgconstraint"
            " WHERE t.tgisinternal AND t.tgenabled NOT IN ('O', 'A')"
            " AND pg_table_is_visible(c.oid) ORDER BY c.relname, con.conname"
        )
        return cursor.fetchall()


MISSING = "missing"
DISABLED = "disabled"
ALTERED = "altered"
UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class GuardFinding:
    """One trigger or function that is not as its set says: ``state`` is :data:`MISSING` (not
    there, or not on its table), :data:`DISABLED`, :data:`ALTERED` (another definition) or
    :data:`UNEXPECTED` (a trigger no set names, on a table of ours). ``name`` is a trigger's
    name or a function's followed by ``()``."""

    name: str
    state: str
    guard_set: str = ""
    table: str = ""
    found_table: str = ""


def guard_findings(
    connection: BaseDatabaseWrapper, guard_sets: Iterable[GuardSet]
) -> tuple[int, list[GuardFinding]]:
    """Compare what the sets say with :func:`catalog`: ``(number of triggers and functions
    expected, findings)``; no finding means every one is there, enabled and as written."""
    vendor = _check_engine(connection)
    triggers, functions = catalog(connection)
    findings: list[GuardFinding] = []
    expected = 0
    named: set[str] = set()
    tables: set[str] = set()
    for guard_set in guard_sets:
        want_triggers, want_functions = guard_set.definitions(vendor)
        for name, table in guard_set.triggers.get(vendor, {}).items():
            expected += 1
            named.add(name)
            tables.add(table)
            have = triggers.get(name)
            if have is None or have.table != table:
                state = MISSING
            elif not have.enabled:
                state = DISABLED
            elif have.definition != want_triggers.get(name):
                state = ALTERED
            else:
                continue
            findings.append(
                GuardFinding(
                    name, state, guard_set.name, table, have.table if have is not None else ""
                )
            )
        for signature in guard_set.functions.get(vendor, ()):
            expected += 1
            name = _function_name(signature)
            if name not in functions:
                state = MISSING
            elif functions[name] != want_functions.get(name):
                state = ALTERED
            else:
                continue
            findings.append(GuardFinding(f"{name}()", state, guard_set.name))
    for name, have in sorted(triggers.items()):
        if name not in named and have.table in tables:
            findings.append(GuardFinding(name, UNEXPECTED, table=have.table))
    return expected, findings


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

"""Database triggers holding the approvals invariants that a constraint on one row cannot say,
on SQLite and PostgreSQL (same refusals on both; tests bypass the ORM to prove them):

* a region sits directly below a region one level up (village < township < county) and its code
  starts with its parent's code prefix (6 digits for a county, 9 for a township);
* a case member copies the program and cycle of its case (the partial unique index "one open case per
  person, program and cycle" relies on those copies), and is open only while the case is;
* case history rows and case approvals are append-only (the four-eyes rules read them).

Row-level constraints (states, amounts, one active reservation per case, ...) are Django
constraints on the models.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

_REGION_OK = """EXISTS (SELECT 1 FROM approvals_region p WHERE p.id = NEW.parent_id AND (
    (NEW.level = 'township' AND p.level = 'county' AND substr(NEW.code, 1, 6) = substr(p.code, 1, 6))
 OR (NEW.level = 'village' AND p.level = 'township' AND substr(NEW.code, 1, 9) = substr(p.code, 1, 9))))"""
_REGION_MSG = (
    "approvals: a region sits directly below a region one level up and starts with its code prefix"
)
_MEMBER_OK = """EXISTS (SELECT 1 FROM approvals_case c WHERE c.id = NEW.case_id
    AND c.program_id = NEW.program_id AND c.cycle = NEW.cycle
    AND (NOT NEW.is_open OR c.state NOT IN ('rejected', 'withdrawn', 'cancelled')))"""
_MEMBER_MSG = (
    "approvals: a case member copies the program and cycle of its case and is open only while the "
    "case is open"
)
_APPEND_ONLY = {"approvals_casehistory": "case history", "approvals_caseapproval": "case approvals"}

PG_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION approvals_region_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent_id IS NOT NULL AND NOT {_REGION_OK} THEN
    RAISE EXCEPTION '{_REGION_MSG} (region %)', NEW.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS approvals_region_guard ON approvals_region;",
    """CREATE TRIGGER approvals_region_guard BEFORE INSERT OR UPDATE ON approvals_region
       FOR EACH ROW EXECUTE FUNCTION approvals_region_guard();""",
    f"""
CREATE OR REPLACE FUNCTION approvals_casemember_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT {_MEMBER_OK} THEN
    RAISE EXCEPTION '{_MEMBER_MSG} (case %)', NEW.case_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS approvals_casemember_guard ON approvals_casemember;",
    """CREATE TRIGGER approvals_casemember_guard BEFORE INSERT OR UPDATE ON approvals_casemember
       FOR EACH ROW EXECUTE FUNCTION approvals_casemember_guard();""",
    """
CREATE OR REPLACE FUNCTION approvals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'approvals: % rows are never changed or deleted', TG_TABLE_NAME
    USING ERRCODE = 'check_violation';
END $$;""",
]
for _table in _APPEND_ONLY:
    PG_INSTALL += [
        f"DROP TRIGGER IF EXISTS {_table}_append_only ON {_table};",
        f"""CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table}
       FOR EACH ROW EXECUTE FUNCTION approvals_append_only();""",
    ]

PG_TRIGGERS = {
    "approvals_region_guard": "approvals_region",
    "approvals_casemember_guard": "approvals_casemember",
    **{f"{t}_append_only": t for t in _APPEND_ONLY},
}
PG_FUNCTIONS = ["approvals_region_guard", "approvals_casemember_guard", "approvals_append_only"]

SQLITE_TRIGGERS = {}
for _op in ("INSERT", "UPDATE"):
    SQLITE_TRIGGERS[f"approvals_region_parent_{_op.lower()}"] = f"""
CREATE TRIGGER approvals_region_parent_{_op.lower()} BEFORE {_op} ON approvals_region
WHEN NEW.parent_id IS NOT NULL AND NOT {_REGION_OK}
BEGIN SELECT RAISE(ABORT, '{_REGION_MSG}'); END;"""
    SQLITE_TRIGGERS[f"approvals_casemember_{_op.lower()}"] = f"""
CREATE TRIGGER approvals_casemember_{_op.lower()} BEFORE {_op} ON approvals_casemember
WHEN NOT {_MEMBER_OK}
BEGIN SELECT RAISE(ABORT, '{_MEMBER_MSG}'); END;"""
for _table, _label in _APPEND_ONLY.items():
    for _op in ("UPDATE", "DELETE"):
        SQLITE_TRIGGERS[f"{_table}_no_{_op.lower()}"] = f"""
CREATE TRIGGER {_table}_no_{_op.lower()} BEFORE {_op} ON {_table}
BEGIN SELECT RAISE(ABORT, 'approvals: {_label} rows are never changed or deleted'); END;"""


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_INSTALL:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name, statement in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(statement)
        else:  # pragma: no cover - the project supports exactly these two engines
            raise NotImplementedError(
                f"approvals guards exist for SQLite and PostgreSQL, not {connection.vendor}"
            )


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, table in PG_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            for function in PG_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

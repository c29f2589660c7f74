"""Database triggers holding the approvals invariants that a constraint on one row cannot say,
on SQLite and PostgreSQL (same refusals on both; tests bypass the ORM to prove them):

* a region sits directly below a region one level up (village < township < county) and its code
  starts with its parent's code prefix (6 digits for a county, 9 for a township);
* a case member copies the program and cycle of its case (the partial unique index "one open case per
  person, program and cycle" relies on those copies), and is open only while the case is;
* case history rows and case approvals are append-only (the four-eyes rules read them).

Row-level constraints (states, amounts, one active reservation per case, ...) are Django
constraints on the models. Three guard sets of the same names on both engines
(``approvals.region``, ``approvals.casemember``, ``approvals.append_only``), registered by
``approvals.apps``.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

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

REGION_PG = [
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
]
CASEMEMBER_PG = [
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
]
APPEND_ONLY_PG = [
    """
CREATE OR REPLACE FUNCTION approvals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'approvals: % rows are never changed or deleted', TG_TABLE_NAME
    USING ERRCODE = 'check_violation';
END $$;""",
]
for _table in _APPEND_ONLY:
    APPEND_ONLY_PG += [
        f"DROP TRIGGER IF EXISTS {_table}_append_only ON {_table};",
        f"""CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table}
       FOR EACH ROW EXECUTE FUNCTION approvals_append_only();""",
    ]

REGION_SQLITE = {}
CASEMEMBER_SQLITE = {}
APPEND_ONLY_SQLITE = {}
for _op in ("INSERT", "UPDATE"):
    REGION_SQLITE[f"approvals_region_parent_{_op.lower()}"] = f"""
CREATE TRIGGER approvals_region_parent_{_op.lower()} BEFORE {_op} ON approvals_region
WHEN NEW.parent_id IS NOT NULL AND NOT {_REGION_OK}
BEGIN SELECT RAISE(ABORT, '{_REGION_MSG}'); END;"""
    CASEMEMBER_SQLITE[f"approvals_casemember_{_op.lower()}"] = f"""
CREATE TRIGGER approvals_casemember_{_op.lower()} BEFORE {_op} ON approvals_casemember
WHEN NOT {_MEMBER_OK}
BEGIN SELECT RAISE(ABORT, '{_MEMBER_MSG}'); END;"""
for _table, _label in _APPEND_ONLY.items():
    for _op in ("UPDATE", "DELETE"):
        APPEND_ONLY_SQLITE[f"{_table}_no_{_op.lower()}"] = f"""
CREATE TRIGGER {_table}_no_{_op.lower()} BEFORE {_op} ON {_table}
BEGIN SELECT RAISE(ABORT, 'approvals: {_label} rows are never changed or deleted'); END;"""


REGION = GuardSet(
    name="approvals.region",
    install_sql={"postgresql": REGION_PG, "sqlite": sqlite_install(REGION_SQLITE)},
    triggers={
        "postgresql": {"approvals_region_guard": "approvals_region"},
        "sqlite": sqlite_tables(REGION_SQLITE),
    },
    functions={"postgresql": ["approvals_region_guard()"]},
)
CASEMEMBER = GuardSet(
    name="approvals.casemember",
    install_sql={"postgresql": CASEMEMBER_PG, "sqlite": sqlite_install(CASEMEMBER_SQLITE)},
    triggers={
        "postgresql": {"approvals_casemember_guard": "approvals_casemember"},
        "sqlite": sqlite_tables(CASEMEMBER_SQLITE),
    },
    functions={"postgresql": ["approvals_casemember_guard()"]},
)
APPEND_ONLY = GuardSet(
    name="approvals.append_only",
    install_sql={"postgresql": APPEND_ONLY_PG, "sqlite": sqlite_install(APPEND_ONLY_SQLITE)},
    triggers={
        "postgresql": {f"{t}_append_only": t for t in _APPEND_ONLY},
        "sqlite": sqlite_tables(APPEND_ONLY_SQLITE),
    },
    functions={"postgresql": ["approvals_append_only()"]},
)
GUARD_SETS = [REGION, CASEMEMBER, APPEND_ONLY]

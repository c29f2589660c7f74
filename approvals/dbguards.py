"""Database triggers holding the approvals invariants that a constraint on one row cannot say,
on SQLite and PostgreSQL (same refusals on both; tests bypass the ORM to prove them):

* a region sits directly below a region one level up (village < township < county) and its code
  starts with its parent's code prefix (6 digits for a county, 9 for a township);
* a case member copies the program and cycle of its case (the partial unique index "one open case per
  person, program and cycle" relies on those copies), and is open only while the case is;
* case history rows and case approvals are append-only (the four-eyes rules read them);
* a final award is what the ledger booked (``approvals.award``): a case's award entry is set only
  to a posted entry crediting awards payable with the case's amount and currency in its
  program's fund, and once set, the amount, currency, program and award entry never change; a
  program's fund never changes once one of its cases has an award booked;
* reservations (``approvals.reservation``) are never deleted; a reservation is released once
  (active -> released, with its time and reason, never back), and its case, fund, amount and
  creation time never change. A new reservation starts active. So the money reserved in a fund
  (the active rows: ``approvals.selectors.fund_reserved``) can only fall by a release the case's
  state machine makes.

Row-level constraints (states, amounts, one active reservation per case, ...) are Django
constraints on the models. Five guard sets of the same names on both engines
(``approvals.region``, ``approvals.casemember``, ``approvals.append_only``, ``approvals.award``,
``approvals.reservation``), registered by ``approvals.apps``.
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

# ---- awards: what the ledger booked --------------------------------------------------------
# Awards payable is account 2201 (ledger.chart.AWARDS_PAYABLE; its code is frozen by
# ledger.dbguards.codes once lines use it).
_AWARD_MSG = (
    "approvals: a final award keeps the amount, currency, program and entry the ledger booked"
)
_AWARD_BOOKED = """EXISTS (SELECT 1 FROM ledger_journalentry e
    JOIN ledger_journalline l ON l.entry_id = e.id
    JOIN ledger_account a ON a.id = l.account_id
    JOIN approvals_program p ON p.id = NEW.program_id
    WHERE e.id = NEW.award_entry_id AND e.status = 'posted' AND a.code = '2201'
      AND l.side = 'C' AND l.fund_id = p.fund_id
      AND l.amount = NEW.amount AND l.amount_currency = NEW.amount_currency)"""
_AWARD_CHANGED = """(NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.program_id <> OLD.program_id OR NEW.award_entry_id IS NULL
    OR NEW.award_entry_id <> OLD.award_entry_id)"""
_PROGRAM_FUND_MSG = "approvals: a program keeps its fund once one of its awards is booked"
_PROGRAM_HAS_AWARDS = """EXISTS (SELECT 1 FROM approvals_case c
    WHERE c.program_id = OLD.id AND c.award_entry_id IS NOT NULL)"""

AWARD_PG = [
    f"""
CREATE OR REPLACE FUNCTION approvals_award_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.award_entry_id IS NOT NULL THEN
      IF {_AWARD_CHANGED} THEN
        RAISE EXCEPTION '{_AWARD_MSG} (case %)', OLD.number USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END IF;
  END IF;
  IF NEW.award_entry_id IS NOT NULL AND NOT {_AWARD_BOOKED} THEN
    RAISE EXCEPTION '{_AWARD_MSG} (case %)', NEW.number USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS approvals_award_guard ON approvals_case;",
    # No WHEN: an update clearing the award entry must be seen too (OLD is not allowed in the
    # WHEN of an INSERT trigger).
    """CREATE TRIGGER approvals_award_guard BEFORE INSERT OR UPDATE ON approvals_case
       FOR EACH ROW EXECUTE FUNCTION approvals_award_guard();""",
    f"""
CREATE OR REPLACE FUNCTION approvals_program_fund_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_PROGRAM_HAS_AWARDS} THEN
    RAISE EXCEPTION '{_PROGRAM_FUND_MSG} (program %)', OLD.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS approvals_program_fund_guard ON approvals_program;",
    """CREATE TRIGGER approvals_program_fund_guard BEFORE UPDATE OF fund_id ON approvals_program
       FOR EACH ROW WHEN (NEW.fund_id IS DISTINCT FROM OLD.fund_id)
       EXECUTE FUNCTION approvals_program_fund_guard();""",
]
AWARD_SQLITE = {
    "approvals_award_insert": f"""
CREATE TRIGGER approvals_award_insert BEFORE INSERT ON approvals_case
WHEN NEW.award_entry_id IS NOT NULL AND NOT {_AWARD_BOOKED}
BEGIN SELECT RAISE(ABORT, '{_AWARD_MSG}'); END;""",
    "approvals_award_booked": f"""
CREATE TRIGGER approvals_award_booked BEFORE UPDATE ON approvals_case
WHEN OLD.award_entry_id IS NULL AND NEW.award_entry_id IS NOT NULL AND NOT {_AWARD_BOOKED}
BEGIN SELECT RAISE(ABORT, '{_AWARD_MSG}'); END;""",
    "approvals_award_frozen": f"""
CREATE TRIGGER approvals_award_frozen BEFORE UPDATE ON approvals_case
WHEN OLD.award_entry_id IS NOT NULL AND {_AWARD_CHANGED}
BEGIN SELECT RAISE(ABORT, '{_AWARD_MSG}'); END;""",
    "approvals_program_fund_frozen": f"""
CREATE TRIGGER approvals_program_fund_frozen BEFORE UPDATE OF fund_id ON approvals_program
WHEN NEW.fund_id IS NOT OLD.fund_id AND {_PROGRAM_HAS_AWARDS}
BEGIN SELECT RAISE(ABORT, '{_PROGRAM_FUND_MSG}'); END;""",
}

# ---- reservations: released once, never deleted -------------------------------------------
_RESERVATION_MSG = (
    "approvals: a reservation is never deleted; it is released once and otherwise never changes"
)
_RESERVATION_CHANGED = """(NEW.case_id <> OLD.case_id OR NEW.fund_id <> OLD.fund_id
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.created_at <> OLD.created_at OR NEW.id <> OLD.id
    OR NOT OLD.active
    OR NEW.active AND (NEW.released_at IS NOT NULL OR NEW.release_reason <> OLD.release_reason))"""

RESERVATION_PG = [
    f"""
CREATE OR REPLACE FUNCTION approvals_reservation_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'INSERT' AND NOT NEW.active
     OR TG_OP = 'UPDATE' AND {_RESERVATION_CHANGED} THEN
    RAISE EXCEPTION '{_RESERVATION_MSG}' USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;""",
    "DROP TRIGGER IF EXISTS approvals_reservation_guard ON approvals_reservation;",
    """CREATE TRIGGER approvals_reservation_guard
       BEFORE INSERT OR UPDATE OR DELETE ON approvals_reservation
       FOR EACH ROW EXECUTE FUNCTION approvals_reservation_guard();""",
]
RESERVATION_SQLITE = {
    "approvals_reservation_insert": f"""
CREATE TRIGGER approvals_reservation_insert BEFORE INSERT ON approvals_reservation
WHEN NOT NEW.active
BEGIN SELECT RAISE(ABORT, '{_RESERVATION_MSG}'); END;""",
    "approvals_reservation_update": f"""
CREATE TRIGGER approvals_reservation_update BEFORE UPDATE ON approvals_reservation
WHEN {_RESERVATION_CHANGED}
BEGIN SELECT RAISE(ABORT, '{_RESERVATION_MSG}'); END;""",
    "approvals_reservation_no_delete": f"""
CREATE TRIGGER approvals_reservation_no_delete BEFORE DELETE ON approvals_reservation
BEGIN SELECT RAISE(ABORT, '{_RESERVATION_MSG}'); END;""",
}

AWARD = GuardSet(
    name="approvals.award",
    install_sql={"postgresql": AWARD_PG, "sqlite": sqlite_install(AWARD_SQLITE)},
    triggers={
        "postgresql": {
            "approvals_award_guard": "approvals_case",
            "approvals_program_fund_guard": "approvals_program",
        },
        "sqlite": sqlite_tables(AWARD_SQLITE),
    },
    functions={"postgresql": ["approvals_award_guard()", "approvals_program_fund_guard()"]},
)
RESERVATION = GuardSet(
    name="approvals.reservation",
    install_sql={"postgresql": RESERVATION_PG, "sqlite": sqlite_install(RESERVATION_SQLITE)},
    triggers={
        "postgresql": {"approvals_reservation_guard": "approvals_reservation"},
        "sqlite": sqlite_tables(RESERVATION_SQLITE),
    },
    functions={"postgresql": ["approvals_reservation_guard()"]},
)
GUARD_SETS = [REGION, CASEMEMBER, APPEND_ONLY, AWARD, RESERVATION]

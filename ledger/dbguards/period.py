"""The ledger's periods: a closed period stays closed and unchanged; periods never overlap."""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

PG = [
    # ---- periods: closed stays closed; no overlaps --------------------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_period_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'closed' THEN
    RAISE EXCEPTION 'ledger: period % is closed and stays closed', OLD.code USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  IF EXISTS (SELECT 1 FROM ledger_period p WHERE p.id <> NEW.id
              AND p.start <= NEW."end" AND NEW.start <= p."end") THEN
    RAISE EXCEPTION 'ledger: period % overlaps another period', NEW.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_period_guard ON ledger_period;",
    """CREATE TRIGGER ledger_period_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_period
       FOR EACH ROW EXECUTE FUNCTION ledger_period_guard();""",
]

SQLITE = {
    "ledger_period_closed_frozen": """
CREATE TRIGGER ledger_period_closed_frozen BEFORE UPDATE ON ledger_period
WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'ledger: a closed period stays closed'); END;""",
    "ledger_period_closed_nodelete": """
CREATE TRIGGER ledger_period_closed_nodelete BEFORE DELETE ON ledger_period
WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'ledger: a closed period stays closed'); END;""",
    "ledger_period_no_overlap_insert": """
CREATE TRIGGER ledger_period_no_overlap_insert BEFORE INSERT ON ledger_period
WHEN EXISTS (SELECT 1 FROM ledger_period p WHERE p.start <= NEW."end" AND NEW.start <= p."end")
BEGIN SELECT RAISE(ABORT, 'ledger: periods must not overlap'); END;""",
    "ledger_period_no_overlap_update": """
CREATE TRIGGER ledger_period_no_overlap_update BEFORE UPDATE ON ledger_period
WHEN EXISTS (SELECT 1 FROM ledger_period p WHERE p.id <> NEW.id AND p.start <= NEW."end" AND NEW.start <= p."end")
BEGIN SELECT RAISE(ABORT, 'ledger: periods must not overlap'); END;""",
}

GUARDS = GuardSet(
    name="ledger.period",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_period_guard": "ledger_period",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={
        "postgresql": [
            "ledger_period_guard()",
        ]
    },
)

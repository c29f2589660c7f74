"""The ledger's audit events are append-only: never changed, never deleted."""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

PG = [
    # ---- audit events are append-only ---------------------------------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: audit events are never changed or deleted' USING ERRCODE = 'check_violation';
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_audit_guard ON ledger_auditevent;",
    """CREATE TRIGGER ledger_audit_guard BEFORE UPDATE OR DELETE ON ledger_auditevent
       FOR EACH ROW EXECUTE FUNCTION ledger_audit_guard();""",
]

SQLITE = {
    "ledger_audit_no_update": """
CREATE TRIGGER ledger_audit_no_update BEFORE UPDATE ON ledger_auditevent
BEGIN SELECT RAISE(ABORT, 'ledger: audit events are never changed'); END;""",
    "ledger_audit_no_delete": """
CREATE TRIGGER ledger_audit_no_delete BEFORE DELETE ON ledger_auditevent
BEGIN SELECT RAISE(ABORT, 'ledger: audit events are never deleted'); END;""",
}

GUARDS = GuardSet(
    name="ledger.auditevent",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_audit_guard": "ledger_auditevent",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={
        "postgresql": [
            "ledger_audit_guard()",
        ]
    },
)

"""Published checkpoints are append-only: a chain head once published is never changed or
deleted (issue 15, point 4)."""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

PG = [
    r"""
CREATE OR REPLACE FUNCTION ledger_published_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: a published checkpoint is never changed or deleted' USING ERRCODE = 'check_violation';
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_published_checkpoint_guard ON ledger_publishedcheckpoint;",
    """CREATE TRIGGER ledger_published_checkpoint_guard
       BEFORE UPDATE OR DELETE ON ledger_publishedcheckpoint
       FOR EACH ROW EXECUTE FUNCTION ledger_published_checkpoint_guard();""",
]

SQLITE = {
    "ledger_published_checkpoint_no_update": """
CREATE TRIGGER ledger_published_checkpoint_no_update BEFORE UPDATE ON ledger_publishedcheckpoint
BEGIN SELECT RAISE(ABORT, 'ledger: a published checkpoint is never changed or deleted'); END;""",
    "ledger_published_checkpoint_no_delete": """
CREATE TRIGGER ledger_published_checkpoint_no_delete BEFORE DELETE ON ledger_publishedcheckpoint
BEGIN SELECT RAISE(ABORT, 'ledger: a published checkpoint is never changed or deleted'); END;""",
}

GUARDS = GuardSet(
    name="ledger.publishedcheckpoint",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_published_checkpoint_guard": "ledger_publishedcheckpoint",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={"postgresql": ["ledger_published_checkpoint_guard()"]},
)

"""Server-side functions of the ledger that are not guards, as guard sets of kind "function".

``ledger_post_entry`` (``post_entry.pg.sql``, PostgreSQL only) runs one posting in one round
trip for ``ledger.services``; the file's header says what it does. It is registered beside the
guards so that ``verify_ledger`` checks it is there and migrations are tested to install it as
it is here, but nothing drops it with the guards.
"""

from pathlib import Path

from common.dbguards import FUNCTION, GuardSet, read_sql_file

POST_ENTRY_SIGNATURE = (
    "ledger_post_entry(text, text, date, text, text, bigint, bigint, timestamptz, text, "
    "bigint[], bigint[], text[], numeric[], text[], text[], bigint, bigint, text, bigint, "
    "text, bytea, bytea)"
)

POST_ENTRY = GuardSet(
    name="ledger.post_entry",
    kind=FUNCTION,
    install_sql={"postgresql": read_sql_file(Path(__file__).with_name("post_entry.pg.sql"))},
    triggers={},
    functions={"postgresql": [POST_ENTRY_SIGNATURE]},
)

# ``fundapp_analyze(regclass)``: fresh planner statistics for one of fundapp's tables, callable by
# the application's role, which owns no table (PostgreSQL 15 lets only the owner ANALYZE):
# SECURITY DEFINER, as the tables' owner who runs the migrations, and only for a table of ours
# that owner owns (common.dbstats calls it after large writes; issue 17, point 7).
ANALYZE = GuardSet(
    name="ledger.analyze",
    kind=FUNCTION,
    install_sql={
        "postgresql": [
            r"""
CREATE OR REPLACE FUNCTION fundapp_analyze(p_table regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  v_name text;
  v_mine boolean;
BEGIN
  SELECT c.relname, pg_has_role(c.relowner, 'USAGE') INTO v_name, v_mine
    FROM pg_class c WHERE c.oid = p_table AND c.relkind IN ('r', 'p');
  IF v_name IS NULL OR NOT v_mine
     OR v_name !~ '^(ledger|approvals|disbursement|fundapp|axes|auth|authtoken)_[a-z0-9_]+$' THEN
    RAISE EXCEPTION 'fundapp_analyze: % is not a table of fundapp', p_table
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('ANALYZE %s', p_table);
END $$;
"""
        ]
    },
    triggers={},
    functions={"postgresql": ["fundapp_analyze(regclass)"]},
)

FUNCTION_SETS = [POST_ENTRY, ANALYZE]

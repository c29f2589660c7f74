"""``fundapp_analyze(regclass)``: fresh planner statistics for one of fundapp's tables, callable
by the application's role (issue 17, point 7).

The application connects as a role that owns no table (docs/operations.md, "Database roles"),
and PostgreSQL 15 lets only a table's owner ANALYZE it. After a large import, batch or cycle
(``common.dbstats``) the plans of the guards and the staff pages need statistics that include
the new rows at once, not at autovacuum's next round. This function runs as its owner (SECURITY
DEFINER, the tables' owner, who runs the migrations), for a table whose name is one of ours and
that the owner owns; nothing else. PostgreSQL only: on SQLite any connection may ANALYZE."""

from django.db import migrations

CREATE = r"""
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
DROP = "DROP FUNCTION IF EXISTS fundapp_analyze(regclass);"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0016_single_posting_checks_leaner")]
    operations = [migrations.RunPython(forward, backward)]

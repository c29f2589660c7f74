-- ledger 0017: fundapp_analyze(regclass), SECURITY DEFINER, for the app role (issue 17, point 7).
-- end of statement

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

-- end of statement

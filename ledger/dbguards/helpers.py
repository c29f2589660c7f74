"""Helpers that write the ledger guards' SQL: the sizing of PL/pgSQL statement checks and
the key of a line's running balance.

Statement-level triggers read their transition tables through plans that PL/pgSQL caches: a
query is planned once, for the size the tables had the first time. A plan made for a one-entry
posting (nested loops) is quadratic on a 100,000-entry batch, so statements of ``SMALL`` rows or
more run the same query through EXECUTE, planned for their real size; small ones keep the cached
plan (planning costs more than running them).
"""

SMALL = 200


def sized(query: str, into: str, size: str, args: tuple[str, ...] = ()) -> str:
    """PL/pgSQL running ``query`` ($1, $2... bound to ``args``) INTO ``into``: a cached plan
    when ``size`` < SMALL, a plan for the real size through EXECUTE otherwise. It sets ``hits``
    to the number of rows found (EXECUTE does not set FOUND)."""
    static = query.rstrip().rstrip(";")
    for number, name in reversed(list(enumerate(args, start=1))):
        static = static.replace(f"${number}", name)
    using = f" USING {', '.join(args)}" if args else ""
    return (
        f"  IF {size} < {SMALL} THEN\n{static}\n  INTO {into};\n  ELSE\n"
        f"  EXECUTE $q${query.rstrip().rstrip(';')}$q$\n  INTO {into}{using};\n  END IF;\n"
        "  GET DIAGNOSTICS hits = ROW_COUNT;\n"
    )


def executed(query: str, into: str) -> str:
    """PL/pgSQL running ``query`` through EXECUTE (planned for the statement's real size) INTO
    ``into``, setting ``hits`` to the rows found."""
    return (
        f"  EXECUTE $q${query.rstrip().rstrip(';')}$q$\n  INTO {into};\n"
        "  GET DIAGNOSTICS hits = ROW_COUNT;\n"
    )


# A journal line's running-balance key, seen from a row trigger on SQLite (``{cur}``: the row's
# currency column, ``amount_currency`` on lines and ``currency`` on balances).
LINE_KEY = (
    "l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.{cur}"
)

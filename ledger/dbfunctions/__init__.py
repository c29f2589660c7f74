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

FUNCTION_SETS = [POST_ENTRY]

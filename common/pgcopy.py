"""PostgreSQL's COPY text format, for the bulk paths that write many rows in one statement
(the ledger's batch postings, the payouts' bank result import).

Written by hand: the format is four escapes and a NULL marker, and the bulk paths build each
row as one tab-separated line (one ``str.translate`` per text field) rather than handing psycopg
a tuple per row. The ledger and the payouts each had a copy of this; now there is one.
"""

NULL = "\\N"  # NULL in COPY's text format
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A text value in COPY's text format: backslash, tab, line feed and carriage return escaped
    (memos, references and the bank's own words may hold any of them)."""
    return value.translate(_ESCAPES) if value else value

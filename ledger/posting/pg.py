"""The PostgreSQL writers: a batch with COPY, and one entry in one round trip.

``write_rows`` is the PostgreSQL twin of ``posting.orm.write_rows``: the same rows, hashes and
ids, written with COPY and flipped to posted in one UPDATE. Building a Django model per row and
rendering multi-row INSERTs cost more than everything else in a large batch; COPY takes plain
text. The statement-level triggers check the COPY and the flip exactly as they check the ORM's
INSERTs and UPDATE.

``post_one`` is the whole of a single posting (``posting.batch.post`` for one entry) run
server-side by the SQL function ``ledger_post_entry`` (installed with the guards, see
``ledger.dbguards``), so posting one entry is one round trip (plus a savepoint pair inside a
caller's transaction) instead of a dozen. The rows are the same as the batch path writes,
hashes included; every trigger fires as for the batch path.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models.base import ModelState
from django.utils import timezone

from common.pgcopy import NULL, copy_text

from .. import hashing
from ..chainkeys import ChainKey, keyring
from ..models import ChainHead, EntryStatus, JournalEntry, JournalLine, Period
from . import batch
from .batch import CHUNK, BalanceKey
from .prepare import DEBIT, PreparedEntry
from .refusals import key_conflict, period_closed

_ENTRY_COLUMNS = [f.column for f in JournalEntry._meta.concrete_fields]
_ENTRY_ATTNAMES = [f.attname for f in JournalEntry._meta.concrete_fields]
# ``write_rows`` builds its rows in this order; a new field must be added there too.
assert _ENTRY_COLUMNS == [  # noqa: S101
    "id",
    "seq",
    "date",
    "period_id",
    "memo",
    "source",
    "status",
    "idempotency_key",
    "content_hash",
    "prev_hash",
    "hash",
    "reverses_id",
    "posted_by_id",
    "posted_at",
    "made_by_id",
    "approved_by_id",
    "reason",
    "income_receipt_id",
], _ENTRY_COLUMNS
# The columns ``ledger_post_entry`` returns for the period, in this order.
_PERIOD_ATTNAMES = ["id", "code", "start", "end", "status", "closed_at", "closed_by_id"]
assert [f.attname for f in Period._meta.concrete_fields] == _PERIOD_ATTNAMES, (  # noqa: S101
    [f.attname for f in Period._meta.concrete_fields]
)
_LINE_COLUMNS = (
    "id, entry_id, line_no, account_id, fund_id, side, amount_currency, amount, balance_after, memo"
)


def _id_text(value: int | None) -> str:
    return NULL if value is None else str(value)


def _reserve_ids(cursor, table: str, count: int) -> range:
    """A block of ``count`` ids from the table's own sequence, ascending.

    The block is taken by moving the sequence past it in one statement. Every posting holds the
    chain-head lock, so no other posting takes ids meanwhile; a writer going around the
    services at that very moment would collide on the primary key and be refused, never mixed
    in silently.
    """
    if not count:
        return range(0)
    cursor.execute(
        "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') AS s",
        [count, table],
    )
    last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


def write_rows(
    to_post: list[PreparedEntry],
    periods: dict[date, Period],
    running: dict[BalanceKey, Decimal],
    seq: int,
    prev_hash: str,
    actor_id: int | None,
    now: datetime,
    created: dict[str, JournalEntry],
    key: ChainKey,
) -> tuple[int, str, dict[BalanceKey, JournalLine]]:
    """The same rows as ``posting.orm.write_rows``, written with COPY and flipped in one UPDATE.

    The ids come from the tables' own sequences (``_reserve_ids``) so they ascend in posting
    order as the ORM's would.
    """
    n_lines = sum(len(p.lines) for p in to_post)
    entries: list[tuple] = []
    entry_text: list[str] = []
    line_text: list[str] = []
    last_line_ids: dict[BalanceKey, int] = {}
    first_seq = seq + 1
    zero = Decimal("0.00")
    draft, posted = EntryStatus.DRAFT.value, EntryStatus.POSTED.value
    actor_text = NULL if actor_id is None else str(actor_id)
    now_text = now.isoformat()
    now_token = hashing.timestamp_token(now)
    with connection.cursor() as cursor:
        entry_ids = _reserve_ids(cursor, JournalEntry._meta.db_table, len(to_post))
        line_id = (_reserve_ids(cursor, JournalLine._meta.db_table, n_lines) or [0])[0]
        for p, entry_id in zip(to_post, entry_ids, strict=True):
            seq += 1
            digest = hashing.entry_hash(
                prev_hash=prev_hash,
                seq=seq,
                idempotency_key=p.key,
                content=p.content_hash,
                posted_by_id=actor_id,
                posted_at=now,
                posted_at_token=now_token,
                key=key,
            )
            spec = p.spec
            period_id = periods[spec.date].pk
            reverses_id = spec.reverses.pk if spec.reverses else None
            # In the order of JournalEntry's concrete fields (_ENTRY_COLUMNS).
            entries.append(
                (
                    entry_id,
                    seq,
                    spec.date,
                    period_id,
                    spec.memo,
                    spec.source,
                    posted,
                    p.key,
                    p.content_hash,
                    prev_hash,
                    digest,
                    reverses_id,
                    actor_id,
                    now,
                    spec.made_by_id,
                    spec.approved_by_id,
                    spec.reason,
                    spec.income_receipt_id,
                )
            )
            entry_text.append(
                f"{entry_id}\t{seq}\t{spec.date.isoformat()}\t{period_id}\t"
                f"{copy_text(spec.memo)}\t{copy_text(spec.source)}\t{draft}\t"
                f"{copy_text(p.key)}\t{p.content_hash}\t{prev_hash}\t{digest}\t"
                f"{NULL if reverses_id is None else reverses_id}\t{actor_text}\t{now_text}\t"
                f"{_id_text(spec.made_by_id)}\t{_id_text(spec.approved_by_id)}\t"
                f"{copy_text(spec.reason)}\t{_id_text(spec.income_receipt_id)}\n"
            )
            prev_hash = digest
            for line_no, (account, fund, side, value, currency, memo) in enumerate(p.lines, 1):
                k = (account.id, fund.id, currency)
                after = running.get(k, zero) + (value if side == DEBIT else -value)
                running[k] = after
                line_text.append(
                    f"{line_id}\t{entry_id}\t{line_no}\t{k[0]}\t{k[1]}\t{side}\t{currency}\t"
                    f"{value:f}\t{after:f}\t{copy_text(memo)}\n"
                )
                last_line_ids[k] = line_id
                line_id += 1
        columns = ", ".join(f'"{c}"' for c in _ENTRY_COLUMNS)
        with cursor.copy(f"COPY ledger_journalentry ({columns}) FROM STDIN") as copy:
            for start in range(0, len(entry_text), CHUNK):
                copy.write("".join(entry_text[start : start + CHUNK]))
        with cursor.copy(f"COPY ledger_journalline ({_LINE_COLUMNS}) FROM STDIN") as copy:
            for start in range(0, len(line_text), CHUNK):
                copy.write("".join(line_text[start : start + CHUNK]))
        cursor.execute(
            "UPDATE ledger_journalentry SET status = %s WHERE seq >= %s AND seq <= %s",
            [posted, first_seq, seq],
        )
    # The same instances the ORM path returns (saved, posted, period and reversal cached).
    # ``Model.from_db`` runs ``Model.__init__`` per row, which cost more than the COPY of the
    # rows in a 100,000-entry batch; the instances are filled the way ``__init__`` leaves them
    # (attribute per concrete field, a saved ModelState). JournalEntry has no init signals.
    alias = connection.alias
    attnames = _ENTRY_ATTNAMES
    new = object.__new__
    for row, p in zip(entries, to_post, strict=True):
        entry = new(JournalEntry)
        entry.__dict__.update(zip(attnames, row, strict=True))
        state = entry._state = ModelState()
        state.adding, state.db = False, alias
        state.fields_cache = {"period": periods[p.spec.date], "reverses": p.spec.reverses}
        created[p.key] = entry
    # The stored balances only need the last line's id (Balance.last_line).
    last_line = {k: JournalLine(id=line_id) for k, line_id in last_line_ids.items()}
    return seq, prev_hash, last_line


_POST_ENTRY_SQL = (
    "SELECT * FROM ledger_post_entry(%s::text, %s::text, %s::date, %s::text, %s::text, "
    "%s::bigint, %s::bigint, %s::timestamptz, %s::text, "
    "%s::bigint[], %s::bigint[], %s::text[], %s::numeric[], %s::text[], %s::text[], "
    "%s::bigint, %s::bigint, %s::text, %s::bigint, %s::text, %s::bytea, %s::bytea)"
)

_REFUSED = "ledger_post_entry refused"
# The id of the key the chain head's open segment named when this process last posted: the key
# the function is called with. The function answers 'rekey' when it is no longer that one.
_open_key_id: str = ""


def _array(items) -> str:
    """A PostgreSQL array literal of plain tokens (ids, sides, amounts, currency codes).

    Written by hand because psycopg's list dumper looks up a dumper per element and then picks
    the smallest element type: a fifth of a single posting's time on the client for six short
    arrays. A literal in a text parameter is cast by the statement (``%s::bigint[]``)."""
    return "{" + ",".join(items) + "}"


def _text_array(items) -> str:
    """A PostgreSQL array literal of free text: every element double-quoted, backslash and
    double quote escaped (the array input syntax), so commas, braces and spaces stay data."""
    return (
        "{"
        + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
        + "}"
    )


def post_one(p: PreparedEntry, actor) -> JournalEntry:
    """Post one prepared entry in one round trip (or answer its retry); PostgreSQL only.

    The entry is hashed server-side with the open segment's key, passed as its HMAC pads. When the
    head's open segment is not the key this process believed (after a rotation, or on the
    chain's very first keyed posting, when a segment must be opened) the function writes nothing
    and answers 'rekey': the key is looked up again, or the posting goes the batch way, which
    opens the first segment (``ledger.segments``)."""
    global _open_key_id
    ring = keyring()
    for _attempt in range(3):
        # A guess (the function checks it): the key last seen open, else the current one.
        key = ring.keys.get(_open_key_id) or ring.current
        entry = _call_post_entry(p, actor, key)
        if entry is not None:
            return entry
        head_key_id = ChainHead.objects.filter(pk=1).values_list("key_id", flat=True).first()
        if not head_key_id:
            with transaction.atomic():
                return batch.post([p], actor, write_rows)[0]
        _open_key_id = head_key_id
        ring.get(head_key_id)  # configured nowhere: ChainKeyMissing, nothing posted
    raise RuntimeError("the chain's open segment kept changing")  # pragma: no cover


def _cursor():
    """A cursor that binds parameters server-side, so psycopg prepares the call once per
    connection (after ``prepare_threshold`` uses) and later postings send only its parameters.

    Django's cursors bind client-side (``server_side_binding`` is off by default, and turning
    it on for the whole project changes how every ORM query is sent): each posting's call was
    a new statement text, parsed, analysed and planned by the server every time (a sixteenth
    of its server time). The cursor is Django's own server-binding class wrapped as
    ``connection.cursor()`` wraps its cursors (error translation, query logging in DEBUG)."""
    conn = connections[DEFAULT_DB_ALIAS]  # one look-up; each ``connection.x`` is one more
    conn.ensure_connection()
    return conn._prepare_cursor(ServerBindingCursor(conn.connection))


def _call_post_entry(p: PreparedEntry, actor, key: ChainKey) -> JournalEntry | None:
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    spec = p.spec
    now = timezone.now()
    lines = p.lines
    ipad, opad = key.pads
    params = (
        p.key,
        p.content_hash,
        spec.date.isoformat(),
        spec.memo,
        spec.source,
        spec.reverses.pk if spec.reverses else None,
        actor_id,
        now.isoformat(),
        hashing.timestamp_token(now),
        _array([str(line.account.id) for line in lines]),
        _array([str(line.fund.id) for line in lines]),
        _array([line.side for line in lines]),
        _array([f"{line.amount:f}" for line in lines]),
        _array([line.currency for line in lines]),
        _text_array([line.memo for line in lines]),
        spec.made_by_id,
        spec.approved_by_id,
        spec.reason,
        spec.income_receipt_id,
        key.id,
        ipad,
        opad,
    )
    try:
        if connection.get_autocommit():
            # Outside any transaction one statement is its own transaction: atomic as it is.
            with _cursor() as cursor:
                cursor.execute(_POST_ENTRY_SQL, params)
                row = cursor.fetchone()
        else:
            with transaction.atomic(), _cursor() as cursor:
                cursor.execute(_POST_ENTRY_SQL, params)
                row = cursor.fetchone()
    except DatabaseError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if diag is None or diag.message_primary != _REFUSED:
            raise
        reason, _sep, value = (diag.message_detail or "").partition("|")
        if reason == "conflict":
            raise key_conflict(p.key, int(value)) from None
        if reason == "closed":
            raise period_closed(value, spec.date) from None
        raise  # pragma: no cover - the function raises exactly these two refusals
    outcome, entry_id, seq, prev_hash, digest = row[:5]
    if outcome == "rekey":
        return None
    if outcome == "existing":
        return JournalEntry.objects.get(pk=entry_id)
    # Built as ``write_rows`` builds its instances (``Model.__init__`` was a twentieth of a
    # single posting's time): an attribute per concrete field and a saved ModelState.
    alias = connection.alias
    period = object.__new__(Period)
    period.__dict__.update(zip(_PERIOD_ATTNAMES, row[5:12], strict=True))
    state = period._state = ModelState()
    state.adding, state.db = False, alias
    entry = object.__new__(JournalEntry)
    entry.__dict__.update(
        zip(
            _ENTRY_ATTNAMES,
            (
                entry_id,
                seq,
                spec.date,
                period.id,
                spec.memo,
                spec.source,
                EntryStatus.POSTED.value,
                p.key,
                p.content_hash,
                prev_hash,
                digest,
                spec.reverses.pk if spec.reverses else None,
                actor_id,
                now,
                spec.made_by_id,
                spec.approved_by_id,
                spec.reason,
                spec.income_receipt_id,
            ),
            strict=True,
        )
    )
    state = entry._state = ModelState()
    state.adding, state.db = False, alias
    state.fields_cache = {"period": period, "reverses": spec.reverses}
    return entry


__all__ = ["post_one", "write_rows"]

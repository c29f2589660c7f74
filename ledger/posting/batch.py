"""A batch of prepared entries written under the books lock: steps 2 to 4 of a posting.

``post()`` runs inside the caller's transaction and:

2. locks the single ``ChainHead`` row (``ledger.locks``). That serialises postings, which the hash
   chain needs anyway, and means there is exactly one lock to take, so postings cannot deadlock;
3. answers retries: an idempotency key already used with the same content returns the first
   entry, with different content raises ``IdempotencyConflict`` (so does one key twice in the
   batch with different content); checks that the new entries leave every fund's available
   money at zero or more (``posting.controls``);
4. finds each date's period (opening the month's period where none exists; a closed one
   refuses), reads the opening balances of every account x fund x currency touched, has the
   engine's row writer (``posting.orm`` or ``posting.pg``) insert the entries as drafts with
   their lines and running balances and flip them to posted (the database re-checks everything,
   ``dbguards``), then upserts the stored balances and moves the chain head.

The row writer is passed in: ``posting.write`` chooses it by engine.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ..chainkeys import ChainKey
from ..exceptions import IdempotencyConflict
from ..locks import lock_head
from ..models import Balance, ChainHead, JournalEntry, JournalLine, Period, PeriodStatus
from ..segments import segment_key
from .controls import check_available
from .prepare import PreparedEntry
from .refusals import key_conflict, period_closed

CHUNK = 5000  # entries per statement: INSERT, COPY write, key look-up

BalanceKey = tuple[int, int, str]  # account id, fund id, currency
# The engine's row writer: (to_post, periods, running, seq, prev_hash, actor_id, now, created,
# key) -> (last seq, last hash, the last line written per balance key). It fills ``running``
# with each key's balance after its last line and ``created`` with the new entries by key;
# ``key`` is the chain key the entries are hashed with (``ledger.segments``).
RowWriter = Callable[
    [
        list[PreparedEntry],
        dict[date, Period],
        dict[BalanceKey, Decimal],
        int,
        str,
        int | None,
        datetime,
        dict[str, JournalEntry],
        ChainKey,
    ],
    tuple[int, str, dict[BalanceKey, JournalLine]],
]


def _month_period(day: date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period.objects.create(
        code=f"{day.year:04d}-{day.month:02d}", start=day.replace(day=1), end=day.replace(day=last)
    )


def _periods_for(dates: set[date]) -> dict[date, Period]:
    """The period of each date, opening the month's period where none exists yet."""
    lo, hi = min(dates), max(dates)
    periods = list(Period.objects.filter(start__lte=hi, end__gte=lo))
    found: dict[date, Period] = {}
    for day in sorted(dates):
        period = next((p for p in periods if p.start <= day <= p.end), None)
        if period is None:
            period = _month_period(day)
            periods.append(period)
        if period.status != PeriodStatus.OPEN:
            raise period_closed(period.code, day)
        found[day] = period
    return found


def _existing(prepared: list[PreparedEntry]) -> dict[str, JournalEntry]:
    keys = list({p.key for p in prepared})
    found = {}
    if connection.vendor == "postgresql" and len(keys) > 1:
        # One array parameter instead of IN lists of thousands of literals; retries are rare,
        # so only the keys found are loaded as model instances.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM ledger_journalentry WHERE idempotency_key = ANY(%s::text[])",
                [keys],
            )
            ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), CHUNK):
            for entry in JournalEntry.objects.filter(pk__in=ids[start : start + CHUNK]):
                found[entry.idempotency_key] = entry
        return found
    for start in range(0, len(keys), CHUNK):
        for entry in JournalEntry.objects.filter(idempotency_key__in=keys[start : start + CHUNK]):
            found[entry.idempotency_key] = entry
    return found


def post(prepared: list[PreparedEntry], actor, write_rows: RowWriter) -> list[JournalEntry]:
    """Post ``prepared`` (call inside ``transaction.atomic()``); the entries in their order.

    An entry whose key was already posted with the same content is answered with the first
    entry and not written again.
    """
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    head = lock_head()

    # Retries and conflicts, against the books and inside this batch.
    existing = _existing(prepared)
    seen: dict[str, PreparedEntry] = {}
    to_post: list[PreparedEntry] = []
    for p in prepared:
        first = existing.get(p.key)
        if first is not None:
            if first.content_hash != p.content_hash:
                raise key_conflict(p.key, first.seq)
            continue
        twin = seen.get(p.key)
        if twin is not None:
            if twin.content_hash != p.content_hash:
                raise IdempotencyConflict(
                    _(
                        "The idempotency key %(key)s appears twice in this batch with different content."
                    )
                    % {"key": p.key}
                )
            continue
        seen[p.key] = p
        to_post.append(p)

    created: dict[str, JournalEntry] = {}
    if to_post:
        check_available(to_post)
        periods = _periods_for({p.spec.date for p in to_post})
        key = segment_key(head)
        now = timezone.now()

        # Opening balances of every account x fund x currency touched.
        keys = {(a.id, f.id, c) for p in to_post for a, f, _s, _v, c, _m in p.lines}
        account_ids = {k[0] for k in keys}
        fund_ids = {k[1] for k in keys}
        running: dict[BalanceKey, Decimal] = {}
        counts: dict[BalanceKey, int] = defaultdict(int)
        for account_id, fund_id, currency, balance, line_count in Balance.objects.filter(
            account_id__in=account_ids, fund_id__in=fund_ids
        ).values_list("account_id", "fund_id", "currency", "balance", "line_count"):
            running[(account_id, fund_id, currency)] = balance
            counts[(account_id, fund_id, currency)] = line_count
        # Each key's line count grows by its lines here (the guard checks exactly that).
        for p in to_post:
            for a, f, _s, _v, c, _m in p.lines:
                counts[(a.id, f.id, c)] += 1

        seq, prev_hash, last_line = write_rows(
            to_post, periods, running, head.last_seq, head.last_hash, actor_id, now, created, key
        )

        Balance.objects.bulk_create(
            [
                Balance(
                    account_id=k[0],
                    fund_id=k[1],
                    currency=k[2],
                    balance=running[k],
                    last_line=line,
                    line_count=counts[k],
                )
                for k, line in last_line.items()
            ],
            update_conflicts=True,
            unique_fields=["account", "fund", "currency"],
            update_fields=["balance", "last_line", "line_count"],
        )
        ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev_hash)

    return [existing.get(p.key) or created[p.key] for p in prepared]


__all__ = ["CHUNK", "BalanceKey", "RowWriter", "post"]

"""Helpers shared by the payout services: permission checks, progress reporting, the fund's
money check."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from common import permissions
from ledger.models import Fund
from ledger.selectors import fund_position

from ..exceptions import InsufficientFunds, InvalidInput, NotAllowed
from ..models import JobProgress, JobStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def require_perm(actor, perm: str) -> None:
    """``common.permissions.require_perm`` refusing with this app's ``NotAllowed``."""
    permissions.require_perm(actor, perm, error=NotAllowed)


def required_text(value, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(what)s is required: write it out.") % {"what": what})
    return text


def money_text(value: Decimal, currency: str) -> str:
    return f"{currency} {value.quantize(CENT):,}"


class Progress:
    """Reports how far a long job is: to a ``JobProgress`` row (a page polls it) and/or a
    callback (a management command prints it), and keeps the row's heartbeat fresh.

    The row is written with a plain UPDATE on the job's own connection, at most every
    ``JOB_HEARTBEAT_INTERVAL`` seconds (``start`` and the last step always): each write also
    sets ``heartbeat_at``, the sign of life the reaper reads (``jobs_reap``), so it costs no
    statement of its own. ``beat`` writes the heartbeat alone, for a stretch of work that has no
    steps to report. A write also takes back a job the reaper marked ``interrupted`` while it
    was in fact alive (a stretch longer than ``JOB_HEARTBEAT_TIMEOUT``): it runs, so it says so.

    The services call ``step`` between their transactions (each chunk of a result import commits
    on its own), so a poller sees the figures as they move; inside one transaction they show at
    its commit, and the row stays locked by that live transaction (on PostgreSQL the reaper
    skips a locked row: a row lock is held only by a live connection).
    """

    def __init__(
        self,
        job: JobProgress | int | None = None,
        callback: Callable[[int, int, str], None] | None = None,
    ):
        self.job_id = job.pk if isinstance(job, JobProgress) else job
        self.callback = callback
        self.total = 0
        self.current = 0
        self.message = ""
        self._written = float("-inf")  # time.monotonic() of the last write to the row

    def start(self, total: int, message: str = "") -> None:
        self.total, self.current, self.message = total, 0, message
        self._write(status=JobStatus.RUNNING)

    def step(self, current: int, message: str | None = None) -> None:
        self.current = current
        if message is not None:
            self.message = message
        if current >= self.total or self._due():
            self._write()
        elif self.callback is not None:
            self.callback(self.current, self.total, self.message)

    def beat(self) -> None:
        """Tell the reaper the job is alive (cheap: at most one UPDATE every few seconds)."""
        if self.job_id is not None and self._due():
            self._written = time.monotonic()
            JobProgress.objects.filter(pk=self.job_id).update(
                heartbeat_at=timezone.now(), status=_revived()
            )

    def _due(self) -> bool:
        return time.monotonic() - self._written >= heartbeat_interval()

    def _write(self, **extra) -> None:
        if self.job_id is not None:
            self._written = time.monotonic()
            extra.setdefault("status", _revived())
            JobProgress.objects.filter(pk=self.job_id).update(
                current=self.current,
                total=self.total,
                message=self.message[:200],
                heartbeat_at=timezone.now(),
                **extra,
            )
        if self.callback is not None:
            self.callback(self.current, self.total, self.message)


def _revived():
    """The status a progress write leaves: ``running`` for a job marked interrupted (it has
    just shown it is alive), unchanged otherwise."""
    return Case(
        When(status=JobStatus.INTERRUPTED, then=Value(JobStatus.RUNNING.value)),
        default=F("status"),
    )


def heartbeat_interval() -> float:
    """Seconds between two writes of a job's progress row (``JOB_HEARTBEAT_INTERVAL``)."""
    return float(getattr(settings, "JOB_HEARTBEAT_INTERVAL", 2.0))


def heartbeat_timeout() -> float:
    """Seconds without a heartbeat after which a running job counts as interrupted
    (``JOB_HEARTBEAT_TIMEOUT``)."""
    return float(getattr(settings, "JOB_HEARTBEAT_TIMEOUT", 300.0))


NO_PROGRESS = Progress()


def without_jit() -> None:
    """PostgreSQL: no JIT compilation for the rest of the current transaction.

    The payout statements over a whole batch (100,000 rows) cost enough to cross PostgreSQL's
    ``jit_above_cost``, and compiling them took longer than running them (0.66 s of a 3.9 s
    batch insert). ``SET LOCAL`` ends with the transaction; call it inside ``atomic()``.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def bank_cash(fund: Fund, currency: str) -> Decimal:
    for position in fund_position(fund=fund):
        if position.currency == currency:
            return position.cash_at_bank
    return ZERO


def available(fund: Fund, currency: str) -> Decimal:
    for position in fund_position(fund=fund):
        if position.currency == currency:
            return position.available
    return ZERO


def check_payout_cover(*, fund: Fund, currency: str, amount: Decimal, exclude_batch=None) -> None:
    """The batch rule (call under the ledger's posting lock): the fund's cash at bank covers this
    batch plus every other approved batch of the fund not yet paid out.

    Awards are already in awards payable (they were checked against ``available`` when they were
    booked), so paying them does not change what the fund may still commit; what a payout needs
    is cash in the bank, and money already promised to the bank in an approved batch is not
    there for another one.
    """
    from ..selectors import fund_committed

    bank = bank_cash(fund, currency)
    committed = fund_committed(fund=fund, currency=currency, exclude_batch=exclude_batch)
    if bank - committed < amount:
        raise InsufficientFunds(
            _(
                "Fund %(fund)s cannot pay this batch: it needs %(need)s, the bank holds %(bank)s "
                "and %(committed)s of that is already committed to approved batches not yet paid, "
                "so %(free)s is available for payouts. Add money to the fund or make the batch "
                "smaller."
            )
            % {
                "fund": fund.code,
                "need": money_text(amount, currency),
                "bank": money_text(bank, currency),
                "committed": money_text(committed, currency),
                "free": money_text(max(bank - committed, ZERO), currency),
            }
        )


def export_dir() -> Path:
    """Where exported bank files wait for download (they hold whole account numbers: keep the
    folder private; the default lies outside MEDIA_ROOT so it is never served)."""
    return Path(getattr(settings, "PAYOUT_EXPORT_DIR", settings.BASE_DIR / "var" / "bankfiles"))

"""Per-entry cost of the entry hash, unkeyed (legacy SHA-256) against keyed (HMAC-SHA256), in
Python (both row writers) and in PostgreSQL's posting function (not a test; no Django needed
for the Python half).

    python bench/chain_hash.py                      # Python only
    python bench/chain_hash.py postgres://postgres@127.0.0.1:5432/postgres   # and PostgreSQL
"""

from __future__ import annotations

import os
import sys
import timeit
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundapp.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from ledger import hashing  # noqa: E402
from ledger.chainkeys import make_key  # noqa: E402

N = 200_000
KEY = make_key("k" * 48)
NOW = datetime.now(UTC)
TOKEN = hashing.timestamp_token(NOW)
ARGS = {
    "prev_hash": "a" * 64,
    "seq": 123456,
    "idempotency_key": "donation:1234567",
    "content": "c" * 64,
    "posted_by_id": 7,
    "posted_at": NOW,
    "posted_at_token": TOKEN,
}


def per_entry(key) -> float:
    run = timeit.repeat(lambda: hashing.entry_hash(**ARGS, key=key), number=N, repeat=5)
    return min(run) / N * 1e6


def python() -> None:
    legacy, keyed = per_entry(None), per_entry(KEY)
    print(f"Python, per entry: legacy SHA-256 {legacy:.2f} us, keyed HMAC {keyed:.2f} us, "
          f"+{keyed - legacy:.2f} us")  # fmt: skip


def postgres(url: str) -> None:
    import psycopg

    ipad, opad = KEY.pads
    n = 200_000
    msg = "'aaaa|' || g || '|' || repeat('c', 64) || '|7|2026-01-01T00:00:00.000000Z'"
    with psycopg.connect(url) as conn:
        times = {}
        for name, expr in (
            ("legacy", f"encode(sha256(convert_to({msg}, 'UTF8')), 'hex')"),
            (
                "keyed",
                f"encode(sha256(%(o)s || sha256(%(i)s || convert_to({msg}, 'UTF8'))), 'hex')",
            ),
        ):
            best = None
            for _ in range(5):
                t0 = timeit.default_timer()
                conn.execute(
                    f"SELECT count(DISTINCT {expr}) FROM generate_series(1, {n}) g",
                    {"i": ipad, "o": opad},
                ).fetchone()
                took = timeit.default_timer() - t0
                best = took if best is None else min(best, took)
            times[name] = best / n * 1e6
    print(f"PostgreSQL, per entry: legacy {times['legacy']:.2f} us, keyed {times['keyed']:.2f} us, "
          f"+{times['keyed'] - times['legacy']:.2f} us")  # fmt: skip


if __name__ == "__main__":
    python()
    if len(sys.argv) > 1:
        postgres(sys.argv[1])

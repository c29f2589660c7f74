"""Application metrics for Prometheus (issue 17, point 3), beside the request metrics of
django-prometheus' middleware: postings written by the ledger and long jobs finished.

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before they
start (docs/deploy.md): prometheus_client then adds up every worker's figures when /metrics is
read."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

POSTINGS = Counter(
    "fundapp_ledger_postings",
    "Journal entries returned by the ledger's posting (new, or answered again for a retry).",
    ["engine"],
)
POSTING_SECONDS = Histogram(
    "fundapp_ledger_posting_seconds",
    "Time of one call of the ledger's posting (one entry or a batch), in seconds.",
    ["engine"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
JOBS = Counter(
    "fundapp_jobs_finished",
    "Long jobs finished, by kind and outcome.",
    ["kind", "status"],
)

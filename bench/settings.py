"""Settings for the benchmarks: the project's settings plus django-hordak, the peer we measure
against in the same run and on the same database.

PostgreSQL only: hordak's migrations refuse SQLite, and the figures in ``docs/benchmarks.md`` are
PostgreSQL figures. ``DEBUG`` is forced off, because with it on Django keeps every query in
memory and the timings would measure that instead of the ledger.
"""

import os

from django.core.exceptions import ImproperlyConfigured

# The benchmark serves no pages; a secret key is only needed so that settings load with DEBUG off.
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")  # noqa: S105
# The chain is keyed (issue 12): the benchmark measures the keyed hash, with a key of its own.
os.environ.setdefault("LEDGER_CHAIN_KEY", "bench-only-chain-key-not-a-secret-0123456789abcdef")

from fundapp.settings import *  # noqa: E402, F403
from fundapp.settings import DATABASES, INSTALLED_APPS  # noqa: E402

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "mptt", "hordak"]

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/dbname "
        "(django-hordak, the peer, runs on PostgreSQL only)."
    )

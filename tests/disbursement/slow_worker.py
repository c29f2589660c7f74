"""The project's Celery worker, slowed down for the kill -9 test (test_job_worker_kill.py).

Run as ``python tests/disbursement/slow_worker.py [celery worker options]``. It is the worker
``celery -A fundapp worker`` starts, with two changes made here, in the test's process only, so
that the test can kill it half-way through a result import: each progress step of a job sleeps
``SLOW_WORKER_STEP_DELAY`` seconds, and an import applies one payment per chunk. Nothing in the
project's own code waits for a test.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundapp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from disbursement.services import Progress  # noqa: E402
from fundapp.celery import app  # noqa: E402

settings.PAYOUT_IMPORT_CHUNK = 1
DELAY = float(os.environ.get("SLOW_WORKER_STEP_DELAY", "0.5"))
_step = Progress.step


def slow_step(self, current, message=None):
    _step(self, current, message)
    time.sleep(DELAY)


Progress.step = slow_step

if __name__ == "__main__":
    app.worker_main(["worker", *sys.argv[1:]])

"""gunicorn settings for fundapp (``make serve``, deploy/systemd/fundapp-web.service), from the
environment so one file serves every host:

- ``BIND`` (default ``127.0.0.1:8000``: nginx in front, docs/deploy.md)
- ``WEB_CONCURRENCY`` worker processes (default 2 x cores + 1, at most 8)
- ``WEB_THREADS`` threads per worker (default 1: sync workers)
- ``WEB_TIMEOUT`` seconds before a stuck worker is restarted (default 60; long work runs in
  Celery jobs, not in requests)
- ``PROMETHEUS_MULTIPROC_DIR``: with several workers, an empty folder where each worker writes
  its metrics, so /metrics adds them up (cleared at start by ``on_starting``)
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 8)))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter), so a slow leak cannot grow.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The request id (common.requestid) in every access line, to match the application's JSON log.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
# Behind nginx on the same host: trust its X-Forwarded-* (the app itself trusts only
# TRUSTED_PROXIES for the client address, common.clientip).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

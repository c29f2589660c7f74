"""Crash safety: a result import interrupted half-way and run again ends with every payment
booked exactly once. Simulated on both engines (an error raised after some chunks); on
PostgreSQL the importing process is really killed mid-way and the command run again."""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from disbursement import selectors, services
from disbursement.models import BankResultImport, Payment
from disbursement.services import results as results_module
from ledger.models import JournalEntry
from ledger.verification import verify_ledger
from tests.approvals.factories import fund_money

from .conftest import finalise
from .util import bank, csv_bytes, payable, result_rows

ROOT = Path(__file__).resolve().parents[2]


def _keys_booked_once(batch):
    for payment in Payment.objects.filter(batch=batch):
        assert JournalEntry.objects.filter(idempotency_key=f"pay:{payment.pk}").count() == 1


def test_an_import_interrupted_half_way_resumes_and_books_each_payment_once(
    people, relief, world, layout, make_households, monkeypatch
):
    # given an exported batch of six awards and the bank's all-paid result file
    fund_money(10000, "RELIEF")
    finalise(relief, make_households(6), people, world)
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    content = csv_bytes(result_rows(Payment.objects.filter(batch=batch).order_by("id")))
    bank_before = bank("RELIEF")

    # when the import dies in its third chunk of two payments, after that chunk's entries were
    # posted but before its payments were marked
    real_apply, real_write = results_module._apply_chunk, results_module._write_results
    calls = {"n": 0}

    def power_cut(*args, **kwargs):
        raise KeyboardInterrupt("power cut")

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            monkeypatch.setattr(results_module, "_write_results", power_cut)
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(results_module, "_apply_chunk", dying)
    with pytest.raises(KeyboardInterrupt):
        services.results_import(
            batch=batch,
            layout=layout,
            content=content,
            filename="r.csv",
            actor=people.officer,
            chunk_size=2,
        )

    # then the first four are booked, the third chunk's entries rolled back with it, the last
    # two not booked, and the import is unfinished
    assert JournalEntry.objects.filter(idempotency_key__startswith="pay:").count() == 4
    assert Payment.objects.filter(batch=batch, status="paid").count() == 4
    assert BankResultImport.objects.get().status == "applying"
    assert payable("RELIEF") == Decimal("2000.00")

    # when the same file is imported again
    monkeypatch.setattr(results_module, "_apply_chunk", real_apply)
    monkeypatch.setattr(results_module, "_write_results", real_write)
    imp = services.results_import(
        batch=batch, layout=layout, content=content, filename="r.csv", actor=people.officer
    )

    # then it finished: every payment booked exactly once, payable and bank exact
    assert imp.status == "done" and imp.paid_count == 6 and imp.already_count == 0
    assert Payment.objects.filter(batch=batch, status="paid").count() == 6
    _keys_booked_once(batch)
    assert payable("RELIEF") == Decimal("0.00")
    assert bank("RELIEF") == bank_before - Decimal("6000.00")
    assert selectors.batch_reconciliation(batch).agrees
    assert verify_ledger().ok


def _url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killing_the_import_command_and_running_it_again_books_each_payment_once(
    people, relief, world, layout, make_households, tmp_path
):
    # given an exported batch of 24 awards, committed, and the bank's all-paid file
    fund_money(30000, "RELIEF")
    finalise(relief, make_households(24), people, world)
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    path = tmp_path / "result.csv"
    path.write_bytes(csv_bytes(result_rows(Payment.objects.filter(batch=batch).order_by("id"))))
    bank_before = bank("RELIEF")
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": _url()}
    command = [
        sys.executable,
        "manage.py",
        "import_bank_results",
        str(batch.pk),
        layout.name,
        str(path),
        "--user",
        "officer",
        "--chunk-size",
        "1",
    ]

    # when the command is killed (SIGKILL) once some payments are booked
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while Payment.objects.filter(batch=batch, status="paid").count() < 3:
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the import did not start booking"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    paid_at_kill = Payment.objects.filter(batch=batch, status="paid").count()
    assert 3 <= paid_at_kill < 24, "killed too late to prove anything"

    # and run again to the end
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "import_bank_results:" in done.stdout  # the progress line

    # then every payment is booked exactly once and the figures are exact
    assert Payment.objects.filter(batch=batch, status="paid").count() == 24
    _keys_booked_once(batch)
    assert payable("RELIEF") == Decimal("0.00")
    assert bank("RELIEF") == bank_before - Decimal("24000.00")
    assert verify_ledger().ok

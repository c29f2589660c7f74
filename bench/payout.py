"""The payout path at 100,000 final awards, on PostgreSQL: build, approve, export, import an
all-paid result file (posting every payment), reconcile.

Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/payout.py
    DATABASE_URL=... .venv/bin/python bench/payout.py --awards 5000 --no-write   # smoke run

The database named in DATABASE_URL is only used to connect: the benchmark drops and creates its
own (``bench_payout``, or ``--db bench_...``), migrates it, and fills it. ``--keep-fixture`` also
saves the filled database as ``<db>_fixture``; a later ``--reuse`` starts from a fresh copy of it
(a file copy, seconds instead of minutes), so the payout path can be measured again and again. The fixture (households
with encrypted bank accounts, final cases, their award entries) is written directly in bulk —
the issue allows it; the award entries go through ``journal_post_many`` so the books are real.
Everything measured is the real service: ``batch_build``, ``batch_approve``, ``batch_export``
(CSV, every account number decrypted), ``results_import`` (every line validated, one entry per
payment through the ledger's batch path, in chunks), ``batch_reconciliation``.

Peak memory is the process's resident high-water mark (``VmHWM``), reset before the measured
path (``/proc/self/clear_refs``), so the fixture does not count against the payout path. The
peer measured in the same run is the naive way to book payments: ``journal_post`` once per
payment (the single-entry path) on a sample, extrapolated.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- payout:begin -->", "<!-- payout:end -->"
TARGET_SECONDS, TARGET_MB = 60.0, 500.0


def fresh_database(url: str, name: str) -> str:
    import psycopg

    if not name.startswith("bench"):
        raise SystemExit("--db must start with 'bench' (the benchmark drops it first)")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("DATABASE_URL must point at PostgreSQL")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))


def database_exists(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def copy_database(url: str, source: str, target: str) -> None:
    """``target`` becomes a copy of ``source`` (which must have no other connection open)."""
    import psycopg

    if not target.startswith("bench"):
        raise SystemExit("benchmark databases start with 'bench' (they are dropped first)")
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------------------------
# fixture
# --------------------------------------------------------------------------------------------
def grant_roles() -> None:
    """The disbursement permissions per role (until ``fundapp/roles.py`` merges them, every
    migrate resets the groups to its own table)."""
    from django.contrib.auth.models import Group, Permission

    from disbursement.roles import DISBURSEMENT_ROLE_PERMISSIONS

    for role, perms in DISBURSEMENT_ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in perms:
            app, code = dotted.split(".", 1)
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app, codename=code)
            )


def fixture(n: int):
    """Staff, a relief program, money, and ``n`` final awards with households and heads."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from djmoney.money import Money

    from approvals import crypto
    from approvals.models import Case, Household, Person, Program, Region
    from disbursement.models import BankLayout
    from ledger import chart
    from ledger.models import Fund
    from ledger.services import EntrySpec, LineSpec, journal_post, journal_post_many

    grant_roles()
    users = get_user_model().objects
    officer = users.create_user(username="officer", password=None)
    officer.groups.add(Group.objects.get(name="finance_officer"))
    supervisor = users.create_user(username="supervisor", password=None)
    supervisor.groups.add(Group.objects.get(name="finance_supervisor"))
    officer, supervisor = users.get(pk=officer.pk), users.get(pk=supervisor.pk)

    county = Region.objects.create(code="320102000000", name="玄武区", level="county")
    town = Region.objects.create(
        code="320102001000", name="梅园街道", level="township", parent=county
    )
    village = Region.objects.create(
        code="320102001001", name="梅园一村", level="village", parent=town
    )
    fund = Fund.objects.get(code="RELIEF")
    amount = Money(Decimal("1000.00"), "CNY")
    program = Program.objects.create(
        code="RELIEF1",
        name_zh="一次性救助",
        name_en="One-off relief",
        category="one_off_relief",
        fund=fund,
        amount_rule="per_household",
        amount=amount,
    )
    layout = BankLayout.objects.create(
        name="农业银行",
        export_columns=[["account", "账号"], ["holder", "户名"], ["amount", "金额"], ["reference", "流水号"]],
        result_columns={"reference": "流水号", "status": "状态", "bank_txn_id": "银行流水号", "amount": "金额"},
        paid_values=["成功"],
        failed_values=["失败"],
    )  # fmt: skip
    today = date.today()
    # The fund's money as an opening balance: a manual entry approved by a second person (income
    # is credited only with its receipt, which the payout path does not need).
    opening = Money(Decimal(n) * 1000 + 100000, "CNY")
    net_assets = chart.RESTRICTED_NET_ASSETS if fund.restricted else chart.UNRESTRICTED_NET_ASSETS
    journal_post(
        date=today,
        lines=[
            LineSpec(chart.BANK, fund, "D", opening),
            LineSpec(net_assets, fund, "C", opening),
        ],
        idempotency_key="bench:opening",
        actor=None,
        memo="opening balance",
        made_by=officer,
        approved_by=supervisor,
        reason="the fund's money at the bank when the benchmark starts",
    )
    say(f"fixture: booking {n:,} awards through journal_post_many")
    entries = []
    for start in range(0, n, 20000):
        entries += journal_post_many(
            entries=[
                EntrySpec(
                    date=today,
                    lines=[
                        LineSpec(chart.RELIEF_EXPENSE, fund, "D", amount),
                        LineSpec(chart.AWARDS_PAYABLE, fund, "C", amount),
                    ],
                    idempotency_key=f"award:{i}",
                    memo="award",
                    source="approvals",
                )
                for i in range(start, min(n, start + 20000))
            ],
            actor=None,
        )
    say(f"fixture: {n:,} households (bank accounts encrypted), heads and final cases")
    shared_id = crypto.encrypt("110105194912310021")  # heads' ID numbers are not on the path
    now = datetime.now().astimezone()
    for start in range(0, n, 10000):
        stop = min(n, start + 10000)
        households = []
        for i in range(start, stop):
            h = Household(region=village, address=f"梅园一村{i}号", bank_name="农业银行")
            h.set_bank_account(f"622848{i:013d}")
            households.append(h)
        Household.objects.bulk_create(households)
        Person.objects.bulk_create(
            [
                Person(
                    household=h,
                    name=f"张{i}",
                    relation="head",
                    is_head=True,
                    id_number_enc=shared_id,
                    id_number_hash=f"{i:064x}",
                    birth_date=date(1960, 1, 1),
                    sex="M",
                )
                for i, h in zip(range(start, stop), households, strict=True)
            ]
        )
        Case.objects.bulk_create(
            [
                Case(
                    number=f"B{i:08d}",
                    program=program,
                    household=h,
                    cycle="2026",
                    region=village,
                    amount=amount,
                    state="final",
                    filed_by=officer,
                    final_at=now - timedelta(days=i % 40),
                    award_entry=entries[i],
                )
                for i, h in zip(range(start, stop), households, strict=True)
            ]
        )
    return program, layout, officer, supervisor


def existing_fixture(n: int):
    """The fixture of an earlier run (``--reuse``), its payout path undone first."""
    from django.contrib.auth import get_user_model

    from approvals.models import Case, Program
    from disbursement.models import BankLayout, PayoutBatch

    if PayoutBatch.objects.exists():
        raise SystemExit("--reuse needs a database whose payout path has not run yet")
    if Case.objects.count() != n:
        raise SystemExit(f"--reuse: the database holds {Case.objects.count():,} awards, not {n:,}")
    grant_roles()
    users = get_user_model().objects
    return (
        Program.objects.get(code="RELIEF1"),
        BankLayout.objects.get(name="农业银行"),
        users.get(username="officer"),
        users.get(username="supervisor"),
    )


def result_file(batch) -> bytes:
    """The bank's answer: every payment paid (the bank's side, not measured)."""
    import csv
    import io

    from disbursement.models import Payment

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["流水号", "状态", "银行流水号", "金额"])
    for pk, ref, amount in (
        Payment.objects.filter(batch=batch)
        .order_by("id")
        .values_list("id", "reference", "amount")
        .iterator(chunk_size=10000)
    ):
        writer.writerow([ref, "成功", f"T{pk}", f"{amount:.2f}"])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------------
def run(n: int, peer_sample: int, reuse: bool = False, keep_as: str = "") -> dict:
    from django.db import connection
    from djmoney.money import Money

    from disbursement import selectors, services
    from disbursement.services import results as results_service
    from ledger import chart
    from ledger.services import LineSpec, journal_post
    from ledger.verification import verify_ledger

    t = time.perf_counter()
    if reuse:
        program, layout, officer, supervisor = existing_fixture(n)
    else:
        program, layout, officer, supervisor = fixture(n)
    fixture_s = time.perf_counter() - t
    if keep_as:
        say(f"fixture: keeping a copy as {keep_as} (for --reuse)")
        connection.close()
        copy_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"], keep_as)
    say(f"fixture ready in {fixture_s:.1f} s; measuring the payout path")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    reset_ok = reset_peak()
    timings: list[tuple[str, float]] = []

    def timed(label, fn):
        t0 = time.perf_counter()
        value = fn()
        timings.append((label, time.perf_counter() - t0))
        say(f"{label}: {timings[-1][1]:.2f} s")
        return value

    batch = timed("build", lambda: services.batch_build(program=program, actor=officer))
    timed("approve", lambda: services.batch_approve(batch=batch, actor=supervisor))
    export = timed(
        "export (CSV, decrypt every account)",
        lambda: services.batch_export(batch=batch, layout=layout, fmt="csv", actor=officer),
    )
    content = result_file(batch)  # the bank's side
    # How much of the import is the ledger's batch posting (measured, not changed: the real
    # function runs, timed around each call).
    posting = {"s": 0.0}
    post_many = results_service.journal_post_many

    def timed_post_many(**kwargs):
        t1 = time.perf_counter()
        try:
            return post_many(**kwargs)
        finally:
            posting["s"] += time.perf_counter() - t1

    results_service.journal_post_many = timed_post_many
    t0 = time.perf_counter()
    try:
        imp = services.results_import(
            batch=batch, layout=layout, content=content, filename="result.csv", actor=officer
        )
    finally:
        results_service.journal_post_many = post_many
    timings.append(("import all-paid result file + post", time.perf_counter() - t0))
    say(f"import: {timings[-1][1]:.2f} s")
    rec = timed("reconcile", lambda: selectors.batch_reconciliation(batch))
    path_s = sum(s for _l, s in timings)
    peak = peak_mb()
    assert imp.paid_count == n and rec.agrees, rec.differences[:5]

    say("checking the books (verify_ledger, not timed in the path)")
    t0 = time.perf_counter()
    report = verify_ledger()
    verify_s = time.perf_counter() - t0
    assert report.ok, report.problems[:5]

    # The peer: one journal_post per payment (what a loop over the payments would do).
    say(f"peer: journal_post once per payment, {peer_sample:,} payments")
    fund = program.fund
    t0 = time.perf_counter()
    for i in range(peer_sample):
        money = Money(Decimal("1.00"), "CNY")
        # An award's booking, one at a time (a flow's entry: manual ones need a request).
        journal_post(
            date=date.today(),
            lines=[
                LineSpec(chart.RELIEF_EXPENSE, fund, "D", money),
                LineSpec(chart.AWARDS_PAYABLE, fund, "C", money),
            ],
            idempotency_key=f"peer:{i}",
            actor=None,
            source="approvals",
        )
    peer_rate = peer_sample / (time.perf_counter() - t0)
    post_s = timings[3][1]
    return {
        "n": n,
        "fixture_s": fixture_s,
        "timings": timings,
        "path_s": path_s,
        "peak_mb": peak,
        "peak_reset": reset_ok,
        "file_mb": len(export.content) / 1e6,
        "verify_s": verify_s,
        "import_rate": n / post_s,
        "posting_s": posting["s"],
        "reused": reuse,
        "peer_rate": peer_rate,
        "peer_sample": peer_sample,
    }


def render(r: dict, *, started: datetime, command: str, load0: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    n = r["n"]
    out = [
        f"Run {started:%Y-%m-%d %H:%M}: `{command}`",
        "",
        f"Machine: {os.cpu_count()} CPUs ({cpu}), PostgreSQL {pg}, Python "
        f"{platform.python_version()}; load average {load0} at the start, "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end.",
        "",
        f"| step ({n:,} final awards) | seconds |",
        "|---|---:|",
    ]
    out += [f"| {label} | {seconds:.2f} |" for label, seconds in r["timings"]]
    met_t = "yes" if r["path_s"] <= TARGET_SECONDS else "**no**"
    met_m = "yes" if r["peak_mb"] <= TARGET_MB else "**no**"
    out += [
        f"| **whole payout path** | **{r['path_s']:.2f}** (target ≤ {TARGET_SECONDS:.0f}: {met_t}) |",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| peak memory of the payout path (VmHWM{'' if r['peak_reset'] else ', whole process'}) "
        f"| {r['peak_mb']:.0f} MB (target ≤ {TARGET_MB:.0f}: {met_m}) |",
        f"| bank file size | {r['file_mb']:.1f} MB |",
        f"| payments booked per second by the import (validation included) | {r['import_rate']:,.0f} |",
        f"| of the import: the ledger's `journal_post_many` (chunks of 5,000 entries) | "
        f"{r['posting_s']:.2f} s |",
        f"| peer: `journal_post` once per payment ({r['peer_sample']:,} sampled) | "
        f"{r['peer_rate']:,.0f} per second, {n / r['peer_rate']:.0f} s for {n:,} |",
        f"| fixture (not measured: bulk rows + {n:,} award entries) | "
        + ("reused (`--reuse`) |" if r["reused"] else f"{r['fixture_s']:.1f} s |"),
        f"| verify_ledger afterwards (clean) | {r['verify_s']:.1f} s |",
        "",
    ]
    return "\n".join(out)


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{section}{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=100_000)
    parser.add_argument("--peer-sample", type=int, default=300)
    parser.add_argument("--db", default="bench_payout")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the doc alone")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start from the fixture of an earlier run: a fresh copy of <db>_fixture when "
        "--keep-fixture saved one, else the database itself if its payout path has not run",
    )
    parser.add_argument(
        "--keep-fixture",
        action="store_true",
        help="save the filled database as <db>_fixture before measuring (for later --reuse)",
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("set DATABASE_URL=postgres://user@host:port/dbname")
    started, load0 = datetime.now(), " ".join(f"{x:.2f}" for x in os.getloadavg())
    saved = f"{args.db}_fixture"
    if args.reuse:
        parts = urlsplit(url)
        if database_exists(url, saved):
            say(f"starting from a fresh copy of {saved}")
            copy_database(url, saved, args.db)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{args.db}"))
    else:
        os.environ["DATABASE_URL"] = fresh_database(url, args.db)
    # DEBUG off: with it on Django keeps every query in memory and the peak would measure that.
    os.environ.pop("DEBUG", None)
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", "cGF5b3V0LWJlbmNoLW9ubHktbm90LWEtc2VjcmV0ISE=")
    # The chain is keyed (issue 12): the payout path measures the keyed hash too.
    os.environ.setdefault("LEDGER_CHAIN_KEY", "payout-bench-only-chain-key-not-a-secret-0123456789")
    os.environ["DJANGO_SETTINGS_MODULE"] = "fundapp.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    say(f"migrating {args.db}")
    call_command("migrate", verbosity=0)
    result = run(
        args.awards,
        args.peer_sample,
        reuse=args.reuse,
        keep_as=saved if args.keep_fixture and not args.reuse else "",
    )
    command = (
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/payout.py"
    )
    if args.awards != 100_000:
        command += f" --awards {args.awards}"
    if args.reuse:
        command += " --reuse"
    elif args.keep_fixture:
        command += " --keep-fixture"
    section = render(result, started=started, command=command, load0=load0)
    print(section)
    if not args.no_write:
        write_doc(section)
        say(f"table written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Our ledger beside django-hordak 2.0, measured in the same run on the same PostgreSQL server.

Run (PostgreSQL only; hordak's migrations refuse SQLite)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ledger.py
    DATABASE_URL=... .venv/bin/python bench/ledger.py --quick     # about a minute, smaller sizes

The database named in DATABASE_URL is only used to connect: the benchmark drops and creates its
own database (``bench_ledger``, or ``--db bench_...``), migrates it, and measures both ledgers in
it, so every run starts from the same empty books. It prints one table and writes it into
``docs/benchmarks.md`` (between the ``bench:begin``/``bench:end`` markers) with the date, the
machine and the command.

What is measured (issue 2, section 5):

* single postings: our public service ``journal_post`` (every guarantee on: idempotency key,
  stored balances, hash chain, database triggers) against hordak's ``Account.transfer_to``;
  blocks of each alternate, so load from other processes falls on both alike;
* batch: our ``journal_post_many`` against hordak's bulk path (``bulk_create`` of
  ``Transaction`` and ``Leg``, as its own ``create_benchmark_transactions`` command does), in
  the order ours, hordak, hordak, ours (ABBA) to cancel drift;
* reads at the small and the large size (by default 10 thousand and 1 million journal lines /
  hordak legs in the whole ledger, half of them on the measured bank account): the balance of
  one account, the last 20 statement rows with running balance, and the trial balance. Reads
  are the median of repeated timings. Our books are filled through ``journal_post_many`` (the
  real service, not a loader), hordak's through its bulk path.

Hordak's reads sum its legs, so at a million legs they take long; its statement (``LegView``
with its running-balance window) is timed fewer times. If hordak's fill to the large size would
not finish within ``--hordak-fill-budget`` seconds, its reads are taken at the size it reached
and the table says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# --------------------------------------------------------------------------------------------
# database set-up (before Django starts: it must connect to the fresh database)
# --------------------------------------------------------------------------------------------
def fresh_database(url: str, name: str) -> str:
    """Drop and create ``name`` on the server of ``url``; return the URL of the new database."""
    import psycopg

    if not name.startswith("bench"):
        raise SystemExit("--db must start with 'bench' (the benchmark drops it first)")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(
            "DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


# --------------------------------------------------------------------------------------------
# timing helpers
# --------------------------------------------------------------------------------------------
def median_ms(fn, *, repeat: int, budget: float = 20.0, warmup: int = 1) -> tuple[float, int]:
    """Median wall time of ``fn`` in ms over ``repeat`` calls (fewer if ``budget`` s run out)."""
    for _ in range(warmup):
        fn()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < repeat:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        if len(times) >= 3 and time.perf_counter() - started > budget:
            break
    return statistics.median(times), len(times)


def human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------------------------
# the two ledgers
# --------------------------------------------------------------------------------------------
class Ours:
    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from ledger import services
        from ledger.models import Account, Fund

        self.services = services
        user_model = get_user_model()
        user = user_model.objects.create_user(username="bench", password=None)
        user.groups.add(Group.objects.get(name="finance_officer"))
        self.actor = user_model.objects.get(pk=user.pk)
        # Money into the fund as an approved manual entry (income needs its receipt, issue 10):
        # every single posting carries its maker, a different approver and a reason, which the
        # database checks on the flip to posted.
        self.approver = user_model.objects.create_user(username="bench-approver", password=None)
        self.bank = Account.objects.get(code="1002")
        self.income = Account.objects.get(code="3102")
        self.fund = Fund.objects.get(code="RELIEF")
        self.day = date.today()
        self.keys = 0

    def amount(self, i: int):
        from djmoney.money import Money

        return Money(Decimal(10 + i % 9000) / 100, "CNY")

    def post_one(self, i: int) -> None:
        from ledger.services import LineSpec

        money = self.amount(i)
        self.keys += 1
        self.services.journal_post(
            date=self.day,
            lines=[
                LineSpec(self.bank, self.fund, "D", money),
                LineSpec(self.income, self.fund, "C", money),
            ],
            idempotency_key=f"bench:{self.keys}",
            actor=self.actor,
            made_by=self.actor,
            approved_by=self.approver,
            reason="bench",
        )

    def post_many(self, count: int) -> None:
        from ledger.services import EntrySpec, LineSpec

        specs = []
        for i in range(count):
            money = self.amount(i)
            self.keys += 1
            specs.append(
                EntrySpec(
                    date=self.day,
                    lines=[
                        LineSpec(self.bank, self.fund, "D", money),
                        LineSpec(self.income, self.fund, "C", money),
                    ],
                    idempotency_key=f"bench:{self.keys}",
                    source="bench",
                )
            )
        self.services.journal_post_many(entries=specs, actor=self.actor)

    def lines(self) -> int:
        from ledger.models import JournalLine

        return JournalLine.objects.count()

    def balance(self):
        from ledger.selectors import account_balance

        return account_balance(account=self.bank)

    def statement(self):
        from ledger.selectors import account_statement

        return account_statement(account=self.bank, currency="CNY", page=1, page_size=20)

    def trial_balance(self):
        from ledger.selectors import trial_balance

        return trial_balance()


class Hordak:
    def __init__(self):
        from hordak.models import Account

        self.bank = Account.objects.create(name="Bank", type="AS", currencies=["CNY"])
        self.income = Account.objects.create(name="Income", type="IN", currencies=["CNY"])

    def amount(self, i: int):
        from djmoney.money import Money

        return Money(Decimal(10 + i % 9000) / 100, "CNY")

    def post_one(self, i: int) -> None:
        # Credits income, debits bank: the same entry as ours.
        self.income.transfer_to(self.bank, self.amount(i))

    def post_many(self, count: int) -> None:
        # hordak's bulk path, as its create_benchmark_transactions command writes it: 50,000
        # legs per transaction.atomic() block.
        from django.db import transaction
        from hordak.models import Leg, Transaction

        todo = 0
        while todo < count:
            size = min(25_000, count - todo)
            txs, legs = [], []
            for i in range(todo, todo + size):
                money = self.amount(i)
                tx = Transaction()
                txs.append(tx)
                legs.append(Leg(transaction=tx, account=self.bank, debit=money))
                legs.append(Leg(transaction=tx, account=self.income, credit=money))
            with transaction.atomic():
                Transaction.objects.bulk_create(txs)
                Leg.objects.bulk_create(legs)
            todo += size

    def lines(self) -> int:
        from hordak.models import Leg

        return Leg.objects.count()

    def balance(self):
        return self.bank.get_simple_balance()

    def statement(self):
        # hordak's running balance per leg comes from its LegView (a window over the legs).
        from hordak.models import LegView

        return list(LegView.objects.filter(account=self.bank).order_by("-leg_id")[:20])

    def trial_balance(self):
        from hordak.models import Account

        return list(Account.objects.with_balances())


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------
def timed_rate(fn, count: int) -> float:
    t = time.perf_counter()
    fn(count)
    return time.perf_counter() - t


def fill(ledger, target_lines: int, *, chunk: int, budget: float | None = None) -> bool:
    """Batch-post two-line entries until ``ledger`` holds ``target_lines`` lines.

    Returns False when ``budget`` seconds ran out first."""
    started = time.perf_counter()
    have = ledger.lines()
    while have < target_lines:
        count = min(chunk, (target_lines - have) // 2)
        if count <= 0:
            break
        ledger.post_many(count)
        have += 2 * count
        if budget is not None and time.perf_counter() - started > budget:
            return have >= target_lines
    return True


def run(args) -> dict:
    sizes = (
        {"single": 500, "batch": 5_000, "small": 2_000, "large": 60_000, "chunk": 20_000}
        if args.quick
        else {
            "single": 10_000,
            "batch": 100_000,
            "small": 10_000,
            "large": 1_000_000,
            "chunk": 50_000,
        }
    )
    ours, hordak = Ours(), Hordak()
    rows: list[dict] = []
    notes: list[str] = []

    # ---- reads at the small size ---------------------------------------------------------------
    say(f"filling both ledgers to {human(sizes['small'])} lines")
    fill(ours, sizes["small"], chunk=sizes["chunk"])
    fill(hordak, sizes["small"], chunk=sizes["chunk"])
    small_lines = (ours.lines(), hordak.lines())
    small = {
        "balance": (
            median_ms(ours.balance, repeat=200)[0],
            median_ms(hordak.balance, repeat=50)[0],
        ),
    }

    # ---- single postings -----------------------------------------------------------------------
    n, block = sizes["single"], max(100, sizes["single"] // 10)
    say(f"single postings: {n:,} each, alternating blocks of {block}")
    spent = {"ours": 0.0, "hordak": 0.0}
    done = 0
    while done < n:
        size = min(block, n - done)
        for name, ledger in (("ours", ours), ("hordak", hordak)):
            t = time.perf_counter()
            for i in range(done, done + size):
                ledger.post_one(i)
            spent[name] += time.perf_counter() - t
        done += size
    single = (n / spent["ours"], n / spent["hordak"])
    rows.append(
        {
            "figure": f"{human(n)} single postings (`journal_post` vs `transfer_to`), per s",
            "ours": f"{single[0]:,.0f}",
            "hordak": f"{single[1]:,.0f}",
            "ratio": single[0] / single[1],
            "target": "ours ≥ 1.5× hordak",
            "met": single[0] >= 1.5 * single[1],
        }
    )
    say(f"  ours {single[0]:,.0f}/s, hordak {single[1]:,.0f}/s")

    # ---- batch ---------------------------------------------------------------------------------
    n = sizes["batch"]
    half = n // 2
    say(f"batch: {n:,} entries each in calls of {half:,}, order ours, hordak, hordak, ours")
    spent = {"ours": 0.0, "hordak": 0.0}
    for name, ledger in (("ours", ours), ("hordak", hordak), ("hordak", hordak), ("ours", ours)):
        spent[name] += timed_rate(ledger.post_many, half)
    batch = (2 * half / spent["ours"], 2 * half / spent["hordak"])
    rows.append(
        {
            "figure": f"{human(n)} entries in batch (`journal_post_many` vs hordak `bulk_create`), per s",
            "ours": f"{batch[0]:,.0f}",
            "hordak": f"{batch[1]:,.0f}",
            "ratio": batch[0] / batch[1],
            "target": "ours ≥ 2× hordak",
            "met": batch[0] >= 2 * batch[1],
        }
    )
    say(f"  ours {batch[0]:,.0f}/s, hordak {batch[1]:,.0f}/s")

    # ---- fill to the large size ----------------------------------------------------------------
    say(f"filling our books to {human(sizes['large'])} lines through journal_post_many")
    t = time.perf_counter()
    fill(ours, sizes["large"], chunk=sizes["chunk"])
    say(f"  done in {time.perf_counter() - t:.0f} s")
    say(f"filling hordak to {human(sizes['large'])} legs (budget {args.hordak_fill_budget:.0f} s)")
    t = time.perf_counter()
    reached = fill(hordak, sizes["large"], chunk=sizes["chunk"], budget=args.hordak_fill_budget)
    say(f"  done in {time.perf_counter() - t:.0f} s")
    large_lines = (ours.lines(), hordak.lines())
    if not reached:
        notes.append(
            f"hordak's fill did not reach {human(sizes['large'])} legs within "
            f"{args.hordak_fill_budget:.0f} s; its large-size reads are at {large_lines[1]:,} legs."
        )
    vacuum()

    # ---- reads at the large size ---------------------------------------------------------------
    say("reads at the large size")
    large_balance = (
        median_ms(ours.balance, repeat=200)[0],
        median_ms(hordak.balance, repeat=15, budget=30)[0],
    )
    st_ours = median_ms(ours.statement, repeat=100)[0]
    st_hordak, st_n = median_ms(hordak.statement, repeat=5, budget=40)
    tb = (
        median_ms(ours.trial_balance, repeat=50)[0],
        median_ms(hordak.trial_balance, repeat=10, budget=30)[0],
    )

    small_label, large_label = human(sizes["small"]), human(sizes["large"])
    hordak_large = large_label if reached else f"{large_lines[1]:,}"
    rows.append(
        {
            "figure": f"balance of one account at {small_label} lines, ms",
            "ours": f"{small['balance'][0]:.3f}",
            "hordak": f"{small['balance'][1]:.3f}",
            "ratio": small["balance"][1] / small["balance"][0],
            "target": "(reference for the ratio below)",
            "met": None,
        }
    )
    rows.append(
        {
            "figure": f"balance of one account at {large_label} lines (hordak: {hordak_large} legs), ms",
            "ours": f"{large_balance[0]:.3f}",
            "hordak": f"{large_balance[1]:.1f}",
            "ratio": large_balance[1] / large_balance[0],
            "target": "ours ≤ 1 ms",
            "met": large_balance[0] <= 1.0,
        }
    )
    growth = (large_balance[0] / small["balance"][0], large_balance[1] / small["balance"][1])
    rows.append(
        {
            "figure": f"balance growth {large_label}/{small_label} (time ratio)",
            "ours": f"{growth[0]:.2f}",
            "hordak": f"{growth[1]:.1f}",
            "ratio": None,
            "target": "ours ≤ 1.5",
            "met": growth[0] <= 1.5,
        }
    )
    rows.append(
        {
            "figure": f"last 20 statement rows with running balance at {large_label} lines, ms",
            "ours": f"{st_ours:.2f}",
            "hordak": f"{st_hordak:.0f} (n={st_n})",
            "ratio": st_hordak / st_ours,
            "target": "ours ≤ 5 ms",
            "met": st_ours <= 5.0,
        }
    )
    rows.append(
        {
            "figure": f"trial balance at {large_label} lines (hordak: `with_balances()`), ms",
            "ours": f"{tb[0]:.2f}",
            "hordak": f"{tb[1]:.1f}",
            "ratio": tb[1] / tb[0],
            "target": "ours ≤ 100 ms",
            "met": tb[0] <= 100.0,
        }
    )
    notes.append(
        f"lines in the books: ours {small_lines[0]:,} then {large_lines[0]:,}; "
        f"hordak legs {small_lines[1]:,} then {large_lines[1]:,} (half on the measured account)."
    )

    if args.verify or args.quick:
        from ledger.verification import verify_ledger

        say("verify_ledger over our books")
        report = verify_ledger()
        notes.append(
            f"verify_ledger after the run: {'ok' if report.ok else 'DRIFT'} "
            f"({report.entries:,} entries, {report.lines:,} lines, {report.problem_count} problems)."
        )
        if not report.ok:
            for problem in report.problems[:10]:
                print("  ", problem, file=sys.stderr)
    return {"rows": rows, "notes": notes}


def vacuum() -> None:
    """VACUUM ANALYZE after the fill, as the database of books that have lived a while would be."""
    from django.db import connection

    say("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------
def machine() -> dict:
    from django.db import connection

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    import hordak

    return {
        "cpu": cpu,
        "nproc": nproc,
        "memory": memory,
        "postgresql": pg,
        "python": platform.python_version(),
        "hordak": getattr(hordak, "__version__", "2.0"),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def render(
    result: dict, info: dict, *, started: datetime, elapsed: float, command: str, load0: str
) -> str:
    def fmt_ratio(r):
        return "" if r is None else f"{r:.2f}×"

    def fmt_met(m):
        return "" if m is None else ("yes" if m else "**no**")

    out = [
        f"Run {started:%Y-%m-%d %H:%M} ({elapsed / 60:.1f} min): `{command}`",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory, "
        f"PostgreSQL {info['postgresql']}, Python {info['python']}, django-hordak {info['hordak']}; "
        f"load average {load0} at the start, {info['load']} at the end.",
        "",
        "| figure | ours | hordak | ratio | target | met? |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in result["rows"]:
        out.append(
            f"| {row['figure']} | {row['ours']} | {row['hordak']} | {fmt_ratio(row['ratio'])} "
            f"| {row['target']} | {fmt_met(row['met'])} |"
        )
    out.append("")
    out.append(
        "Ratio: ours ÷ hordak for rates, hordak ÷ ours for times (above 1 means ours is faster)."
    )
    out.extend(f"- {note}" for note in result["notes"])
    return "\n".join(out) + "\n"


def write_doc(section: str) -> None:
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n\n"
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
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a smoke run of about a minute"
    )
    parser.add_argument(
        "--db", default="bench_ledger", help="database to (re)create (must start with 'bench')"
    )
    parser.add_argument(
        "--hordak-fill-budget",
        type=float,
        default=420.0,
        help="seconds for filling hordak to the large size",
    )
    parser.add_argument(
        "--verify", action="store_true", help="run verify_ledger at the end (always in --quick)"
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the table only; leave docs/benchmarks.md alone",
    )
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("set DATABASE_URL=postgres://user@host:port/dbname (the server to use)")
    started, t0, load0 = (
        datetime.now(),
        time.perf_counter(),
        " ".join(f"{x:.2f}" for x in os.getloadavg()),
    )
    os.environ["DATABASE_URL"] = fresh_database(url, args.db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    say(f"migrating {args.db}")
    call_command("migrate", verbosity=0)
    result = run(args)
    info = machine()
    command = "DATABASE_URL=postgres://… .venv/bin/python bench/ledger.py" + (
        " --quick" if args.quick else ""
    )
    section = render(
        result,
        info,
        started=started,
        elapsed=time.perf_counter() - t0,
        command=command,
        load0=load0,
    )
    print()
    print(section)
    if not args.no_write:
        write_doc(section)
        say(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

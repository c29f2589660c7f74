"""``manage.py verify_ledger``: recompute the books from their lines and report any drift.

Prints a summary table and every problem found (``--json`` for machines) and exits non-zero when
anything differs, so it can run from cron or CI. The checks live in ``ledger.verification``.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.verification import (
    CHUNK_SIZE,
    MAX_PROBLEMS,
    PROGRESS_EVERY,
    record_run,
    verify_ledger,
)


class Command(BaseCommand):
    help = (
        "Recompute balances, running balances, every entry's zero-sum and the hash chain from the "
        "journal lines, and report any drift (exit status 1 if there is any)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--chunk-size", type=int, default=CHUNK_SIZE, help="Rows fetched per round trip."
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=PROGRESS_EVERY,
            help="Print a progress line on stderr every this many lines (0: never).",
        )
        parser.add_argument(
            "--max-problems",
            type=int,
            default=MAX_PROBLEMS,
            help="List at most this many problems (all are counted).",
        )
        parser.add_argument(
            "--no-record",
            dest="record",
            action="store_false",
            help="Do not keep the outcome (the supervisor's home and /healthz show the latest).",
        )

    def handle(self, *args, **options):
        every = options["progress_every"]

        def progress(message: str) -> None:
            self.stderr.write(f"verify_ledger: {message}")
            self.stderr.flush()

        started = timezone.now()
        report = verify_ledger(
            chunk_size=options["chunk_size"],
            progress=progress if every > 0 else None,
            progress_every=max(every, 1),
            max_problems=options["max_problems"],
        )
        if options["record"]:
            record_run(report, source="command", started_at=started)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(report)
        if not report.ok:
            raise CommandError(
                _("the ledger has %(n)s problem(s); see the report above")
                % {"n": report.problem_count},
                returncode=1,
            )

    def _print(self, report) -> None:
        rows = [
            (_("posted entries"), report.entries),
            (_("draft entries"), report.drafts),
            (_("lines"), report.lines),
            (_("account x fund x currency keys"), report.keys),
            (_("stored balances"), report.balances),
            (_("reversals"), report.reversals),
            (_("database guards installed"), f"{report.guards_installed}/{report.guards_expected}"),
            (
                _("database guards enabled and unaltered"),
                f"{report.guards_intact}/{report.guards_expected}",
            ),
            (_("keyed chain segments"), report.chain_segments),
            (_("legacy entries (hashed without a key)"), report.legacy_entries),
            (
                _("latest external checkpoint"),
                _("entry %(seq)s at %(at)s")
                % {"seq": report.checkpoint_seq, "at": report.checkpoint_at}
                if report.checkpoint_seq is not None
                else _("none"),
            ),
            (_("problems"), report.problem_count),
        ]
        width = max(len(label) for label, _ in rows)
        self.stdout.write(_("Ledger verification"))
        self.stdout.write("-" * (width + 14))
        for label, value in rows:
            text = f"{value:,}" if isinstance(value, int) else value
            self.stdout.write(f"{label:<{width}}  {text:>12}")
        self.stdout.write("-" * (width + 14))
        if report.ok:
            self.stdout.write(self.style.SUCCESS(_("OK: the books agree with their lines.")))
            return
        self.stdout.write(
            self.style.ERROR(_("DRIFT: %(n)s problem(s)") % {"n": report.problem_count})
        )
        for p in report.problems:
            where = ", ".join(
                f"{name} {value}"
                for name, value in (
                    (_("entry"), p.seq),
                    (_("line"), p.line_id),
                    (_("account"), p.account),
                    (_("fund"), p.fund),
                    (_("currency"), p.currency),
                    (_("period"), p.period),
                    (_("document"), p.document),
                )
                if value is not None
            )
            self.stdout.write(f"  [{p.kind}] {where + ': ' if where else ''}{p.message}")
        hidden = report.problem_count - len(report.problems)
        if hidden > 0:
            self.stdout.write(
                "  " + _("... and %(n)s more (raise --max-problems to list them)") % {"n": hidden}
            )

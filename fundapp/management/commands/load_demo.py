"""``python manage.py load_demo``: a demo county that shows every feature, on an empty database.

What it loads, and in what order, is ``fundapp.demo`` (one module per domain: users, books,
money in, cases, payouts); this command only guards the door and reports. It prints a summary,
the trial balance and the demo logins.

Run twice it changes nothing: it sees its own donations (idempotency keys ``demo:...``) and only
prints the logins again. The passwords are public, so it refuses to run with DEBUG off unless
``--force`` is given.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fundapp import demo, roles
from ledger import selectors


class Command(BaseCommand):
    help = (
        "Load the demo county (books, one user per role, postings) into an empty database. "
        "Refuses to run with DEBUG off unless --force: the demo passwords are public."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (the demo users' passwords are public: never in production).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "load_demo creates users with public passwords, so it runs only with DEBUG=1. "
                "Use --force to load it anyway (never on a real deployment)."
            )
        if demo.is_loaded():
            self.stdout.write(self.style.WARNING("The demo data is already loaded: nothing to do."))
            self._print_logins(kept_passwords=frozenset())
            return

        loaded = demo.load_demo(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo loaded: {users} users, {entries} journal entries, closed period {period}, "
                "{donations} donations with receipts, {pledges} pledges, {cases} relief cases, "
                "{batches} payout batches with {payments} payments.".format(**loaded.counts)
            )
        )
        balance = selectors.trial_balance()
        for currency, (debit, credit) in balance.totals.items():
            self.stdout.write(f"Trial balance {currency}: debits {debit} = credits {credit}")
        self._print_logins(kept_passwords=loaded.kept_passwords)

    def _print_logins(self, *, kept_passwords: frozenset[str]) -> None:
        self.stdout.write("")
        self.stdout.write("Demo logins (DEBUG only; change or delete these users elsewhere):")
        self.stdout.write(f"  {'username':<12} {'password':<18} role")
        for user in demo.DEMO_USERS:
            label = roles.role_label(user.role)
            password = user.password
            if user.username in kept_passwords:
                password = "(unchanged)"
            self.stdout.write(f"  {user.username:<12} {password:<18} {user.role} ({label})")

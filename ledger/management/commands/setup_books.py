"""``python manage.py setup_books``: the default chart of accounts and funds (ledger/chart.py).

The same loader the data migration runs; safe to run any number of times: it adds what is
missing and never changes an account or fund that exists (the administrator may have edited it).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from ledger.books import ensure_default_books
from ledger.models import Account, ChainHead, Fund


class Command(BaseCommand):
    help = "Create the default chart of accounts and funds that are missing (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            accounts, funds = ensure_default_books(Account, Fund)
            ChainHead.objects.get_or_create(pk=1)
        self.stdout.write(
            f"setup_books: {accounts} account(s) and {funds} fund(s) created; "
            f"{Account.objects.count()} accounts and {Fund.objects.count()} funds in the books."
        )

"""The demo county: every feature of the fund shown on an empty database, one module per domain.

``load_demo`` runs the steps in this order, each in its own module (whose docstring says what it
loads and why it must run where it does):

1. the default books (``setup_books``: chart of accounts, the RELIEF, REWARD and GENERAL funds);
2. ``users.load_users``: one user per role, with public passwords;
3. ``books.load_books``: the first money in (the county staff's cash on the spot, deposited;
   donations, an allocation, a void), through the services, and last month's period closed;
4. ``collection.load_collection``: money in (donors, donations, receipts, a void, a deposit,
   pledges, an allocation);
5. ``cases.load_regions``, ``users.place_staff``, ``cases.load_cases``: the county's regions,
   each user's region, and relief cases in every stage;
6. ``payouts.load_payouts``: a bank layout, a reward program and its cycle, payout batches with
   bank result files, a reissue, and late awards.

Steps 2 to 6 run in one transaction: all of it or nothing. Every yuan goes through a service
(donations and allocations with their receipts, deposits, awards, payouts): the demo makes no
journal entry by hand. Its donations carry idempotency keys starting with ``KEY_PREFIX``, which
is how ``is_loaded`` sees an earlier run. The
passwords are public (``DEMO_USERS``): callers load the demo only with DEBUG on, or when told to.

A later feature adds its step to the module of its domain (or a new module here), so the demo
always shows every feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction

from ledger.collection.models import Donation

from . import books, cases, collection, payouts, users
from .base import KEY_PREFIX
from .users import DEMO_USERS, DemoUser

__all__ = ["DEMO_USERS", "KEY_PREFIX", "DemoLoad", "DemoUser", "is_loaded", "load_demo"]


@dataclass(frozen=True)
class DemoLoad:
    """What one load made: ``counts`` for the summary (users, entries, period, donations,
    pledges, cases, batches, payments) and the demo usernames whose existing accounts kept
    their own passwords."""

    counts: dict[str, object]
    kept_passwords: frozenset[str]


def is_loaded() -> bool:
    """Whether the demo's money is already in the books (its donations, keyed ``demo:...``)."""
    return Donation.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists()


def load_demo(*, stdout=None) -> DemoLoad:
    """Load the whole demo county into a database without it (ask ``is_loaded`` first: the
    steps are written for an empty database, not to run twice). ``stdout`` receives
    ``setup_books``' report."""
    call_command("setup_books", stdout=stdout)
    with transaction.atomic():
        staff, kept_passwords = users.load_users()
        counts: dict[str, object] = {"users": len({user.pk for user in staff.values()})}
        counts.update(books.load_books(staff))
        counts.update(collection.load_collection(staff))
        regions = cases.load_regions()
        users.place_staff(staff, regions)
        counts.update(cases.load_cases(staff, regions))
        counts.update(payouts.load_payouts(staff))
    return DemoLoad(counts=counts, kept_passwords=frozenset(kept_passwords))

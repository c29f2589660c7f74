"""A superuser holds no business permission (issue 13, finding 3).

Django's ``User.has_perm`` passes any active superuser, so before this the demo's superuser
administrator revealed whole numbers, approved batches and voids made by others, posted and
closed periods. Every business check now goes through ``common.permissions.holds_perm``, which
refuses superusers. Here a superuser made by ``createsuperuser`` — and one who also sits in the
supervisor's group — tries each four-eyes and money action through the services, the API and
the screens, and is refused with nothing changed.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from djmoney.money import Money
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals import services as approvals_services
from approvals.models import StaffProfile
from common.errors import FundError, NotAllowed
from common.permissions import holds_perm
from disbursement import services as payout_services
from disbursement.models import PayoutBatch
from ledger import services as ledger_services
from ledger.collection import services as collection_services
from ledger.models import AuditEvent, JournalEntry, Period
from ledger.services import LineSpec
from tests.approvals.factories import make_household
from tests.ledger.collection.factories import book, donate, unit

ROOT_PASSWORD = "Root-pass-1234"  # noqa: S105


@pytest.fixture
def root(db, monkeypatch, world):
    """A superuser as ``createsuperuser`` makes one, with a county staff profile."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", ROOT_PASSWORD)
    call_command(
        "createsuperuser", interactive=False, username="root", email="root@example.org", verbosity=0
    )
    user = get_user_model().objects.get(username="root")
    assert user.is_superuser and user.is_staff
    StaffProfile.objects.create(user=user, region=world.county)
    return user


@pytest.fixture(params=["bare", "with_roles"])
def superuser(request, root):
    """The superuser alone, and the superuser also put (by hand, around the grants) into every
    business group: neither passes."""
    if request.param == "with_roles":
        for name in ("finance_officer", "finance_supervisor", "case_worker", "reviewer"):
            root.groups.add(Group.objects.get(name=name))
        root = get_user_model().objects.get(pk=root.pk)  # no permission cache
    return root


def _lines(amount="100.00"):
    money = Money(Decimal(amount), "CNY")
    return [LineSpec("1002", "RELIEF", "D", money), LineSpec("3102", "RELIEF", "C", money)]


def test_holds_perm_refuses_superusers_that_django_passes(superuser, people):
    assert superuser.has_perm("ledger.approve_entryrequest")  # Django's own answer
    assert not holds_perm(superuser, "ledger.approve_entryrequest")
    assert holds_perm(people.supervisor, "ledger.approve_entryrequest")


def test_services_refuse_a_superuser_every_four_eyes_and_money_action(
    superuser, people, final_cases, relief, world
):
    # given an entry request, a void request and a batch, each made by the officer
    asked = ledger_services.entry_request_submit(
        date=date.today(),
        lines=_lines(),
        reason="minutes 7",
        idempotency_key="su-1",
        actor=people.officer,
    )
    book()
    donor = unit()
    donation = donate(donor, "50.00", actor=people.officer)
    void = collection_services.receipt_void_request(
        receipt=donation.receipt, reason="keyed wrong", actor=people.officer
    )
    batch = payout_services.batch_build(program=relief, actor=people.officer)
    person = final_cases[0].household.people.first()
    entries, events = JournalEntry.objects.count(), AuditEvent.objects.count()
    period = Period.objects.order_by("start").first()
    assert period is not None

    # when the superuser tries each, then each is refused
    attempts = {
        "approve an entry request": lambda: ledger_services.entry_request_approve(
            request=asked, actor=superuser
        ),
        "approve a void": lambda: collection_services.receipt_void_approve(
            request=void, actor=superuser
        ),
        "approve a batch": lambda: payout_services.batch_approve(batch=batch, actor=superuser),
        "post an entry": lambda: ledger_services.journal_post(
            date=date.today(), lines=_lines(), idempotency_key="su-2", actor=superuser
        ),
        "reveal an ID number": lambda: approvals_services.reveal_id_number(
            person=person, actor=superuser, reason="curious"
        ),
        "reveal an account": lambda: approvals_services.reveal_bank_account(
            household=person.household, actor=superuser, reason="curious"
        ),
        "record a donation": lambda: donate(donor, "10.00", actor=superuser),
        "close a period": lambda: ledger_services.period_close(
            period=period, actor=superuser, confirm=True
        ),
    }
    for what, attempt in attempts.items():
        with pytest.raises(FundError) as refused:
            attempt()
            pytest.fail(f"a superuser could {what}")
        assert refused.value.status == 403, (what, refused.value)

    # and nothing changed
    asked.refresh_from_db()
    void.refresh_from_db()
    batch.refresh_from_db()
    assert asked.status == "pending" and void.status == "pending" and batch.status == "draft"
    assert (JournalEntry.objects.count(), AuditEvent.objects.count()) == (entries, events)


def test_a_superuser_cannot_take_a_case_step(superuser, people, relief, world):
    # given a draft case filed by the case worker
    household = make_household(people.worker, world.village_a1, bank_account="6228480099999999")
    case = approvals_services.case_file(
        program=relief, household=household, cycle=str(date.today().year), actor=people.worker
    )
    # when the superuser submits it (the state machine: has_transition_perm passes superusers)
    with pytest.raises(NotAllowed):
        approvals_services.case_submit(case=case, actor=superuser)
    # and files one
    with pytest.raises(NotAllowed):
        approvals_services.case_file(
            program=relief, household=household, cycle="2025", actor=superuser
        )
    case.refresh_from_db()
    assert case.state == "draft"


def test_api_and_screens_refuse_a_superuser(root, people, final_cases, relief):
    batch = payout_services.batch_build(program=relief, actor=people.officer)
    asked = ledger_services.entry_request_submit(
        date=date.today(), lines=_lines(), reason="r", idempotency_key="su-3", actor=people.officer
    )
    # the API, with the superuser's own token
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=root).key}")
    assert api.get("/api/ledger/accounts/").status_code == 403
    approve = api.post(f"/api/ledger/requests/{asked.pk}/approve/", {}, format="json")
    assert approve.status_code == 403
    # the screens, signed in with the password through the login page (the lockout's backend
    # needs the request, which Client.login does not pass)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    signed_in = client.post(
        reverse("login"), {"username": "root", "password": ROOT_PASSWORD}, follow=False
    )
    assert signed_in.status_code == 302, signed_in.status_code
    assert client.post(reverse("payouts:batch-approve", args=[batch.pk])).status_code == 403
    assert client.get(reverse("ledger:requests")).status_code == 403
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert reverse("payouts:batches") not in home.content.decode()  # no menu item offered
    batch.refresh_from_db()
    asked.refresh_from_db()
    assert batch.status == "draft" and asked.status == "pending"
    assert not PayoutBatch.objects.exclude(status="draft").exists()


# The business checks go through common.permissions; a direct has_perm elsewhere would let
# superusers through again. The admin modules keep Django's meaning (configuration).
_DIRECT = re.compile(r"\.has_perms?\(|\bhas_transition_perm\(")
_ALLOWED = {"common/permissions.py", "approvals/services/_common.py"}


def test_no_business_code_asks_django_has_perm_directly():
    base = Path(settings.BASE_DIR)
    offenders = []
    for app in ("common", "ledger", "approvals", "disbursement", "fundapp"):
        for path in (base / app).rglob("*.py"):
            rel = path.relative_to(base).as_posix()
            if rel in _ALLOWED or path.name == "admin.py" or "/migrations/" in rel:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _DIRECT.search(line):
                    offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == [], "use common.permissions.holds_perm:\n" + "\n".join(offenders)

"""The home page flags cash left more than three days before reaching the bank."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.ledger.collection.factories import book, donate, person

pytestmark = pytest.mark.django_db


def test_cash_waiting_more_than_three_days_is_flagged_for_finance(client, officer, make_user):
    book()
    donate(person(), "250.00", method="cash", day=timezone.localdate() - timedelta(days=4))
    client.force_login(officer)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cash waiting too long for the bank" in page and "RELIEF" in page and "4 days" in page
    # a case worker does not handle cash and is not shown it
    client.force_login(make_user("case_worker"))
    assert (
        "Cash waiting too long"
        not in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_fresh_cash_is_not_flagged(client, officer):
    book()
    donate(person(), "250.00", method="cash", day=timezone.localdate())
    client.force_login(officer)
    assert (
        "Cash waiting too long"
        not in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )

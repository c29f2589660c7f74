"""An account's or fund's code never changes once a journal line uses it, on SQLite and
PostgreSQL: entry content hashes cover the codes, so a rename would make ``verify_ledger`` report
every old entry as altered. Names stay editable; unused codes stay editable.
"""

from datetime import date

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from ledger import verification
from ledger.models import Account, Fund, JournalEntry

from .factories import AccountFactory, FundFactory, explained, transfer
from .test_guards import raw, refused

DAY = date(2025, 3, 10)


@pytest.fixture
def used(db):
    """Given a donation in cash to RELIEF: accounts 1001 and 4101 and fund RELIEF have lines."""
    transfer("1001", "3101", "100.00", day=DAY, key="donation")
    return {"account": Account.objects.get(code="1001"), "fund": Fund.objects.get(code="RELIEF")}


@pytest.mark.parametrize("model", [Account, Fund], ids=["account", "fund"])
def test_a_used_code_is_never_changed(used, model):
    # given a used account or fund
    obj = used["account" if model is Account else "fund"]
    table = model._meta.db_table
    # when its code is changed with .update() or raw SQL, then the database refuses it
    with refused("never changes its code|its code never changes"):
        model.objects.filter(pk=obj.pk).update(code="X" + obj.code)
    with refused("never changes its code|its code never changes"):
        raw(f"UPDATE {table} SET code = %s WHERE id = %s", ["X" + obj.code, obj.pk])
    obj.refresh_from_db()
    assert not obj.code.startswith("X")
    # and the books still verify
    with explained(*JournalEntry.objects.all()):  # posted by hand, no receipt behind it
        assert verification.verify_ledger().ok


@pytest.mark.parametrize("model", [Account, Fund], ids=["account", "fund"])
def test_the_names_of_a_used_account_or_fund_may_change(used, model):
    obj = used["account" if model is Account else "fund"]
    # when the Chinese and English names change (and the code is written back unchanged)
    raw(
        f"UPDATE {model._meta.db_table} SET name_zh = %s, name_en = %s, code = code WHERE id = %s",
        ["新名称", "New name", obj.pk],
    )
    model.objects.filter(pk=obj.pk).update(is_active=True)
    # then the change is stored and the books still verify
    obj.refresh_from_db()
    assert (obj.name_zh, obj.name_en) == ("新名称", "New name")
    with explained(*JournalEntry.objects.all()):  # posted by hand, no receipt behind it
        assert verification.verify_ledger().ok


@pytest.mark.parametrize("factory", [AccountFactory, FundFactory], ids=["account", "fund"])
def test_an_unused_code_may_change(used, factory):
    # given an account or fund no line uses
    obj = factory()
    # when its code changes, then it is stored
    type(obj).objects.filter(pk=obj.pk).update(code="NEW1")
    obj.refresh_from_db()
    assert obj.code == "NEW1"


@pytest.mark.parametrize("model", [Account, Fund], ids=["account", "fund"])
def test_the_admin_shows_a_used_code_read_only(used, model, django_user_model):
    # given the admin screen of the model and a superuser
    admin = site._registry[model]
    request = RequestFactory().get("/")
    request.user = django_user_model.objects.create_superuser("root", password="x")
    unused = (AccountFactory if model is Account else FundFactory)()
    used_obj = used["account" if model is Account else "fund"]
    # then the code is read-only for the used one and editable for the unused one and for a new one
    assert "code" in admin.get_readonly_fields(request, used_obj)
    assert "code" not in admin.get_readonly_fields(request, unused)
    assert "code" not in admin.get_readonly_fields(request, None)
    form = admin.get_form(request, used_obj)
    assert "code" not in form.base_fields
    assert {"name_zh", "name_en"} <= set(form.base_fields)

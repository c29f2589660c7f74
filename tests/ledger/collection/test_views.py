"""The money-in screens: who may open what, fast donation entry, lists and their exports, voiding
with maker-checker, pledge write-off, cash deposits, allocations and the bulk import.

Pages are requested in English (language cookie) so assertions read the source strings.
"""

import csv
import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from ledger.collection import services
from ledger.collection.models import (
    Allocation,
    CashDeposit,
    Donation,
    Donor,
    Pledge,
    Receipt,
    ReceiptVoidRequest,
)
from ledger.models import JournalEntry

from .factories import UNIT_CODE, book, donate, english, person, unit  # noqa: F401
from .test_import import csv_bytes, rows_ok

ALL_ROLES = [
    "finance_officer",
    "finance_supervisor",
    "auditor",
    "administrator",
    "case_worker",
    "reviewer",
]
READERS = {"finance_officer", "finance_supervisor", "auditor", "administrator"}
WRITERS = {"finance_officer", "finance_supervisor"}
SUPERVISORS = {"finance_supervisor"}


@pytest.fixture
def books(db):
    book(type="donation", first=1, last=500)
    book(type="settlement", first=1, last=500)


@pytest.fixture
def donation(books):
    return donate(unit(), "1200.00")


def _client_as(client, user):
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _pages(donation):
    pledge = services.pledge_create(
        donor=donation.donor,
        fund="RELIEF",
        amount=Money("500.00", "CNY"),
        pledged_on=date.today() - timedelta(days=30),
        due_date=date.today() - timedelta(days=5),
        actor=None,
    )
    receipt = donation.receipt
    return [
        (reverse("collection:donation-new"), WRITERS),
        (reverse("collection:donation", kwargs={"pk": donation.pk}), READERS),
        (reverse("collection:donations"), READERS),
        (reverse("collection:donation-import"), WRITERS),
        (reverse("collection:donors"), READERS),
        (reverse("collection:donor-new"), WRITERS),
        (reverse("collection:donor-lookup") + "?q=县", READERS),
        (reverse("collection:receipts"), READERS),
        (reverse("collection:receipt-pdf", kwargs={"pk": receipt.pk}), READERS),
        (reverse("collection:void-request-new", kwargs={"pk": receipt.pk}), WRITERS),
        (reverse("collection:void-requests"), READERS),
        (reverse("collection:pledges"), READERS),
        (reverse("collection:pledge-new"), WRITERS),
        (reverse("collection:pledge-write-off", kwargs={"pk": pledge.pk}), SUPERVISORS),
        (reverse("collection:pledge-reminder", kwargs={"pk": pledge.pk}), READERS),
        (reverse("collection:cash-held"), READERS),
        (reverse("collection:deposits"), READERS),
        (reverse("collection:allocations"), READERS),
        (reverse("collection:allocation-new"), WRITERS),
    ]


@pytest.mark.parametrize("role", [None, *ALL_ROLES])
def test_each_screen_admits_only_its_roles(client, make_user, donation, role):
    # given a user in one role (or nobody signed in)
    client = _client_as(client, make_user(role) if role else None)
    for url, allowed in _pages(donation):
        # when they open each money-in screen
        response = client.get(url)

        # then the roles it is for see it, others get 403, anonymous visitors log in first
        if role is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login") + "?next="), url
        else:
            assert response.status_code == (200 if role in allowed else 403), (url, role)


# --------------------------------------------------------------------------------------------
# fast donation entry
# --------------------------------------------------------------------------------------------
def _donation_post(who, key="web:test-1", **changes):
    data = {
        "donor_text": "",
        "donor": str(who.pk),
        "fund": str(_fund_pk("RELIEF")),
        "amount": "300.00",
        "currency": "CNY",
        "method": "cash",
        "received_on": date.today().isoformat(),
        "project": "",
        "pledge": "",
        "idempotency_key": key,
    }
    data.update(changes)
    return data


def _fund_pk(code):
    from ledger.models import Fund

    return Fund.objects.get(code=code).pk


def test_the_entry_form_starts_on_the_donor_with_today_and_a_fresh_key(client, officer, books):
    # given an officer
    client = _client_as(client, officer)

    # when they open the entry form twice
    first = client.get(reverse("collection:donation-new"))
    second = client.get(reverse("collection:donation-new"))

    # then the donor box has focus and the look-up list, the date is today, keys differ
    html = first.content.decode()
    assert 'list="donor-options"' in html and "autofocus" in html
    assert 'data-lookup-url="/collection/donors/lookup/"' in html
    assert "js/donor-lookup.js" in html
    assert date.today().isoformat() in html
    assert first.context["form"]["idempotency_key"].value() != (
        second.context["form"]["idempotency_key"].value()
    )
    # and the donor fields come first, then fund, amount, method (with the channel's
    # transaction reference right after it), date, project, pledge
    names = [f.name for f in first.context["form"].visible_fields()]
    assert names == [
        "donor_text",
        "donor",
        "fund",
        "amount",
        "currency",
        "method",
        "channel_ref",
        "received_on",
        "project",
        "pledge",
    ]


def test_a_donation_posted_twice_with_the_same_key_is_recorded_once(client, officer, books):
    # given an officer and a donor
    client = _client_as(client, officer)
    donor = person("王小红")

    # when the same form is submitted twice (double click)
    first = client.post(reverse("collection:donation-new"), _donation_post(donor))
    second = client.post(reverse("collection:donation-new"), _donation_post(donor))

    # then one donation and one receipt exist, and both answers go to its receipt page
    assert Donation.objects.count() == 1
    donation = Donation.objects.get()
    assert donation.amount == Money("300.00", "CNY")
    target = reverse("collection:donation", kwargs={"pk": donation.pk})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == target
    page = client.get(target)
    assert "Print receipt" in page.content.decode()
    assert reverse("collection:receipt-pdf", kwargs={"pk": donation.receipt.pk}) in (
        page.content.decode()
    )


def test_the_donor_can_be_picked_by_the_lookup_text(client, officer, books):
    # given an officer and a donor found by the look-up endpoint
    client = _client_as(client, officer)
    donor = unit()
    found = client.get(reverse("collection:donor-lookup"), {"q": "财政"}).json()["results"]
    assert found == [{"id": donor.pk, "name": "县财政局", "code": UNIT_CODE, "kind": "unit"}]

    # when the form is posted with the datalist's text instead of the select
    data = _donation_post(donor, donor="", donor_text=f"县财政局 · {UNIT_CODE} #{donor.pk}")
    response = client.post(reverse("collection:donation-new"), data)

    # then the donation is the donor's
    assert response.status_code == 302
    assert Donation.objects.get().donor == donor


@pytest.mark.parametrize("amount", ["-5", "0", "12.345", "abc"])
def test_an_invalid_amount_is_shown_next_to_the_field_and_nothing_is_recorded(
    client, officer, books, amount
):
    # given an officer and a donor
    client = _client_as(client, officer)
    donor = person()
    before = JournalEntry.objects.count()

    # when the amount is bad
    response = client.post(
        reverse("collection:donation-new"),
        _donation_post(donor, amount=amount, project="助学项目"),
    )

    # then the error sits next to the amount, the typed values are kept, nothing is recorded
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_amount_errors"' in html
    assert f'value="{amount}"' in html
    assert 'value="助学项目"' in html
    assert Donation.objects.count() == 0
    assert JournalEntry.objects.count() == before


def test_a_service_refusal_is_shown_on_the_form_with_the_values_kept(client, officer, books):
    # given a fund that does not hold USD
    client = _client_as(client, officer)
    donor = person()

    # when a USD donation is posted to it
    response = client.post(
        reverse("collection:donation-new"), _donation_post(donor, currency="USD", project="P-7")
    )

    # then the service's message is shown, values kept, nothing recorded
    html = response.content.decode()
    assert response.status_code == 400
    assert "does not hold USD" in html
    assert 'value="P-7"' in html
    assert Donation.objects.count() == 0


def test_a_new_unit_donor_needs_a_valid_credit_code(client, officer, db):
    client = _client_as(client, officer)
    # when a unit is added with a bad check character
    response = client.post(
        reverse("collection:donor-new"),
        {"kind": "unit", "name": "某公司", "credit_code": "91110000600037341A"},
    )
    # then it is refused with the reason and the name kept
    assert response.status_code == 400
    assert "check character does not match" in response.content.decode()
    assert 'value="某公司"' in response.content.decode()
    assert Donor.objects.count() == 0

    # when a person is added as anonymous
    response = client.post(
        reverse("collection:donor-new"), {"kind": "person", "name": "李四", "anonymous": "on"}
    )
    # then the donor exists and is anonymous
    assert response.status_code == 302
    assert Donor.objects.get().anonymous is True


# --------------------------------------------------------------------------------------------
# lists and exports
# --------------------------------------------------------------------------------------------
def test_donations_export_to_xlsx_and_csv_with_the_rows(client, officer, books):
    # given two donations
    client = _client_as(client, officer)
    donate(unit(), "1200.00")
    donate(person("王五"), "35.50", method="cash")

    # when the list is downloaded as xlsx and csv
    xlsx = client.get(reverse("collection:donations"), {"format": "xlsx"})
    text = client.get(reverse("collection:donations"), {"format": "csv"})

    # then both files hold the two rows with exact amounts and the currency apart
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Date received", "Donor")
    assert {(r[1], float(r[4]), r[5]) for r in rows[1:]} == {
        ("县财政局", 1200.0, "CNY"),
        ("王五", 35.5, "CNY"),
    }
    lines = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert len(lines) == 3
    assert {(line[1], line[4]) for line in lines[1:]} == {
        ("县财政局", "1200.00"),
        ("王五", "35.50"),
    }


def test_the_donations_list_filters_by_method(client, officer, books):
    client = _client_as(client, officer)
    donate(unit(), "1200.00")
    donate(person("王五"), "35.50", method="cash")
    response = client.get(reverse("collection:donations"), {"method": "cash"})
    html = response.content.decode()
    assert "王五" in html and "县财政局" not in html


def test_export_needs_the_export_permission(client, make_user, books):
    # given a user who may see donations but not export
    user = make_user("case_worker")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_donation"))
    client = _client_as(client, user)
    assert client.get(reverse("collection:donations")).status_code == 200
    assert client.get(reverse("collection:donations"), {"format": "csv"}).status_code == 403


# --------------------------------------------------------------------------------------------
# voiding: maker-checker
# --------------------------------------------------------------------------------------------
def test_void_request_then_approval_by_another_supervisor(client, make_user, donation):
    asker = make_user("finance_supervisor", username="asker")
    other = make_user("finance_supervisor", username="other")
    receipt = donation.receipt

    # given the asker requests a void with a reason from the receipts list
    client = _client_as(client, asker)
    listing = client.get(reverse("collection:receipts")).content.decode()
    assert reverse("collection:void-request-new", kwargs={"pk": receipt.pk}) in listing
    response = client.post(
        reverse("collection:void-request-new", kwargs={"pk": receipt.pk}),
        {"reason": "amount typed wrong"},
    )
    assert response.status_code == 302
    void_request = ReceiptVoidRequest.objects.get()

    # when the asker opens the void requests: they see it but have no approve button
    page = client.get(reverse("collection:void-requests")).content.decode()
    approve_url = reverse("collection:void-approve", kwargs={"pk": void_request.pk})
    assert "amount typed wrong" in page
    assert approve_url not in page
    # and a crafted approval by the asker is refused by the service
    refused = client.post(approve_url, follow=True)
    assert "another supervisor must approve it" in refused.content.decode()
    receipt.refresh_from_db()
    assert not receipt.is_void

    # when another supervisor approves
    client.logout()
    client = _client_as(client, other)
    page = client.get(reverse("collection:void-requests")).content.decode()
    assert approve_url in page
    response = client.post(approve_url, {"note": "ok"})

    # then the receipt is void and the entry reversed
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.is_void
    assert JournalEntry.objects.filter(reverses=donation.entry).exists()


def test_a_void_request_needs_a_reason(client, officer, donation):
    client = _client_as(client, officer)
    response = client.post(
        reverse("collection:void-request-new", kwargs={"pk": donation.receipt.pk}), {"reason": ""}
    )
    assert response.status_code == 400
    assert 'id="id_reason_errors"' in response.content.decode()
    assert not ReceiptVoidRequest.objects.exists()


def test_an_officer_cannot_approve_a_void(client, officer, make_user, donation):
    void_request = services.receipt_void_request(
        receipt=donation.receipt, reason="wrong", actor=make_user("finance_officer")
    )
    client = _client_as(client, officer)
    page = client.get(reverse("collection:void-requests")).content.decode()
    url = reverse("collection:void-approve", kwargs={"pk": void_request.pk})
    assert url not in page
    assert client.post(url).status_code == 403
    assert not Receipt.objects.get(pk=donation.receipt.pk).is_void


# --------------------------------------------------------------------------------------------
# pledges
# --------------------------------------------------------------------------------------------
def _overdue_pledge(donor):
    return services.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money("1000.00", "CNY"),
        pledged_on=date.today() - timedelta(days=40),
        due_date=date.today() - timedelta(days=10),
        actor=None,
    )


def test_overdue_pledges_are_highlighted_with_a_reminder_letter(client, officer, books):
    client = _client_as(client, officer)
    pledge = _overdue_pledge(person())
    html = client.get(reverse("collection:pledges")).content.decode()
    assert 'class="overdue"' in html
    assert "overdue 10 days" in html
    assert reverse("collection:pledge-reminder", kwargs={"pk": pledge.pk}) in html
    # the officer has no write-off button
    assert reverse("collection:pledge-write-off", kwargs={"pk": pledge.pk}) not in html
    pdf = client.get(reverse("collection:pledge-reminder", kwargs={"pk": pledge.pk}))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_pledge_write_off_needs_a_reason(client, supervisor, books):
    client = _client_as(client, supervisor)
    pledge = _overdue_pledge(person())
    url = reverse("collection:pledge-write-off", kwargs={"pk": pledge.pk})
    assert url in client.get(reverse("collection:pledges")).content.decode()

    # when written off without a reason
    response = client.post(url, {"reason": "  "})
    # then the form says so next to the field and nothing changes
    assert response.status_code == 400
    assert 'id="id_reason_errors"' in response.content.decode()
    assert not Pledge.objects.get(pk=pledge.pk).written_off

    # when written off with a reason
    response = client.post(url, {"reason": "donor went bankrupt"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.written_off and pledge.write_off_reason == "donor went bankrupt"


# --------------------------------------------------------------------------------------------
# cash, deposits, allocations
# --------------------------------------------------------------------------------------------
def test_cash_held_over_three_days_is_highlighted_and_can_be_deposited(client, officer, books):
    # given cash received five days ago
    client = _client_as(client, officer)
    donate(person(), "800.00", method="cash", day=date.today() - timedelta(days=5))

    # then the cash page and the home-page snippet flag it
    html = client.get(reverse("collection:cash-held")).content.decode()
    assert 'class="overdue"' in html
    from django.template.loader import render_to_string

    from ledger.collection.selectors import cash_held

    snippet = render_to_string(
        "ledger/collection/_cash_warning.html", {"cash_held": cash_held(today=date.today())}
    )
    assert "CNY 800.00" in snippet and "5 days" in snippet

    # when the officer deposits it (twice with the same form key)
    data = {
        "fund": str(_fund_pk("RELIEF")),
        "amount": "800.00",
        "currency": "CNY",
        "deposited_on": date.today().isoformat(),
        "bank_slip": "B-1",
        "idempotency_key": "web:dep-1",
    }
    assert client.post(reverse("collection:deposits"), data).status_code == 302
    assert client.post(reverse("collection:deposits"), data).status_code == 302

    # then one deposit exists and the cash is no longer flagged
    assert CashDeposit.objects.count() == 1
    assert 'class="overdue"' not in client.get(reverse("collection:cash-held")).content.decode()


def test_a_deposit_of_more_cash_than_held_is_refused_on_the_form(client, officer, books):
    client = _client_as(client, officer)
    data = {
        "fund": str(_fund_pk("RELIEF")),
        "amount": "50.00",
        "currency": "CNY",
        "deposited_on": date.today().isoformat(),
        "bank_slip": "",
        "idempotency_key": "web:dep-2",
    }
    response = client.post(reverse("collection:deposits"), data)
    assert response.status_code == 400
    assert "cash on hand" in response.content.decode()
    assert not CashDeposit.objects.exists()


def _allocation_post(**changes):
    data = {
        "kind": "fiscal",
        "source_name": "县财政局",
        "source_credit_code": "",
        "fund": str(_fund_pk("RELIEF")),
        "amount": "10000.00",
        "currency": "CNY",
        "method": "bank",
        "received_on": date.today().isoformat(),
        "document_no": "县财〔2026〕1号",
        "idempotency_key": "web:alloc-1",
    }
    data.update(changes)
    return data


def test_an_allocation_gets_a_settlement_receipt(client, officer, books):
    client = _client_as(client, officer)
    form = client.get(reverse("collection:allocation-new")).content.decode()
    assert "receipt_type" not in form
    response = client.post(reverse("collection:allocation-new"), _allocation_post())
    assert response.status_code == 302
    allocation = Allocation.objects.get()
    assert allocation.receipt.type == "settlement"
    assert allocation.receipt.code in client.get(reverse("collection:allocations")).content.decode()


def test_an_allocation_asking_for_a_donation_receipt_is_refused_with_the_reason(
    client, officer, books
):
    client = _client_as(client, officer)
    response = client.post(
        reverse("collection:allocation-new"), _allocation_post(receipt_type="donation")
    )
    assert response.status_code == 400
    assert "never a donation receipt" in response.content.decode()
    assert not Allocation.objects.exists()


# --------------------------------------------------------------------------------------------
# bulk import
# --------------------------------------------------------------------------------------------
def _upload(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_import_with_a_bad_row_shows_the_rows_and_records_nothing(client, officer, books):
    client = _client_as(client, officer)
    rows = rows_ok()
    rows[1][5] = "-3"  # amount of the second data row (row 3 of the file)
    response = client.post(
        reverse("collection:donation-import"), {"file": _upload(csv_bytes(rows), "day.csv")}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="import-errors"' in html
    assert '<td class="num">3</td>' in html and "amount" in html
    assert "The amount must be more than zero." in html
    assert Donation.objects.count() == 0


def test_a_valid_import_shows_the_count_and_twice_is_once(client, officer, books):
    client = _client_as(client, officer)
    content = csv_bytes(rows_ok())
    response = client.post(
        reverse("collection:donation-import"), {"file": _upload(content, "day.csv")}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 donations recorded" in html
    assert '<progress max="3" value="3">' in html
    assert "CNY 1,230.50" in html
    assert Donation.objects.count() == 3

    again = client.post(
        reverse("collection:donation-import"), {"file": _upload(content, "day.csv")}
    )
    assert "already imported on" in again.content.decode()
    assert Donation.objects.count() == 3


def test_an_import_with_a_wrong_header_is_refused_with_the_reason(client, officer, books):
    client = _client_as(client, officer)
    content = csv_bytes(rows_ok(), header=["who", "what"])
    response = client.post(
        reverse("collection:donation-import"), {"file": _upload(content, "x.csv")}
    )
    assert response.status_code == 400
    assert "The header row is wrong" in response.content.decode()
    assert Donation.objects.count() == 0


def test_the_menu_shows_money_in_items_to_officers_only(client, officer, make_user, db):
    from fundapp.navigation import items_for

    labels = [str(i["label"]) for i in items_for(officer, None)]
    assert "New donation" in labels and "Void requests" in labels
    worker_labels = [str(i["label"]) for i in items_for(make_user("case_worker"), None)]
    assert "New donation" not in worker_labels


def test_donors_search_and_export(client, officer, db):
    # given a unit and a person
    client = _client_as(client, officer)
    unit()
    person("王五")

    # when the officer searches by the start of the credit code
    html = client.get(reverse("collection:donors"), {"q": UNIT_CODE[:8]}).content.decode()

    # then only the unit is listed, and the export carries both donors when unfiltered
    assert "县财政局" in html and "王五" not in html
    lines = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("collection:donors"), {"format": "csv"}).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert sorted(line[0] for line in lines[1:]) == sorted(["县财政局", "王五"])


def test_a_donor_added_from_the_entry_form_comes_back_chosen(client, officer, books):
    client = _client_as(client, officer)
    response = client.post(
        reverse("collection:donor-new"), {"kind": "person", "name": "赵六", "next": "donation"}
    )
    donor = Donor.objects.get(name="赵六")
    assert response["Location"] == reverse("collection:donation-new") + f"?donor={donor.pk}"
    page = client.get(response["Location"])
    assert page.context["form"]["donor"].value() == donor.pk


def test_receipts_filter_by_status_and_a_pending_void_hides_the_button(client, officer, donation):
    # given two receipts, one with a void request waiting
    other = donate(person("王五"), "10.00")
    services.receipt_void_request(receipt=donation.receipt, reason="wrong", actor=officer)
    client = _client_as(client, officer)

    # when the officer lists the receipts waiting for a void decision
    html = client.get(reverse("collection:receipts")).content.decode()

    # then the receipt with a pending request offers no second void request
    assert reverse("collection:void-request-new", kwargs={"pk": donation.receipt.pk}) not in html
    assert reverse("collection:void-request-new", kwargs={"pk": other.receipt.pk}) in html
    # and filtering by status: nothing is void yet, both are valid
    void_only = client.get(reverse("collection:receipts"), {"status": "void"}).content.decode()
    assert "No receipts match these filters." in void_only
    valid = client.get(reverse("collection:receipts"), {"status": "valid"}).content.decode()
    assert donation.receipt.code in valid and other.receipt.code in valid


def test_screens_read_in_chinese_with_the_memo_in_the_readers_language(client, officer, donation):
    from tests.fundapp.test_chinese import (
        load_pending_translations,
        problems_in,
        raw_codes,
        untranslated_msgids,
        visible_texts,
    )

    # (the Chinese of strings the lead merges into locale/ from TRANSLATIONS.zh.txt)
    load_pending_translations()

    # given a donation recorded by an English reader: its entry's memo was written in English
    entry = donation.entry
    assert entry.memo == "Donation from 县财政局"
    stored = (entry.memo, entry.content_hash, entry.hash)
    client.force_login(officer)
    codes, msgids = raw_codes(), untranslated_msgids()

    # when a Chinese reader opens the collection screens and the journal
    for name in [
        "collection:donation-new",
        "collection:donations",
        "collection:pledges",
        "collection:receipts",
        "ledger:journal",
    ]:
        page = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans")
        # then each reads in Chinese: no raw code, no English catalogue entry
        assert page.status_code == 200
        assert problems_in(visible_texts(page.content.decode()), codes, msgids) == [], name

    # and the journal shows the memo and the source in Chinese
    texts = visible_texts(
        client.get(reverse("ledger:journal"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "县财政局 的捐赠" in texts and "Donation from 县财政局" not in texts
    assert "donation" not in texts
    # and the entry itself is as posted: memo and hashes unchanged, the chain verifies
    entry.refresh_from_db()
    assert (entry.memo, entry.content_hash, entry.hash) == stored
    from django.utils.translation import trans_real

    from ledger.verification import verify_ledger

    assert verify_ledger().ok
    trans_real._translations.pop("zh-hans", None)  # the next test reads the catalogue afresh


# --------------------------------------------------------------------------------------------
# imports read lazily, within limits (issue 13, finding 9)
# --------------------------------------------------------------------------------------------
@pytest.fixture
def rows_parsed(monkeypatch):
    from openpyxl.worksheet import _reader

    counter = {"rows": 0}
    original = _reader.WorkSheetParser.parse_row

    def counting(self, element):
        counter["rows"] += 1
        return original(self, element)

    monkeypatch.setattr(_reader.WorkSheetParser, "parse_row", counting)
    return counter


@pytest.mark.parametrize("screen", ["collection:donation-import", "collection:donor-import"])
def test_an_import_of_300000_rows_is_refused_at_the_limit_not_read_whole(
    client, officer, books, rows_parsed, screen
):
    from tests.common.uploads_util import many_rows_xlsx

    # given a 300,000-row workbook of a few hundred kB
    content = many_rows_xlsx(["捐赠方"], ["张三"], 300_000)
    response = _client_as(client, officer).post(
        reverse(screen), {"file": _upload(content, "big.xlsx")}
    )
    # then it is refused with the limit named, after reading no more rows than the limit
    assert response.status_code == 400
    assert "more than 5000 rows" in response.content.decode()
    assert rows_parsed["rows"] <= 5002
    assert Donation.objects.count() == 0 and Donor.objects.count() == 0


def test_an_import_with_a_huge_cell_is_refused_unread(client, officer, books, rows_parsed):
    from tests.common.uploads_util import huge_cell_xlsx
    from tests.ledger.collection.test_import import HEADER

    # one 100 MB cell compressed into a small upload: refused before openpyxl opens it
    content = huge_cell_xlsx(HEADER, rows_ok()[1], 0, 100 * 1024 * 1024)
    response = _client_as(client, officer).post(
        reverse("collection:donation-import"), {"file": _upload(content, "cell.xlsx")}
    )
    assert response.status_code == 400
    assert "The workbook unpacks to 100 MB" in response.content.decode()
    assert rows_parsed["rows"] == 0
    # and a long cell that fits the archive limit is refused at its row
    content = huge_cell_xlsx(HEADER, rows_ok()[1], 0, 5000)
    response = _client_as(client, officer).post(
        reverse("collection:donation-import"), {"file": _upload(content, "cell.xlsx")}
    )
    assert response.status_code == 400
    assert "Row 2 has a cell longer than 1000 characters" in response.content.decode()
    # and a CSV field past the csv module's own limit is the same refusal, not a server error
    content = csv_bytes([["x" * 200_000, *rows_ok()[1][1:]]])
    response = _client_as(client, officer).post(
        reverse("collection:donation-import"), {"file": _upload(content, "cell.csv")}
    )
    assert response.status_code == 400
    assert "Row 2 has a cell longer than 1000 characters" in response.content.decode()
    assert Donation.objects.count() == 0


def test_an_import_larger_than_the_limit_is_refused_next_to_the_field(
    client, officer, books, settings
):
    settings.UPLOAD_LIMITS = {"import": {"bytes": 100}}
    content = csv_bytes(rows_ok())
    assert len(content) > 100
    response = _client_as(client, officer).post(
        reverse("collection:donation-import"), {"file": _upload(content, "x.csv")}
    )
    assert response.status_code == 400  # the form shown again, its field marked
    page = response.content.decode()
    assert "x.csv is too large" in page and "the limit is 100\xa0bytes" in page
    assert Donation.objects.count() == 0

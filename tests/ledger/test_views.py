"""The finance screens: who may open what, the manual entry form, reversal and period closing.

Pages are requested in English (language cookie) so assertions read the source strings; the
Chinese catalogue is tested in tests/fundapp/test_site.py.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from ledger import services
from ledger.models import EntryRequest, JournalEntry, Period, PeriodStatus
from tests.ledger.factories import transfer
from tests.ledger.four_eyes import four_eyes

ALL_ROLES = [
    "finance_officer",
    "finance_supervisor",
    "auditor",
    "administrator",
    "case_worker",
    "reviewer",
]
READERS = {"finance_officer", "finance_supervisor", "auditor", "administrator"}
POSTERS = {"finance_officer", "finance_supervisor"}


@pytest.fixture
def entry(db):
    # an entry made by hand (approved by two test users): reversed only through a request
    return transfer("1002", "3102", "1200.00", memo="donation from the county bureau")


def _client_as(client, make_user, role):
    if role is not None:
        client.force_login(make_user(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _expected(role, allowed):
    if role is None:
        return "login"
    return 200 if role in allowed else 403


PAGES = [
    ("ledger:chart", READERS),
    ("ledger:journal", READERS),
    ("ledger:entry", READERS),
    ("ledger:entry-new", POSTERS),
    ("ledger:trial-balance", READERS),
    ("ledger:statement", READERS),
    ("ledger:periods", READERS),
]


@pytest.mark.parametrize("role", [None, *ALL_ROLES])
@pytest.mark.parametrize(("name", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_admits_only_its_roles(client, make_user, entry, role, name, allowed):
    # given a user in one role (or nobody signed in)
    client = _client_as(client, make_user, role)
    url = reverse(name, kwargs={"seq": entry.seq}) if name == "ledger:entry" else reverse(name)

    # when they open the page
    response = client.get(url)

    # then readers see it, other roles get 403, anonymous visitors are sent to log in
    expected = _expected(role, allowed)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == expected


EXPORTS = ["ledger:chart", "ledger:journal", "ledger:trial-balance", "ledger:statement"]


@pytest.mark.parametrize("role", [None, *ALL_ROLES])
@pytest.mark.parametrize("name", EXPORTS)
def test_exports_need_the_export_permission(client, make_user, entry, role, name):
    # given a user in one role
    client = _client_as(client, make_user, role)

    # when they ask for the CSV of a list
    response = client.get(reverse(name), {"format": "csv"})

    # then only roles holding ledger.export_ledger get a file
    expected = _expected(role, READERS)
    if expected == "login":
        assert response.status_code == 302
    elif expected == 200:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
    else:
        assert response.status_code == 403


def test_a_viewer_without_export_permission_sees_the_page_but_gets_no_file(
    client, django_user_model, entry
):
    # given a user holding the view permissions of the chart but not ledger.export_ledger
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="x")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="ledger", codename__in=["view_account", "view_balance"]
        )
    )
    client.force_login(user)

    # when they open the chart and ask for its Excel file
    page = client.get(reverse("ledger:chart"))
    download = client.get(reverse("ledger:chart"), {"format": "xlsx"})

    # then the page shows without export links and the file is refused
    assert page.status_code == 200
    assert b"format=xlsx" not in page.content
    assert download.status_code == 403


@pytest.mark.parametrize(
    ("role", "links", "hidden"),
    [
        ("finance_officer", ["ledger:journal", "ledger:entry-new", "ledger:chart"], []),
        ("auditor", ["ledger:journal", "ledger:trial-balance"], ["ledger:entry-new"]),
        ("case_worker", [], ["ledger:journal", "ledger:entry-new", "ledger:chart"]),
    ],
)
def test_navigation_shows_only_the_links_the_role_may_use(client, make_user, role, links, hidden):
    # given a signed-in user in a role
    client = _client_as(client, make_user, role)

    # when they open the home page
    html = client.get(reverse("home")).content.decode()

    # then the menu links to what they may open, and nothing else
    for name in links:
        assert f'href="{reverse(name)}"' in html
    for name in hidden:
        assert f'href="{reverse(name)}"' not in html


# --------------------------------------------------------------------------------------------
# manual entry form
# --------------------------------------------------------------------------------------------
def _entry_post(
    key, lines, *, day=None, memo="manual test entry", total=6, reason="committee minutes 7"
):
    """POST data of the manual entry form: ``lines`` fill the first rows, the rest stay blank."""
    data = {
        "date": (day or date.today()).isoformat(),
        "memo": memo,
        "reason": reason,
        "idempotency_key": key,
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "60",
        "post": "1",
    }
    for i in range(total):
        data[f"lines-{i}-currency"] = "CNY"
        data[f"lines-{i}-account"] = ""
        data[f"lines-{i}-fund"] = ""
        data[f"lines-{i}-side"] = ""
        data[f"lines-{i}-amount"] = ""
        data[f"lines-{i}-memo"] = ""
    for i, (account, fund, side, amount, line_memo) in enumerate(lines):
        data[f"lines-{i}-account"] = str(account.pk)
        data[f"lines-{i}-fund"] = str(fund.pk)
        data[f"lines-{i}-side"] = side
        data[f"lines-{i}-amount"] = amount
        data[f"lines-{i}-memo"] = line_memo
    return data


@pytest.fixture
def books(db):
    from ledger.models import Account, Fund

    return {
        "bank": Account.objects.get(code="1002"),
        "cash": Account.objects.get(code="1001"),
        "income": Account.objects.get(code="4101"),
        "net": Account.objects.get(code="3102"),
        "relief": Fund.objects.get(code="RELIEF"),
        "reward": Fund.objects.get(code="REWARD"),
    }


def test_the_form_offers_blank_rows_and_a_fresh_key(client, officer):
    # given a finance officer
    client.force_login(officer)

    # when they open the form twice
    first = client.get(reverse("ledger:entry-new"))
    second = client.get(reverse("ledger:entry-new"))

    # then each rendering carries its own idempotency key and six blank line rows
    key1 = first.context["form"].initial["idempotency_key"]
    key2 = second.context["form"].initial["idempotency_key"]
    assert key1 != key2 and key1.startswith("web:")
    assert f'value="{key1}"' in first.content.decode()
    assert len(first.context["formset"].forms) == 6


def test_a_valid_entry_submitted_twice_asks_once_and_posts_nothing(client, officer, books):
    # given a balanced two-line entry in the form, with the key the form was rendered with
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _entry_post(
        "web:double-click",
        [
            (books["bank"], books["relief"], "D", "1500.00", "deposit"),
            (books["net"], books["relief"], "C", "1500.00", ""),
        ],
    )

    # when it is submitted twice (a double click) by the officer alone
    first = client.post(reverse("ledger:entry-new"), data)
    second = client.post(reverse("ledger:entry-new"), data)

    # then one request exists, both submissions land on it, and nothing is posted yet
    asked = EntryRequest.objects.get(idempotency_key="web:double-click")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("ledger:request", args=[asked.pk])
    assert asked.made_by == officer and asked.status == "pending"
    assert asked.reason == "committee minutes 7"
    assert [(row["side"], row["amount"]) for row in asked.lines] == [
        ("D", "1500.00"),
        ("C", "1500.00"),
    ]
    assert JournalEntry.objects.count() == 0


def test_an_unbalanced_entry_explains_why_keeps_the_values_and_posts_nothing(
    client, officer, books
):
    # given an entry whose debits exceed its credits by 50.00 in fund RELIEF
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _entry_post(
        "web:unbalanced",
        [
            (books["bank"], books["relief"], "D", "150.00", "typed memo A"),
            (books["income"], books["relief"], "C", "100.00", "typed memo B"),
        ],
        memo="my unbalanced entry",
    )

    # when it is submitted
    response = client.post(reverse("ledger:entry-new"), data)

    # then nothing is posted, the reason names the fund, currency and difference,
    # and everything typed is still in the form, with the same key
    assert response.status_code == 400
    assert JournalEntry.objects.count() == 0
    assert EntryRequest.objects.count() == 0
    html = response.content.decode()
    assert "does not balance for fund RELIEF in CNY" in html
    assert "50.00" in html
    assert 'value="150.00"' in html and 'value="100.00"' in html
    assert 'value="typed memo A"' in html and 'value="my unbalanced entry"' in html
    assert 'value="web:unbalanced"' in html
    assert f'<option value="{books["bank"].pk}" selected>' in html


def test_a_single_line_is_refused_with_the_reason(client, officer, books):
    # given an entry with only one filled row
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _entry_post("web:one-line", [(books["bank"], books["relief"], "D", "10.00", "")])

    # when it is submitted
    response = client.post(reverse("ledger:entry-new"), data)

    # then the service's reason is shown and nothing is posted
    assert response.status_code == 400
    assert "an entry needs at least two lines" in response.content.decode()
    assert JournalEntry.objects.count() == 0
    assert EntryRequest.objects.count() == 0


def test_field_errors_sit_next_to_their_field(client, officer, books):
    # given a row with an amount of three decimals and a missing side
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _entry_post(
        "web:bad-field",
        [
            (books["bank"], books["relief"], "D", "10.005", ""),
            (books["income"], books["relief"], "", "10.00", ""),
        ],
    )

    # when it is submitted
    response = client.post(reverse("ledger:entry-new"), data)

    # then the form is shown again with each error on its own row and nothing is posted
    assert response.status_code == 200
    formset = response.context["formset"]
    assert "amount" in formset.forms[0].errors
    assert "side" in formset.forms[1].errors
    assert 'value="10.005"' in response.content.decode()
    assert JournalEntry.objects.count() == 0


def test_add_lines_keeps_what_was_typed_and_posts_nothing(client, officer, books):
    # given a form with one row typed
    client.force_login(officer)
    data = _entry_post("web:more", [(books["bank"], books["relief"], "D", "77.00", "kept")])
    data.pop("post")
    data["add_lines"] = "1"

    # when the user asks for more lines
    response = client.post(reverse("ledger:entry-new"), data)

    # then the form has six more rows, the typed row is intact and nothing is posted
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 12
    html = response.content.decode()
    assert 'value="77.00"' in html and 'value="kept"' in html
    assert JournalEntry.objects.count() == 0


def test_a_changed_resubmission_is_not_asked_under_the_old_key(client, officer, books):
    # given a request made from a form, whose values the user then changed (back button)
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    lines = [
        (books["bank"], books["relief"], "D", "20.00", ""),
        (books["net"], books["relief"], "C", "20.00", ""),
    ]
    client.post(reverse("ledger:entry-new"), _entry_post("web:reused", lines))
    first = EntryRequest.objects.get()
    changed = _entry_post("web:reused", lines, memo="changed memo")

    # when the changed form is submitted
    response = client.post(reverse("ledger:entry-new"), changed)

    # then nothing new is asked, the user is told why, and the form gets a new key
    assert EntryRequest.objects.count() == 1
    assert response.status_code == 400
    html = response.content.decode()
    assert f"already used to ask for request no. {first.pk}" in html
    assert 'value="web:reused"' not in html
    assert 'value="changed memo"' in html

    # and submitting that re-rendered form asks for the new entry once
    new_key = response.context["form"].data["idempotency_key"]
    again = client.post(reverse("ledger:entry-new"), {**changed, "idempotency_key": new_key})
    assert again.status_code == 302
    assert EntryRequest.objects.count() == 2
    assert JournalEntry.objects.count() == 0


def test_an_entry_into_a_closed_period_is_refused_with_the_reason(
    client, officer, supervisor, books
):
    # given a closed period
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    period = services.period_open(
        code="2020-01", start=date(2020, 1, 1), end=date(2020, 1, 31), actor=supervisor
    )
    services.period_close(period=period, actor=supervisor)
    data = _entry_post(
        "web:closed",
        [
            (books["bank"], books["relief"], "D", "5.00", ""),
            (books["net"], books["relief"], "C", "5.00", ""),
        ],
        day=date(2020, 1, 15),
    )

    # when an entry dated in it is submitted
    response = client.post(reverse("ledger:entry-new"), data)

    # then it is refused (a manual entry by one person is refused before its period is
    # looked at: posting into a closed period is refused in test_services) and nothing posts
    assert response.status_code == 400
    html = response.content.decode()
    assert "Period 2020-01 is closed" in html
    assert "A correction goes into the current open period" in html
    assert "Date the entry" not in html  # never a suggestion to change a document's date
    assert JournalEntry.objects.count() == 0
    assert EntryRequest.objects.count() == 0


# --------------------------------------------------------------------------------------------
# entry detail and reversal
# --------------------------------------------------------------------------------------------
def test_entry_detail_shows_lines_totals_and_hash(client, auditor, entry):
    # given an auditor
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when they open an entry
    response = client.get(reverse("ledger:entry", args=[entry.seq]))

    # then they see its lines, total with currency and hash, but no reverse button
    html = response.content.decode()
    assert "CNY 1,200.00" in html
    assert entry.hash in html
    assert "donation from the county bureau" in html
    assert reverse("ledger:entry-reverse", args=[entry.seq]) not in html


def _reverse_post(key="web:reverse-1", reason="keyed twice", day=None):
    return {
        "date": (day or date.today()).isoformat(),
        "reason": reason,
        "idempotency_key": key,
    }


def test_reverse_twice_asks_once_and_a_second_person_posts_it(client, officer, supervisor, entry):
    # given a finance officer on a posted entry made by hand
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = client.get(reverse("ledger:entry", args=[entry.seq])).content.decode()
    url = reverse("ledger:entry-reverse", args=[entry.seq])
    assert url in detail

    # when the reversal is asked for twice (a double click)
    first = client.post(url, _reverse_post())
    second = client.post(url, _reverse_post())

    # then one request exists, both presses lead to it, and nothing is posted yet
    asked = EntryRequest.objects.get()
    assert first["Location"] == second["Location"] == reverse("ledger:request", args=[asked.pk])
    assert (asked.kind, asked.reverses, asked.reason) == ("reversal", entry, "keyed twice")
    assert not JournalEntry.objects.filter(reverses=entry).exists()
    page = client.get(reverse("ledger:entry", args=[entry.seq])).content.decode()
    assert "A reversal of this entry is waiting for approval" in page
    assert url not in page  # no second form while one waits

    # and when the supervisor approves it, the reversal is posted, once
    client.force_login(supervisor)
    decide = reverse("ledger:request-decide", args=[asked.pk, "approve"])
    client.post(decide, {"note": ""})
    client.post(decide, {"note": ""})
    reversal = JournalEntry.objects.get(reverses=entry)
    assert (reversal.made_by, reversal.approved_by) == (officer, supervisor)
    page = client.get(reverse("ledger:entry", args=[entry.seq])).content.decode()
    assert f"entry no. {reversal.seq}" in page


def test_a_reversal_without_a_reason_is_refused_next_to_the_field(client, officer, entry):
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("ledger:entry-reverse", args=[entry.seq]), _reverse_post(reason="")
    )
    assert response.status_code == 400
    assert "reason" in response.context["reversal_form"].errors
    assert "Give the reason" in response.content.decode()
    assert EntryRequest.objects.count() == 0


def test_reversal_is_a_post_only_action(client, officer, entry):
    client.force_login(officer)
    response = client.get(reverse("ledger:entry-reverse", args=[entry.seq]))
    assert response.status_code == 405
    assert not JournalEntry.objects.filter(reverses=entry).exists()


def test_reversal_refused_for_auditor(client, auditor, entry):
    client.force_login(auditor)
    response = client.post(reverse("ledger:entry-reverse", args=[entry.seq]), _reverse_post())
    assert response.status_code == 403
    assert EntryRequest.objects.count() == 0
    assert not JournalEntry.objects.filter(reverses=entry).exists()


def test_reversing_a_reversal_shows_the_reason(client, officer, entry):
    # given a reversal
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    reversal = services.journal_reverse(entry=entry, actor=officer, **four_eyes())

    # when someone asks to reverse the reversal
    response = client.post(reverse("ledger:entry-reverse", args=[reversal.seq]), _reverse_post())

    # then nothing is asked or posted and the page says why
    assert response.status_code == 409
    assert "is itself a reversal" in response.content.decode()
    assert JournalEntry.objects.count() == 2
    assert EntryRequest.objects.count() == 0


# --------------------------------------------------------------------------------------------
# lists
# --------------------------------------------------------------------------------------------
def test_journal_filters_and_pages(client, auditor, db):
    # given 55 entries, 3 of them about rice
    for i in range(52):
        transfer("1002", "3101", f"{i + 1}.00", memo=f"donation {i}")
    for i in range(3):
        transfer("1001", "3101", "9.00", memo=f"rice money {i}", fund="REWARD")
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when the journal is opened unfiltered, on page 2, and filtered by text and fund
    page1 = client.get(reverse("ledger:journal"))
    page2 = client.get(reverse("ledger:journal"), {"page": 2})
    rice = client.get(reverse("ledger:journal"), {"text": "rice"})
    from ledger.models import Fund

    reward = client.get(reverse("ledger:journal"), {"fund": Fund.objects.get(code="REWARD").pk})

    # then pages hold 50 and 5 entries and the filters narrow the list
    assert len(page1.context["rows"]) == 50
    assert len(page2.context["rows"]) == 5
    assert len(rice.context["rows"]) == 3
    assert {r["entry"].memo for r in reward.context["rows"]} == {
        f"rice money {i}" for i in range(3)
    }
    assert "CNY 9.00" in rice.content.decode()


def test_journal_rejects_an_inverted_date_range(client, auditor, entry):
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        reverse("ledger:journal"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["rows"] == []


def test_chart_shows_balances_per_fund(client, auditor, db):
    # given money in two funds
    transfer("1002", "3101", "100.00", fund="RELIEF")
    transfer("1002", "3101", "30.00", fund="REWARD")
    client.force_login(auditor)
    from ledger.models import Fund

    # when the chart is shown for all funds and for one
    everything = client.get(reverse("ledger:chart")).content.decode()
    relief = client.get(
        reverse("ledger:chart"), {"fund": Fund.objects.get(code="RELIEF").pk}
    ).content.decode()

    # then the balances follow the fund filter, with their currency
    assert "CNY 130.00" in everything
    assert "CNY 100.00" in relief and "CNY 130.00" not in relief


def test_trial_balance_shows_totals_and_balanced(client, auditor, db):
    # given a few postings
    transfer("1001", "3101", "500.00")
    transfer("1002", "1001", "200.00")
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when the trial balance is shown
    response = client.get(reverse("ledger:trial-balance"))

    # then debits and credits total 500.00 each and the page says it balances
    html = response.content.decode()
    assert response.context["totals"] == [
        {
            "currency": "CNY",
            "debit": Decimal("500.00"),
            "credit": Decimal("500.00"),
            "balanced": True,
        }
    ]
    assert "CNY: balanced" in html
    assert "CNY 500.00" in html


def test_trial_balance_as_of_a_date(client, auditor, db):
    transfer("1001", "3101", "500.00", day=date(2025, 3, 1))
    transfer("1001", "3101", "70.00", day=date(2025, 3, 5))
    client.force_login(auditor)
    response = client.get(reverse("ledger:trial-balance"), {"as_of": "2025-03-02"})
    assert response.context["totals"][0]["debit"] == Decimal("500.00")


def test_statement_shows_running_balance(client, auditor, db):
    # given three movements on the bank account
    transfer("1002", "3101", "100.00", memo="first")
    transfer("1002", "3101", "50.00", memo="second")
    transfer("2201", "1002", "30.00", memo="third")
    client.force_login(auditor)
    from ledger.models import Account

    bank = Account.objects.get(code="1002")

    # when the statement of the bank account is shown
    response = client.get(reverse("ledger:statement"), {"account": bank.pk, "currency": "CNY"})

    # then rows are newest first with the balance after each
    rows = response.context["statement"].rows
    assert [str(r.balance) for r in rows] == ["120.00", "150.00", "100.00"]
    assert "CNY 120.00" in response.content.decode()


def test_statement_defaults_to_the_first_account(client, auditor, db):
    client.force_login(auditor)
    response = client.get(reverse("ledger:statement"))
    assert response.status_code == 200
    assert response.context["statement"].account.code == "1001"


def test_statement_pages_keep_the_chosen_account(client, auditor, db):
    # given 52 lines on the cash account (the first in the chart)
    for i in range(52):
        transfer("1001", "3101", f"{i + 1}.00")
    client.force_login(auditor)

    # when page 2 of the default statement is asked for
    page2 = client.get(reverse("ledger:statement"), {"page": 2})

    # then it holds the two oldest lines, with their running balances
    statement = page2.context["statement"]
    assert (statement.account.code, statement.page, statement.pages) == ("1001", 2, 2)
    assert [str(r.balance) for r in statement.rows] == ["3.00", "1.00"]
    assert "?page=1" in page2.content.decode()


# --------------------------------------------------------------------------------------------
# periods
# --------------------------------------------------------------------------------------------
def test_supervisor_closes_a_period_from_its_closing_page(client, supervisor, db):
    # given an open period that is over
    period = Period.objects.create(code="2024-05", start=date(2024, 5, 1), end=date(2024, 5, 31))
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("ledger:periods")).content.decode()
    close_url = reverse("ledger:period-close", args=[period.pk])
    assert close_url in page
    confirm = client.get(close_url)
    assert confirm.status_code == 200
    assert "Nothing is open in this period." in confirm.content.decode()

    # when the supervisor presses Close (twice)
    client.post(close_url)
    response = client.post(close_url, follow=True)

    # then the period is closed, by them, and the next one is open and listed
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED and period.closed_by == supervisor
    html = response.content.decode()
    assert "Period 2024-05 is closed." in html
    assert Period.objects.get(code="2024-06").status == PeriodStatus.OPEN
    assert "2024-06" in html


def test_officer_cannot_close_a_period(client, officer, db):
    period = Period.objects.create(code="2024-06", start=date(2024, 6, 1), end=date(2024, 6, 30))
    client.force_login(officer)
    page = client.get(reverse("ledger:periods")).content.decode()
    response = client.post(reverse("ledger:period-close", args=[period.pk]))
    assert reverse("ledger:period-close", args=[period.pk]) not in page
    assert response.status_code == 403
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN

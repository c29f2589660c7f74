"""Four eyes on every manual entry and reversal (entry requests), the flows' entries corrected
only through their flow, and periods that close safely — through the services, the screens,
the API and (for what the database holds) raw SQL.

Messages are asserted in English (``translation.override`` / the language cookie); the pages
are also rendered in Chinese.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money
from rest_framework.test import APIClient

from ledger import corrections, exceptions, services
from ledger.models import (
    AmountCeiling,
    AuditEvent,
    EntryRequest,
    JournalEntry,
    Period,
    PeriodStatus,
)
from ledger.services import LineSpec
from tests.ledger.collection.factories import book, donate, unit
from tests.ledger.factories import transfer

pytestmark = pytest.mark.django_db

API = "/api/ledger"
PDF = b"%PDF-1.4\n% a bank slip\n"
TODAY = date.today()


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def second_supervisor(make_user):
    return make_user("finance_supervisor", username="supervisor2")


def lines(amount="100.00", *, debit="1002", credit="3102", fund="RELIEF"):
    money = Money(Decimal(amount), "CNY")
    return [LineSpec(debit, fund, "D", money), LineSpec(credit, fund, "C", money)]


def ask(maker, *, key="k-1", amount="100.00", day=None, reason="committee minutes 7", **kw):
    return services.entry_request_submit(
        date=day or TODAY,
        lines=kw.pop("lines", None) or lines(amount),
        reason=reason,
        idempotency_key=key,
        actor=maker,
        **kw,
    )


def pdf(name="slip.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


@pytest.fixture
def flow_entry(db):
    """A donation's entry, made by the donation flow with its receipt."""
    book(type="donation", first=1, last=100)
    return donate(unit(), "500.00").entry


# --------------------------------------------------------------------------------------------
# services: asking
# --------------------------------------------------------------------------------------------
def test_a_request_is_checked_at_once_and_posts_nothing(officer):
    # when an officer asks for a balanced entry
    asked = ask(officer, memo="opening balance", attachments=[pdf()])

    # then it waits, nothing is posted, and the step is audited with its document's hash
    assert (asked.status, asked.kind, asked.made_by, asked.entry) == (
        "pending",
        "entry",
        officer,
        None,
    )
    assert asked.lines[0] == {
        "account": "1002",
        "fund": "RELIEF",
        "side": "D",
        "amount": "100.00",
        "currency": "CNY",
        "memo": "",
    }
    assert JournalEntry.objects.count() == 0
    document = asked.attachments.get()
    assert (document.content_type, document.size) == ("application/pdf", len(PDF))
    event = AuditEvent.objects.get(action="entry_request.submit")
    assert event.actor == officer and event.data["attachments"] == [document.sha256]


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (
            {"lines": [LineSpec("1002", "RELIEF", "D", Money("5.00", "CNY"))]},
            exceptions.InvalidEntry,
            "at least two lines",
        ),
        (
            {
                "lines": [
                    LineSpec("1002", "RELIEF", "D", Money("5.00", "CNY")),
                    LineSpec("3102", "RELIEF", "C", Money("4.00", "CNY")),
                ]
            },
            exceptions.UnbalancedEntry,
            "does not balance for fund RELIEF",
        ),
        ({"reason": "   "}, exceptions.InvalidInput, "Give the reason"),
        ({"amount": "100000000.01"}, exceptions.AmountTooLarge, "above the ceiling"),
        (
            {"attachments": [SimpleUploadedFile("slip.pdf", b"MZ not a pdf", "application/pdf")]},
            exceptions.InvalidInput,
            "is not a PDF, JPEG or PNG file",
        ),
        (
            {"attachments": [SimpleUploadedFile("empty.pdf", b"", "application/pdf")]},
            exceptions.InvalidInput,
            "is empty",
        ),
    ],
    ids=["one-line", "unbalanced", "no-reason", "ceiling", "not-a-document", "empty-file"],
)
def test_a_bad_request_is_refused_at_once_and_nothing_is_asked(officer, change, error, words):
    with pytest.raises(error, match=words):
        ask(officer, **change)
    assert EntryRequest.objects.count() == 0
    assert AuditEvent.objects.filter(action="entry_request.submit").count() == 0


def test_the_ceiling_is_the_administrators_and_counts_the_whole_entry(officer):
    # given a manual-entry ceiling lowered to 1,000
    AmountCeiling.objects.create(kind="manual_entry", ceiling=Decimal("1000.00"))
    two_debits = [
        LineSpec("1002", "RELIEF", "D", Money("600.00", "CNY")),
        LineSpec("1002", "REWARD", "D", Money("600.00", "CNY")),
        LineSpec("3102", "RELIEF", "C", Money("600.00", "CNY")),
        LineSpec("3102", "REWARD", "C", Money("600.00", "CNY")),
    ]
    # then an entry whose debits total 1,200 is refused, one of 1,000 is asked
    with pytest.raises(exceptions.AmountTooLarge, match="1,200.00 is above the ceiling of 1,000"):
        ask(officer, lines=two_debits)
    assert ask(officer, amount="1000.00").status == "pending"


def test_a_request_dated_in_a_closed_period_is_refused_saying_where_corrections_go(
    officer, supervisor
):
    period = services.period_open(
        code="2020-02", start=date(2020, 2, 1), end=date(2020, 2, 29), actor=supervisor
    )
    services.period_close(period=period, actor=supervisor)
    with pytest.raises(exceptions.PeriodClosed) as refused:
        ask(officer, day=date(2020, 2, 10))
    assert "A correction goes into the current open period" in str(refused.value)
    assert "Date the entry" not in str(refused.value)
    assert EntryRequest.objects.count() == 0


def test_a_retry_asks_once_and_a_reused_key_is_refused(officer):
    first = ask(officer, key="double-click")
    assert ask(officer, key="double-click") == first
    with pytest.raises(exceptions.IdempotencyConflict):
        ask(officer, key="double-click", amount="101.00")
    assert EntryRequest.objects.count() == 1


# --------------------------------------------------------------------------------------------
# services: deciding
# --------------------------------------------------------------------------------------------
def test_a_second_person_approves_and_the_entry_is_posted_once(officer, supervisor):
    # given a pending request
    asked = ask(officer, memo="transfer in from the county")

    # when a supervisor approves it (twice: a double click)
    approved = services.entry_request_approve(request=asked, actor=supervisor, note="seen")
    again = services.entry_request_approve(request=asked, actor=supervisor)

    # then one manual entry is posted naming maker, approver and reason
    entry = JournalEntry.objects.get()
    assert approved.entry == again.entry == entry
    assert (approved.status, approved.decided_by, approved.decision_note) == (
        "approved",
        supervisor,
        "seen",
    )
    assert (entry.source, entry.made_by, entry.approved_by, entry.posted_by) == (
        "manual",
        officer,
        supervisor,
        supervisor,
    )
    assert entry.reason == "committee minutes 7"
    assert entry.memo == "transfer in from the county"
    assert AuditEvent.objects.filter(action="entry_request.approve").count() == 1


def test_the_maker_never_decides_their_own_request(supervisor):
    # given a request made by a supervisor (who holds the right to approve)
    asked = ask(supervisor)

    # then they can neither approve nor reject it, and nothing changes
    with pytest.raises(exceptions.FourEyes, match="second person"):
        services.entry_request_approve(request=asked, actor=supervisor)
    with pytest.raises(exceptions.FourEyes):
        services.entry_request_reject(request=asked, actor=supervisor, reason="no")
    asked.refresh_from_db()
    assert asked.status == "pending" and JournalEntry.objects.count() == 0


def test_the_officer_may_not_approve_at_all(officer, make_user):
    asked = ask(make_user("finance_officer"))
    with pytest.raises(exceptions.PermissionDenied):
        services.entry_request_approve(request=asked, actor=officer)
    with pytest.raises(exceptions.FourEyes):
        services.entry_request_approve(request=asked, actor=None)  # the system is nobody
    assert JournalEntry.objects.count() == 0


def test_the_database_refuses_a_maker_deciding_their_own_request(officer, vendor):
    asked = ask(officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryRequest.objects.filter(pk=asked.pk).update(decided_by=officer)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_entryrequest SET decided_by_id = made_by_id WHERE id = %s", [asked.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entryrequest SET reason = '' WHERE id = %s", [asked.pk])
    asked.refresh_from_db()
    assert asked.decided_by is None and asked.reason


def test_reject_needs_a_reason_and_posts_nothing(officer, supervisor):
    asked = ask(officer)
    with pytest.raises(exceptions.InvalidInput, match="Say why"):
        services.entry_request_reject(request=asked, actor=supervisor, reason=" ")
    rejected = services.entry_request_reject(request=asked, actor=supervisor, reason="no slip")
    assert (rejected.status, rejected.decision_note) == ("rejected", "no slip")
    with pytest.raises(exceptions.RequestDecided):
        services.entry_request_approve(request=asked, actor=supervisor)
    assert JournalEntry.objects.count() == 0


def test_only_the_maker_withdraws_and_a_withdrawn_request_is_never_posted(
    officer, supervisor, make_user
):
    asked = ask(officer)
    with pytest.raises(exceptions.PermissionDenied):
        services.entry_request_withdraw(request=asked, actor=make_user("finance_officer"))
    withdrawn = services.entry_request_withdraw(request=asked, actor=officer)
    assert services.entry_request_withdraw(request=asked, actor=officer).status == "withdrawn"
    assert withdrawn.status == "withdrawn" and withdrawn.decided_by is None
    with pytest.raises(exceptions.RequestDecided):
        services.entry_request_approve(request=asked, actor=supervisor)
    assert JournalEntry.objects.count() == 0
    assert AuditEvent.objects.filter(action="entry_request.withdraw").count() == 1


def test_documents_are_added_by_the_maker_while_pending(officer, supervisor):
    asked = ask(officer)
    with pytest.raises(exceptions.PermissionDenied):
        services.entry_request_attach(request=asked, uploads=[pdf()], actor=supervisor)
    png = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n....", "image/png")
    [added] = services.entry_request_attach(request=asked, uploads=[png], actor=officer)
    assert added.content_type == "image/png"
    services.entry_request_reject(request=asked, actor=supervisor, reason="no")
    with pytest.raises(exceptions.RequestDecided):
        services.entry_request_attach(request=asked, uploads=[pdf()], actor=officer)


# --------------------------------------------------------------------------------------------
# services: reversals
# --------------------------------------------------------------------------------------------
def test_a_hand_made_entry_is_reversed_only_by_an_approved_request(
    officer, supervisor, second_supervisor
):
    # given an entry made by hand (an approved request)
    original = services.entry_request_approve(request=ask(officer), actor=supervisor).entry

    # when a supervisor asks for its reversal, and another supervisor approves it
    asked = services.reversal_request_submit(
        entry=original, reason="keyed twice", idempotency_key="rev", actor=supervisor
    )
    assert not JournalEntry.objects.filter(reverses=original).exists()
    done = services.entry_request_approve(request=asked, actor=second_supervisor)

    # then the reversal is posted, pointing to it, naming both people and the reason
    reversal = done.entry
    assert reversal.reverses == original
    assert (reversal.made_by, reversal.approved_by, reversal.reason) == (
        supervisor,
        second_supervisor,
        "keyed twice",
    )
    assert reversal.source == "manual"


def test_journal_reverse_refuses_a_hand_made_entry_without_four_eyes(officer, supervisor):
    original = services.entry_request_approve(request=ask(officer), actor=supervisor).entry
    for kwargs in (
        {},
        {"made_by_id": officer.pk, "approved_by_id": officer.pk, "reason": "x"},
        {"made_by_id": officer.pk, "approved_by_id": supervisor.pk, "reason": ""},
    ):
        with pytest.raises(exceptions.NotReversible, match="reversal request"):
            services.journal_reverse(entry=original, actor=supervisor, **kwargs)
    assert not JournalEntry.objects.filter(reverses=original).exists()


def test_a_flow_entry_is_never_reversed_by_hand(officer, supervisor, flow_entry):
    # when someone asks to reverse a donation's entry
    with pytest.raises(exceptions.CorrectedByFlow) as refused:
        services.reversal_request_submit(
            entry=flow_entry, reason="wrong donor", idempotency_key="r", actor=officer
        )

    # then they are sent to the receipt's void, and nothing is asked or posted
    message = str(refused.value)
    assert "ask for the receipt to be voided" in message
    assert refused.value.url.startswith("/collection/receipts/")
    assert refused.value.code == "corrected_by_flow" and refused.value.status == 409
    assert EntryRequest.objects.count() == 0
    # and a request forged around the check is refused again at approval
    forged = EntryRequest.objects.create(
        kind="reversal",
        date=TODAY,
        reason="forged",
        reverses=flow_entry,
        made_by=officer,
        idempotency_key="forged",
    )
    with pytest.raises(exceptions.CorrectedByFlow):
        services.entry_request_approve(request=forged, actor=supervisor)
    assert not JournalEntry.objects.filter(reverses=flow_entry).exists()


def test_every_flow_says_where_its_entries_are_corrected(db):
    # an award's, a payment's: the apps above register their corrections
    from approvals.corrections import award_correction
    from disbursement.hooks import payout_correction

    assert corrections._finders["approvals"] == [award_correction]
    assert corrections._finders["disbursement"] == [payout_correction]
    # a source nobody registered still gets a clear refusal
    entry = transfer("1002", "3102", "5.00")
    entry.source = "fee"  # in memory only: how a new flow's entry would look
    refusal = corrections.flow_refusal(entry)
    assert "made by the fee flow" in str(refusal) and refusal.url == ""
    entry.source = "manual"
    assert corrections.flow_refusal(entry) is None


def test_a_flow_still_reverses_its_own_entry(officer, supervisor, flow_entry):
    # the receipt's void (asked by one, approved by another) reverses the donation's entry
    from ledger.collection import services as collection

    receipt = flow_entry.receipt
    void = collection.receipt_void_request(receipt=receipt, reason="wrong donor", actor=officer)
    collection.receipt_void_approve(request=void, actor=supervisor)
    assert JournalEntry.objects.filter(reverses=flow_entry).count() == 1


# --------------------------------------------------------------------------------------------
# screens
# --------------------------------------------------------------------------------------------
def _as(client, user, lang="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_request_screens_render_in_both_languages(client, officer, supervisor, lang):
    asked = ask(officer, attachments=[pdf()])
    pages = [
        reverse("ledger:requests"),
        reverse("ledger:request", args=[asked.pk]),
        reverse("ledger:entry-new"),
        reverse("home"),
    ]
    for user in (officer, supervisor):
        _as(client, user, lang)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (url, lang)
            assert f'lang="{lang}"' in response.content.decode()


def test_the_approver_sees_what_waits_and_decides_it_on_the_screen(client, officer, supervisor):
    asked = ask(officer)
    # the supervisor's home page counts it and links to the list
    home = _as(client, supervisor).get(reverse("home")).content.decode()
    assert "1 manual entry or reversal</a> is waiting for your approval" in home
    assert reverse("ledger:requests") + "?show=waiting" in home
    listing = client.get(reverse("ledger:requests")).content.decode()
    assert reverse("ledger:request", args=[asked.pk]) in listing
    detail = client.get(reverse("ledger:request", args=[asked.pk])).content.decode()
    assert reverse("ledger:request-decide", args=[asked.pk, "approve"]) in detail

    # when they approve it
    response = client.post(reverse("ledger:request-decide", args=[asked.pk, "approve"]))

    # then it is posted, and the maker's home page shows its state
    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    home = _as(client, officer).get(reverse("home")).content.decode()
    assert "approved and posted" in home
    assert reverse("ledger:entry", args=[entry.seq]) in home


def test_the_maker_cannot_approve_on_the_screen(client, supervisor, second_supervisor):
    asked = ask(supervisor)
    _as(client, supervisor)
    detail = client.get(reverse("ledger:request", args=[asked.pk])).content.decode()
    assert reverse("ledger:request-decide", args=[asked.pk, "approve"]) not in detail
    assert "a second person with the right to approve decides it" in detail
    response = client.post(reverse("ledger:request-decide", args=[asked.pk, "approve"]))
    assert response.status_code == 403
    assert "You made request no." in response.content.decode()
    assert JournalEntry.objects.count() == 0
    # the officer, without the right, is turned away before anything
    assert "0 manual" not in client.get(reverse("home")).content.decode()


def test_officer_gets_403_on_approve_and_reject_needs_a_reason_on_the_screen(
    client, officer, supervisor, make_user
):
    asked = ask(make_user("finance_officer"))
    response = _as(client, officer).post(
        reverse("ledger:request-decide", args=[asked.pk, "approve"])
    )
    assert response.status_code == 403
    _as(client, supervisor)
    response = client.post(
        reverse("ledger:request-decide", args=[asked.pk, "reject"]), {"note": ""}
    )
    assert response.status_code == 400
    assert "note" in response.context["decision_form"].errors
    asked.refresh_from_db()
    assert asked.status == "pending"


def test_a_flow_entry_page_sends_to_the_flow_instead_of_a_reverse_button(
    client, officer, flow_entry
):
    _as(client, officer)
    page = client.get(reverse("ledger:entry", args=[flow_entry.seq])).content.decode()
    receipt = flow_entry.receipt
    assert reverse("ledger:entry-reverse", args=[flow_entry.seq]) not in page
    assert "ask for the receipt to be voided" in page
    assert reverse("collection:void-request-new", args=[receipt.pk]) in page
    # and a forged POST is refused with the same way out
    response = client.post(
        reverse("ledger:entry-reverse", args=[flow_entry.seq]),
        {"date": TODAY.isoformat(), "reason": "x", "idempotency_key": "web:forged"},
    )
    assert response.status_code == 409
    assert reverse("collection:void-request-new", args=[receipt.pk]) in response.content.decode()
    assert EntryRequest.objects.count() == 0


def test_the_entry_form_shows_the_ceiling_next_to_the_amount_and_keeps_what_was_typed(
    client, officer
):
    from ledger.models import Account, Fund

    bank, net = Account.objects.get(code="1002"), Account.objects.get(code="3102")
    relief = Fund.objects.get(code="RELIEF")
    data = {
        "date": TODAY.isoformat(),
        "memo": "typed memo",
        "reason": "typed reason",
        "idempotency_key": "web:huge",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "60",
        "post": "1",
    }
    for i, (account, side) in enumerate([(bank, "D"), (net, "C")]):
        data.update(
            {
                f"lines-{i}-account": str(account.pk),
                f"lines-{i}-fund": str(relief.pk),
                f"lines-{i}-side": side,
                f"lines-{i}-amount": "100000000.01",
                f"lines-{i}-currency": "CNY",
                f"lines-{i}-memo": "",
            }
        )
    response = _as(client, officer).post(reverse("ledger:entry-new"), data)
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors["amount"]
    assert "above the ceiling of 100,000,000.00" in errors[0]
    html = response.content.decode()
    assert 'value="100000000.01"' in html and "typed reason" in html and "typed memo" in html
    assert EntryRequest.objects.count() == 0


def test_a_document_that_is_not_one_is_refused_next_to_the_field(client, officer):
    from ledger.models import Account, Fund

    relief = Fund.objects.get(code="RELIEF")
    data = {
        "date": TODAY.isoformat(),
        "memo": "",
        "reason": "why",
        "idempotency_key": "web:doc",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "60",
        "post": "1",
        "attachments": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", "application/pdf"),
    }
    for i, (code, side) in enumerate([("1002", "D"), ("3102", "C")]):
        data.update(
            {
                f"lines-{i}-account": str(Account.objects.get(code=code).pk),
                f"lines-{i}-fund": str(relief.pk),
                f"lines-{i}-side": side,
                f"lines-{i}-amount": "10.00",
                f"lines-{i}-currency": "CNY",
                f"lines-{i}-memo": "",
            }
        )
    response = _as(client, officer).post(reverse("ledger:entry-new"), data)
    assert "virus.pdf is not a PDF, JPEG or PNG file" in str(
        response.context["form"].errors["attachments"]
    )
    assert EntryRequest.objects.count() == 0


def test_documents_download_only_with_the_permission(client, officer, auditor, make_user):
    asked = ask(officer, attachments=[pdf()])
    document = asked.attachments.get()
    url = reverse("ledger:request-document", args=[asked.pk, document.pk])
    response = _as(client, auditor).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _as(client, make_user("case_worker")).get(url).status_code == 403


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------
def _api(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def test_api_four_eyes_and_a_retried_approval_posts_once(officer, supervisor):
    asked = (
        _api(officer)
        .post(
            f"{API}/entries/",
            {
                "date": TODAY.isoformat(),
                "reason": "opening balance",
                "lines": [
                    {"account": "1002", "fund": "RELIEF", "side": "D", "amount": "10.00"},
                    {"account": "3102", "fund": "RELIEF", "side": "C", "amount": "10.00"},
                ],
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY="api-1",
        )
        .json()
    )
    url = f"{API}/requests/{asked['id']}/approve/"

    # the maker cannot approve (no right), nor could a maker who holds it
    assert _api(officer).post(url, {}, format="json").status_code == 403
    own = ask(supervisor, key="own")
    refused = _api(supervisor).post(f"{API}/requests/{own.pk}/approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"

    # a second person approves; a retry answers the same and posts nothing more
    first = _api(supervisor).post(url, {"note": "ok"}, format="json")
    retry = _api(supervisor).post(url, {"note": "ok"}, format="json")
    assert first.status_code == retry.status_code == 200
    assert first.json()["status"] == "approved" and first.json()["entry"] is not None
    assert retry.json()["entry"] == first.json()["entry"]
    assert JournalEntry.objects.count() == 1
    # and the maker sees its state
    mine = _api(officer).get(f"{API}/requests/", {"show": "mine"}).json()["results"]
    assert [(r["id"], r["status"]) for r in mine] == [(asked["id"], "approved")]
    waiting = _api(supervisor).get(f"{API}/requests/", {"show": "waiting"}).json()["results"]
    assert waiting == []


def test_api_reject_withdraw_and_documents(officer, supervisor):
    asked = ask(officer)
    api = _api(officer)
    upload = api.post(
        f"{API}/requests/{asked.pk}/documents/", {"files": [pdf()]}, format="multipart"
    )
    assert upload.status_code == 200, upload.content
    [document] = upload.json()["attachments"]
    download = _api(supervisor).get(document["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    bad = api.post(
        f"{API}/requests/{asked.pk}/documents/",
        {"files": [SimpleUploadedFile("a.pdf", b"nope", "application/pdf")]},
        format="multipart",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    no_reason = _api(supervisor).post(f"{API}/requests/{asked.pk}/reject/", {}, format="json")
    assert no_reason.status_code == 400
    withdrawn = api.post(f"{API}/requests/{asked.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    late = _api(supervisor).post(
        f"{API}/requests/{asked.pk}/reject/", {"reason": "no"}, format="json"
    )
    assert late.status_code == 409 and late.json()["code"] == "request_decided"


def test_api_refuses_to_reverse_a_flow_entry_and_says_where_to_correct_it(officer, flow_entry):
    response = _api(officer).post(
        f"{API}/entries/{flow_entry.seq}/reverse/",
        {"reason": "wrong donor"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="rev-flow",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "corrected_by_flow"
    assert "ask for the receipt to be voided" in body["message"]
    assert body["detail"]["url"] == reverse(
        "collection:void-request-new", args=[flow_entry.receipt.pk]
    )
    assert EntryRequest.objects.count() == 0


# --------------------------------------------------------------------------------------------
# periods
# --------------------------------------------------------------------------------------------
def _month(day: date) -> Period:
    return Period.objects.get(start__lte=day, end__gte=day)


def test_a_period_closes_only_after_its_last_day(supervisor):
    transfer("1002", "3102", "5.00", day=TODAY)
    current = _month(TODAY)
    with pytest.raises(exceptions.PeriodNotOver, match="once its last day is over"):
        services.period_close(period=current, actor=supervisor)
    current.refresh_from_db()
    assert current.status == PeriodStatus.OPEN
    # on the day after its end it closes, and the next period opens at once
    closed = services.period_close(
        period=current, actor=supervisor, today=current.end + timedelta(days=1)
    )
    assert closed.status == PeriodStatus.CLOSED
    following = _month(current.end + timedelta(days=1))
    assert following.start == current.end + timedelta(days=1) and following.is_open


def test_open_items_are_listed_and_closing_needs_confirming(officer, supervisor):
    # given last month with a manual entry still waiting for approval
    last_day = TODAY.replace(day=1) - timedelta(days=1)
    transfer("1002", "3102", "5.00", day=last_day)
    period = _month(last_day)
    asked = ask(officer, day=last_day)

    # then the open items name it, and closing without confirming is refused
    items = services.period_open_items(period)
    assert [(str(i.label), i.count) for i in items] == [
        ("manual entries and reversals waiting for approval", 1)
    ]
    with pytest.raises(exceptions.PeriodHasOpenItems) as refused:
        services.period_close(period=period, actor=supervisor)
    assert "manual entries and reversals waiting for approval: 1" in str(refused.value)
    assert _month(last_day).is_open

    # when the supervisor confirms, it closes; today's work goes on
    services.period_close(period=period, actor=supervisor, confirm=True)
    assert not _month(last_day).is_open
    assert ask(officer, key="today").status == "pending"
    event = AuditEvent.objects.get(action="period.close")
    assert event.data["open_items"] == {"manual entries and reversals waiting for approval": 1}
    # and the request left dated in it can no longer post there
    with pytest.raises(exceptions.PeriodClosed):
        services.entry_request_approve(request=asked, actor=supervisor)


def test_the_collection_and_payouts_register_their_open_items(officer, supervisor):
    from disbursement.hooks import draft_batches
    from ledger import periods_open_items
    from ledger.collection import period_items

    registered = periods_open_items._sources
    assert period_items.voids_pending in registered
    assert period_items.cash_not_deposited in registered
    assert draft_batches in registered
    # cash received by hand last month and not deposited shows
    last_day = TODAY.replace(day=1) - timedelta(days=1)
    book(type="donation", first=1, last=10)
    donate(unit(), "80.00", method="cash", day=last_day)
    labels = {str(i.label): i.count for i in services.period_open_items(_month(last_day))}
    assert labels == {"funds with cash on hand not yet deposited at the bank": 1}


def test_the_closing_page_lists_open_items_in_both_languages(client, officer, supervisor):
    last_day = TODAY.replace(day=1) - timedelta(days=1)
    transfer("1002", "3102", "5.00", day=last_day)
    period = _month(last_day)
    ask(officer, day=last_day)
    url = reverse("ledger:period-close", args=[period.pk])
    for lang in ("zh-hans", "en"):
        page = _as(client, supervisor, lang).get(url)
        assert page.status_code == 200
        assert reverse("ledger:requests") + "?show=pending" in page.content.decode()
    # closing without ticking the box is refused on the page; with it, it closes
    refused = client.post(url, {})
    assert refused.status_code == 409
    assert "still has open items" in refused.content.decode()
    done = client.post(url, {"confirm": "on"})
    assert done.status_code == 302
    assert not _month(last_day).is_open


def test_the_current_period_offers_no_close_button(client, supervisor):
    transfer("1002", "3102", "5.00", day=TODAY)
    current = _month(TODAY)
    page = _as(client, supervisor).get(reverse("ledger:periods")).content.decode()
    assert reverse("ledger:period-close", args=[current.pk]) not in page
    assert "closes after" in page
    response = client.post(reverse("ledger:period-close", args=[current.pk]), {"confirm": "on"})
    assert response.status_code == 409
    assert "once its last day is over" in response.content.decode()
    assert _month(TODAY).is_open


def test_api_closes_a_period_only_after_its_end_and_with_confirmation(officer, supervisor):
    transfer("1002", "3102", "5.00", day=TODAY)
    current = _month(TODAY)
    api = _api(supervisor)
    not_over = api.post(f"{API}/periods/{current.code}/close/", {}, format="json")
    assert not_over.status_code == 409 and not_over.json()["code"] == "period_not_over"

    last_day = TODAY.replace(day=1) - timedelta(days=1)
    transfer("1002", "3102", "5.00", day=last_day)
    last = _month(last_day)
    ask(officer, day=last_day)
    detail = api.get(f"{API}/periods/{last.code}/").json()
    assert detail["open_items"][0]["count"] == 1
    unconfirmed = api.post(f"{API}/periods/{last.code}/close/", {}, format="json")
    assert unconfirmed.status_code == 409
    assert unconfirmed.json()["code"] == "period_open_items"
    assert unconfirmed.json()["detail"]["items"][0]["count"] == 1
    closed = api.post(f"{API}/periods/{last.code}/close/", {"confirm": True}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    codes = [p["code"] for p in api.get(f"{API}/periods/").json()["results"]]
    assert current.code in codes
    assert _api(officer).post(f"{API}/periods/{last.code}/close/").status_code == 403


# --------------------------------------------------------------------------------------------
# admin and roles
# --------------------------------------------------------------------------------------------
def test_the_administrator_edits_ceilings_audited_and_reads_requests_only(
    client, make_user, officer
):
    admin = make_user("administrator", is_staff=True)
    client.force_login(admin)
    add = client.post(
        reverse("admin:ledger_amountceiling_add"), {"kind": "manual_entry", "ceiling": "5000.00"}
    )
    assert add.status_code == 302, add.content
    ceiling = AmountCeiling.objects.get(kind="manual_entry")
    change = client.post(
        reverse("admin:ledger_amountceiling_change", args=[ceiling.pk]), {"ceiling": "6000.00"}
    )
    assert change.status_code == 302
    events = AuditEvent.objects.filter(action="ceiling.change").order_by("id")
    assert [(e.data["before"], e.data["after"]) for e in events] == [
        (None, "5000.00"),
        ("5000.00", "6000.00"),
    ]
    asked = ask(officer)
    page = client.get(reverse("admin:ledger_entryrequest_change", args=[asked.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:ledger_entryrequest_add")).status_code == 403


def test_roles_approve_corrections_the_supervisor_not_the_officer(officer, supervisor, auditor):
    assert supervisor.has_perm("ledger.approve_entryrequest")
    assert not officer.has_perm("ledger.approve_entryrequest")
    assert officer.has_perm("ledger.add_entryrequest")
    assert auditor.has_perm("ledger.view_entryrequest")
    assert not auditor.has_perm("ledger.add_entryrequest")

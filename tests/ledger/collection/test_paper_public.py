"""Paper for the public (issue 14, point 8): the receipt's short verification address and room
for the seal; the thank-you PDF in public language (fund names, ¥ amounts)."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from ledger.collection.documents import receipt_pdf, receipt_verify_url, thank_you_pdf
from ledger.collection.models import Receipt
from ledger.collection.public_views import normalise_short_code
from ledger.collection.selectors import thank_you_list
from ledger.models import Period

from .factories import book, donate, person, unit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def receipt(db) -> Receipt:
    # a series in Chinese, as county receipt books are: it must never reach the address
    book(series="豫财捐2026", first=1, last=99)
    return donate(unit(), "5000.00").receipt


def test_the_receipt_prints_a_short_typeable_address_from_public_base_url(receipt, settings):
    # given the public address of the site
    settings.PUBLIC_BASE_URL = "https://fund.example.gov.cn/"

    # when the receipt is printed
    text = squash(pdf_text(receipt_pdf(receipt)))

    # then it carries <PUBLIC_BASE_URL>/r/<check code>: short, ASCII, nothing percent-encoded,
    # no series, no port of its own
    url = f"https://fund.example.gov.cn/r/{receipt.check_code}"
    assert receipt_verify_url(receipt) == url
    assert url in text
    assert "%" not in url and url.isascii() and len(url) < 50
    assert ":8000" not in text and "豫财捐2026-" not in url
    # and room for the seal
    assert "收款单位（盖章）" in text


def test_without_public_base_url_the_address_is_the_requests_own(receipt, settings, client):
    # given no PUBLIC_BASE_URL (a developer's server on some port) and an officer
    settings.PUBLIC_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["10.1.2.3"]
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    officer = get_user_model().objects.create_user("o1", password="x")
    officer.groups.add(Group.objects.get(name="finance_officer"))
    client.force_login(officer)

    # when the receipt is reprinted through a server reached at 10.1.2.3:9123
    response = client.get(
        reverse("collection:receipt-pdf", kwargs={"pk": receipt.pk}), HTTP_HOST="10.1.2.3:9123"
    )

    # then its address is that server's, not a hard-coded port
    text = squash(pdf_text(response.content))
    assert f"http://10.1.2.3:9123/r/{receipt.check_code}" in text
    assert "127.0.0.1:8000" not in text


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c,
        lambda c: c.lower(),
        lambda c: f"{c[:4]}-{c[4:8]}-{c[8:]}",
        lambda c: c.replace("0", "o").lower(),
    ],
    ids=["as-printed", "lower-case", "dashed", "letter-o-for-zero"],
)
def test_the_short_address_opens_the_receipt_check(client, receipt, typed):
    # when someone types the printed address (however they type it)
    response = client.get(f"/r/{typed(receipt.check_code)}", HTTP_ACCEPT_LANGUAGE="en")
    # then the receipt check answers: valid, with its number and amount
    html = response.content.decode()
    assert response.status_code == 200
    assert "Valid receipt" in html and receipt.code in html and "5,000.00" in html


def test_an_unknown_short_code_is_404_and_says_so(client, receipt):
    response = client.get("/r/ABCDEF012345", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "No receipt has the code ABCDEF012345" in response.content.decode()
    assert client.get("/r/not-a-code").status_code == 404
    assert receipt.code not in client.get("/r/ABCDEF012345").content.decode()


def test_a_void_receipt_shows_void_at_its_short_address(client, make_user, receipt):
    from ledger.collection import services

    officer, boss = make_user("finance_officer"), make_user("finance_supervisor")
    request = services.receipt_void_request(receipt=receipt, reason="错开", actor=officer)
    services.receipt_void_approve(request=request, actor=boss)
    html = client.get(f"/r/{receipt.check_code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "VOID" in html and "Valid receipt" not in html


def test_two_receipts_sharing_a_check_code_are_not_guessed_between(client, receipt, monkeypatch):
    # given a second receipt issued with the same check code (a 48-bit digest collision, forced)
    from ledger.collection.services import receipts as issuing

    monkeypatch.setattr(issuing, "check_code_for", lambda _fields: receipt.check_code)
    other = donate(person("赵六"), "10.00").receipt
    assert other.check_code == receipt.check_code
    # then the short address shows neither (the long one, with the number, still does)
    assert client.get(f"/r/{receipt.check_code}").status_code == 404
    long_url = reverse("public:receipt-verify", kwargs={"code": receipt.code})
    assert client.get(long_url, {"c": receipt.check_code}).status_code == 200


def test_normalising_what_people_type():
    assert normalise_short_code(" ab12-cd34 oi90 ") == "AB12CD340190"


def test_make_demo_prints_the_demo_servers_address():
    # make demo passes PUBLIC_BASE_URL from DEMO_ADDR (unless PUBLIC_BASE_URL is set)
    def value(*args: str) -> str:
        return subprocess.run(
            ["make", "-s", "--eval", "print-%: ; @echo $($*)", "print-DEMO_PUBLIC_BASE_URL", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin"},
        ).stdout.strip()

    assert value() == "http://127.0.0.1:8000"
    assert value("DEMO_ADDR=192.168.1.20:8080") == "http://192.168.1.20:8080"
    assert value("PUBLIC_BASE_URL=https://fund.example.gov.cn") == "https://fund.example.gov.cn"
    # ... through the demo's environment, which loads the demo and serves it
    env = subprocess.run(
        ["make", "-s", "--eval", "print-%: ; @echo '$($*)'", "print-DEMO_ENV"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    assert "PUBLIC_BASE_URL=http://127.0.0.1:8000" in env
    makefile = (ROOT / "Makefile").read_text()
    assert "$(DEMO_ENV) $(MANAGE) load_demo" in makefile
    assert "$(DEMO_ENV) $(MANAGE) runserver" in makefile


def test_the_thank_you_pdf_speaks_the_publics_language(db):
    # given donations to the relief and the reward funds
    book(first=1, last=9)
    donate(unit(), "5000.00")
    donate(person("张小明"), "1234.50", fund="REWARD")
    period = Period.objects.get(start__lte=date.today(), end__gte=date.today())

    # when the thank-you list is printed
    text = pdf_text(thank_you_pdf(thank_you_list(period=period)))

    # then funds are named, amounts are in yuan with the sign, and no code or ISO currency shows
    assert "人口与计划生育救助公益金" in text and "奖励扶助金" in text
    assert "¥5,000.00" in text and "¥1,234.50" in text and "¥6,234.50" in text
    for code in ["RELIEF", "REWARD", "CNY", "5000.00 "]:
        assert code not in text, code


def test_the_public_thank_you_page_and_csv_name_the_fund(client):
    book(first=1, last=9)
    donate(unit(), "5000.00")
    period = Period.objects.get(start__lte=date.today(), end__gte=date.today())
    url = reverse("public:thank-you")
    html = client.get(url, {"period": period.code}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (
        "人口与计划生育救助公益金" in html.content.decode() and "¥5,000.00" in html.content.decode()
    )
    csv_text = client.get(url, {"period": period.code, "format": "csv"}).content.decode("utf-8-sig")
    assert "RELIEF" not in csv_text


def test_the_receipts_list_links_each_receipts_public_check(client, make_user, receipt):
    client.force_login(make_user("finance_officer"))
    html = client.get(reverse("collection:receipts")).content.decode()
    assert f'href="/r/{receipt.check_code}"' in html


def test_the_short_address_takes_a_closing_slash(client, receipt):
    assert client.get(f"/r/{receipt.check_code}/").status_code == 200

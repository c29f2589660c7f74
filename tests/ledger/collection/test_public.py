"""Public money-in pages: receipt verification and the thank-you list (no login)."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from ledger.collection import services
from ledger.models import Period

from .factories import book, donate, english, person, unit  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def test_a_receipt_is_verified_with_its_check_code(client):
    book(first=1, last=9)
    receipt = donate(person("王小红"), "88.00").receipt
    url = reverse("public:receipt-verify", kwargs={"code": receipt.code})
    # without a check code the page only asks for it and shows nothing of the receipt
    page = client.get(url)
    assert page.status_code == 200 and b"88.00" not in page.content
    # with the right code: number, date, amount, masked payer, valid
    page = client.get(url, {"c": receipt.check_code}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert receipt.code in text and "88.00" in text and "王*红" in text and "王小红" not in text
    assert "Valid receipt" in text
    # a wrong code and an unknown number look the same
    assert client.get(url, {"c": "WRONG"}).status_code == 404
    other = reverse("public:receipt-verify", kwargs={"code": "NOPE-00000001"})
    assert client.get(other, {"c": receipt.check_code}).status_code == 404


def test_a_void_receipt_shows_void(client, make_user):
    book(first=1, last=9)
    officer, boss = make_user("finance_officer"), make_user("finance_supervisor")
    receipt = donate(unit(), "10", actor=officer).receipt
    request = services.receipt_void_request(receipt=receipt, reason="错开", actor=officer)
    services.receipt_void_approve(request=request, actor=boss)
    url = reverse("public:receipt-verify", kwargs={"code": receipt.code})
    text = client.get(url, {"c": receipt.check_code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "VOID" in text and "Valid receipt" not in text


def test_thank_you_list_page_csv_and_pdf(client):
    book(first=1, last=9)
    donate(unit(), "1000")
    donate(person("张小明"), "20.50")
    donate(person("李四", anonymous=True), "5")
    period = Period.objects.get(start__lte=date.today(), end__gte=date.today())
    url = reverse("public:thank-you")
    text = client.get(url, {"period": period.code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "县财政局" in text and "张*明" in text and "张小明" not in text and "Anonymous" in text
    assert "1,025.50" in text
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    url, {"period": period.code, "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert [r[0] for r in rows[1:]] == ["县财政局", "张*明", "Anonymous"]
    assert sum(float(r[3]) for r in rows[1:]) == pytest.approx(1025.50)
    pdf = client.get(url, {"period": period.code, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_money_on_the_thank_you_page_is_the_ledgers(client):
    book(first=1, last=9)
    donate(unit(), "300", fund="REWARD")
    page = client.get(reverse("public:thank-you"), {"fund": "REWARD"})
    assert page.context["listing"].totals == {"CNY": Money("300", "CNY")}

"""Small helpers of the printed documents: yuan as the public reads them, people by name, the
public address (issue 14, point 8)."""

from decimal import Decimal
from types import SimpleNamespace

from django.test import RequestFactory
from djmoney.money import Money

from common.people import person_name
from common.publicurl import public_base_url, public_url
from ledger.templatetags.money import format_public_money


def test_public_money_is_yuan_with_the_sign():
    assert format_public_money(Money("5000", "CNY")) == "¥5,000.00"
    assert format_public_money(Decimal("-300"), "CNY") == "-¥300.00"
    assert format_public_money(Money("1234.5", "USD")) == "USD 1,234.50"
    assert format_public_money(None) == ""


def _user(first, last, username="u"):
    full = f"{first} {last}".strip()
    return SimpleNamespace(
        first_name=first,
        last_name=last,
        get_full_name=lambda: full,
        get_username=lambda: username,
    )


def test_people_by_name_the_way_an_office_writes_them():
    assert person_name(_user("建国", "王")) == "王建国"
    assert person_name(_user("Jane", "Doe")) == "Jane Doe"
    assert person_name(_user("", "", "officer")) == "officer"
    assert person_name(None) == ""


def test_the_public_address_prefers_the_setting_then_the_request(settings):
    request = RequestFactory().get("/", HTTP_HOST="10.0.0.7:8123")
    settings.ALLOWED_HOSTS = ["10.0.0.7"]
    settings.PUBLIC_BASE_URL = "https://fund.example.gov.cn/"
    assert public_url("/r/ABC", request) == "https://fund.example.gov.cn/r/ABC"
    settings.PUBLIC_BASE_URL = ""
    assert public_base_url(request) == "http://10.0.0.7:8123"
    assert public_url("/r/ABC") == "/r/ABC"

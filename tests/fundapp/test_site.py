"""Site pages: login/logout, home with fund positions, the language switch, the permission
helper, the money filter and the admin's read-only ledger screens."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from djmoney.money import Money

from common.permissions import permission_required
from ledger.templatetags.money import format_amount, format_money
from tests.fundapp import ensure_compiled_messages
from tests.ledger.factories import transfer


@pytest.fixture(scope="session", autouse=True)
def compiled_messages(django_db_setup):
    ensure_compiled_messages()


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --------------------------------------------------------------------------------------------
# login, logout, home
# --------------------------------------------------------------------------------------------
def test_home_sends_a_visitor_to_the_public_front_door(client, db):
    # a visitor who is not signed in reaches the public pages, which link to the login page
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("public:index")


def test_login_page_and_login_lead_home(client, officer):
    # given the login page
    page = _english(client).get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content

    # when the officer logs in
    response = client.post(
        reverse("login"), {"username": "officer", "password": "pw-Testing-123"}, follow=True
    )

    # then they land on the home page with their name and role in the header
    assert response.redirect_chain[-1][0] == reverse("home")
    html = response.content.decode()
    assert "officer" in html and "Finance officer" in html
    assert "Fund positions" in html


def test_wrong_password_shows_an_error(client, officer):
    response = _english(client).post(reverse("login"), {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, officer):
    # given a signed-in officer
    client.force_login(officer)

    # when logout is requested by GET, then by POST
    get = client.get(reverse("logout"))
    post = client.post(reverse("logout"))

    # then GET changes nothing (405) and POST signs out and goes to the login page
    assert get.status_code == 405
    assert post.status_code == 302 and post["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_home_shows_each_fund_position_per_currency(client, officer, db):
    # given money received and deposited, and an award owed, in the relief fund
    transfer("1001", "3101", "1500.00", fund="RELIEF")
    transfer("1002", "1001", "1234.50", fund="RELIEF")
    transfer("5101", "2201", "234.50", fund="RELIEF")
    client.force_login(officer)

    # when the home page is shown
    response = _english(client).get(reverse("home"))

    # then each active fund has its figures, and relief's show bank, cash, payable, available
    html = response.content.decode()
    funds = {item["fund"].code: item["positions"] for item in response.context["funds"]}
    assert set(funds) == {"RELIEF", "REWARD", "GENERAL"}
    relief = funds["RELIEF"][0]
    assert (relief.cash_at_bank, relief.cash_on_hand, relief.awards_payable) == (
        Decimal("1234.50"),
        Decimal("265.50"),
        Decimal("234.50"),
    )
    assert relief.available == Decimal("1265.50")  # bank + cash - payable
    for figure in ["CNY 1,234.50", "CNY 265.50", "CNY 234.50", "CNY 1,265.50"]:
        assert figure in html


def test_a_user_without_role_is_told_so(client, make_user):
    client.force_login(make_user())
    html = _english(client).get(reverse("home")).content.decode()
    assert "no role yet" in html


# --------------------------------------------------------------------------------------------
# language
# --------------------------------------------------------------------------------------------
def test_language_switch_turns_the_page_chinese_and_back(client, officer):
    # given an officer reading in English
    client.force_login(officer)
    english = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert "Fund positions" in english.content.decode()
    assert '<html lang="en">' in english.content.decode()

    # when they switch to Chinese with the header's form
    chinese = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True
    )

    # then the same page is in Chinese, fund names included
    html = chinese.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "基金资金状况" in html and "银行存款" in html and "退出登录" in html
    assert "人口与计划生育救助公益金" in html
    assert "Fund positions" not in html


def test_chinese_is_the_default_language(client, officer):
    client.force_login(officer)
    html = client.get(reverse("ledger:trial-balance")).content.decode()
    assert "试算平衡表" in html and "借方" in html


def test_service_errors_are_shown_in_chinese(client, officer):
    # given a Chinese-reading officer and an unbalanced entry
    from ledger.models import Account, Fund

    client.force_login(officer)
    bank, income = Account.objects.get(code="1002"), Account.objects.get(code="3101")
    relief = Fund.objects.get(code="RELIEF")
    data = {
        "date": "2025-05-05",
        "memo": "",
        "reason": "会议纪要",
        "idempotency_key": "web:zh",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-account": bank.pk,
        "lines-0-fund": relief.pk,
        "lines-0-side": "D",
        "lines-0-amount": "10.00",
        "lines-0-currency": "CNY",
        "lines-1-account": income.pk,
        "lines-1-fund": relief.pk,
        "lines-1-side": "C",
        "lines-1-amount": "9.00",
        "lines-1-currency": "CNY",
    }

    # when it is submitted
    html = client.post(reverse("ledger:entry-new"), data).content.decode()

    # then the reason is in Chinese
    assert "借贷不平衡" in html and "RELIEF" in html and "1.00" in html


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def test_permission_required_sends_anonymous_to_login_and_refuses_others(make_user):
    @permission_required("ledger.view_journalentry")
    def view(request):
        return HttpResponse("ok")

    factory = RequestFactory()
    anonymous = factory.get("/somewhere/?x=1")
    anonymous.user = AnonymousUser()
    response = view(anonymous)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/somewhere/%3Fx%3D1"

    wrong = factory.get("/")
    wrong.user = make_user("case_worker")
    with pytest.raises(PermissionDenied):
        view(wrong)

    right = factory.get("/")
    right.user = make_user("auditor")
    assert view(right).content == b"ok"
    assert view.required_permissions == ("ledger.view_journalentry",)


def test_permission_required_needs_a_permission():
    with pytest.raises(ValueError):
        permission_required()


def test_forbidden_page_uses_the_site_layout(client, make_user):
    client.force_login(make_user("case_worker"))
    response = _english(client).get(reverse("ledger:journal"))
    assert response.status_code == 403
    assert "Your role does not allow this page" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Money("1234.5", "CNY"), None, "CNY 1,234.50"),
        (Decimal("-1000000"), "USD", "USD -1,000,000.00"),
        (Decimal("-0.00"), "CNY", "CNY 0.00"),
        ("12", "HKD", "HKD 12.00"),
        (None, "CNY", ""),
        ("not a number", "CNY", ""),
    ],
)
def test_money_format(value, currency, shown):
    assert format_money(value, currency) == shown


def test_amount_format_has_no_currency():
    assert format_amount(Decimal("9876.555")) == "9,876.56"


# --------------------------------------------------------------------------------------------
# admin
# --------------------------------------------------------------------------------------------
@pytest.fixture
def root(django_user_model, db):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw")


def test_admin_edits_accounts_and_funds(client, root):
    from ledger.models import Account, Fund

    client.force_login(root)
    account = Account.objects.get(code="1002")
    fund = Fund.objects.get(code="RELIEF")
    assert client.get(reverse("admin:ledger_account_add")).status_code == 200
    assert client.get(reverse("admin:ledger_account_change", args=[account.pk])).status_code == 200
    response = client.post(
        reverse("admin:ledger_fund_change", args=[fund.pk]),
        {
            "code": "RELIEF",
            "name_zh": fund.name_zh,
            "name_en": "Relief fund (renamed)",
            "restricted": "on",
            "purposes": ["relief", "special"],
            "currencies": ["CNY"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.name_en == "Relief fund (renamed)" and fund.purposes == ["relief", "special"]


def test_admin_refuses_a_restricted_fund_without_purposes(client, root):
    client.force_login(root)
    response = _english(client).post(
        reverse("admin:ledger_fund_add"),
        {
            "code": "NEW",
            "name_zh": "新",
            "name_en": "New",
            "restricted": "on",
            "currencies": ["CNY"],
        },
    )
    assert response.status_code == 200
    assert "must allow at least one purpose" in response.content.decode()


@pytest.mark.parametrize(
    "model", ["journalentry", "journalline", "balance", "auditevent", "period"]
)
def test_admin_ledger_records_are_read_only_even_for_superusers(client, root, model):
    # given a posted entry (which also makes lines, a balance and a period)
    from ledger.audit import AuditAction, audit

    entry = transfer("1002", "3101", "10.00")
    audit(actor=root, action=AuditAction.JOURNAL_REVERSE, obj=entry)
    client.force_login(root)

    # when the superuser opens the admin list, the add page and a change page
    changelist = client.get(reverse(f"admin:ledger_{model}_changelist"))
    add = client.get(reverse(f"admin:ledger_{model}_add"))
    from django.apps import apps

    obj = apps.get_model("ledger", model).objects.first()
    change = client.get(reverse(f"admin:ledger_{model}_change", args=[obj.pk]))
    post = client.post(reverse(f"admin:ledger_{model}_change", args=[obj.pk]), {})
    delete = client.get(reverse(f"admin:ledger_{model}_delete", args=[obj.pk]))

    # then they can look but not add, change or delete
    assert changelist.status_code == 200
    assert add.status_code == 403
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert post.status_code == 403
    assert delete.status_code == 403
    assert b"delete_selected" not in changelist.content

"""Every staff page carries what paper needs (issue 14, point 8): the print stylesheet linked for
print only, the unit and the day at the top, the 制表人 / 审核人 lines at the bottom; the
stylesheet hides the screen's menus, filters, buttons and navigation."""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"


@pytest.mark.parametrize(
    "name", ["ledger:trial-balance", "ledger:journal", "ledger:chart", "collection:receipts"]
)
def test_lists_and_reports_carry_their_paper_parts(client, make_user, name):
    user = make_user("finance_supervisor", first_name="敏", last_name="周")
    client.force_login(user)
    html = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in html
    head = html.split('class="print-only print-head"')[1].split("</div>")[0]
    assert settings.FUND_ORGANISATION_NAME in head and date.today().isoformat() in head
    signatures = html.split('class="print-only print-signatures"')[1].split("</div>")[0]
    assert "制表人" in signatures and "周敏" in signatures and "审核人" in signatures


def test_the_login_page_has_no_paper_parts(client):
    html = client.get(reverse("login")).content.decode()
    assert "print-head" not in html and "print-signatures" not in html


def test_the_print_stylesheet_hides_the_screens_furniture():
    css = PRINT_CSS.read_text()
    hidden = css.split("{ display: none !important; }")[0]
    for selector in [
        ".site-header",
        "nav",
        ".btn",
        "button",
        "form.filters",
        ".pagination",
        ".export-links",
        ".lang",
    ]:
        assert selector in hidden, selector
    assert "@page { size: A4" in css
    assert ".table-wrap { overflow: visible !important;" in css
    # the screen stylesheet keeps the paper parts off the screen
    app = (PRINT_CSS.parent / "app.css").read_text()
    assert ".print-only { display: none; }" in app

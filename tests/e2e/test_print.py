"""Printing from the browser (issue 14, point 8): Debian chromium prints the trial balance on
A4 through static/css/print.css with no menu, filter or button, the credit column whole, the
unit and the day at the top and the 制表人 / 审核人 lines at the bottom. Read back from the PDF
chromium writes (poppler's pdftotext with word boxes)."""

import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.test_browser import CHROMIUM, LAUNCH_ARGS, PASSWORD
from tests.e2e.test_browser import books as books  # noqa: F401 (a fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

A4_WIDTH = 595.28  # points


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    connections.close_all()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()
        connections.close_all()


def words(pdf: Path) -> list[tuple[str, float, float]]:
    """(word, x min, x max) of every word of the PDF."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [
        (m.group(3), float(m.group(1)), float(m.group(2)))
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            html,
        )
    ]


def test_the_trial_balance_prints_on_a4_whole_and_titled(
    live_server, browser, books, django_user_model, tmp_path, settings
):
    from django.contrib.auth.models import Group

    from tests.fundapp import ensure_compiled_messages
    from tests.ledger.factories import transfer

    # given large balances (wide money columns) and a supervisor with a Chinese name
    ensure_compiled_messages()
    transfer("1002", "3102", "987654321.98", memo="large opening")
    transfer("5101", "1002", "12345678.90", memo="relief paid")
    user = django_user_model.objects.create_user(
        "zhou.min", password=PASSWORD, first_name="敏", last_name="周"
    )
    user.groups.add(Group.objects.get(name="finance_supervisor"))
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/?next=/ledger/trial-balance/")
    page.fill("#id_username", "zhou.min")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url("**/ledger/trial-balance/")

    # when the page is printed on A4
    pdf = tmp_path / "trial-balance.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(tmp_path / "trial-balance-print.png"), full_page=True)

    # then every word is inside the page: the credit column's largest figure is whole
    found = words(pdf)
    text = " ".join(w for w, _lo, _hi in found)
    assert max(hi for _w, _lo, hi in found) < A4_WIDTH - 20
    credit_total = [w for w in found if w[0] == "987,654,321.98"]
    assert len(credit_total) >= 2  # 3102's credit and the credit total, both printed
    # and the unit and the date head it, the 制表人 / 审核人 lines close it
    assert settings.FUND_ORGANISATION_NAME in text
    assert date.today().isoformat() in text
    squashed = "".join(text.split())
    assert "制表人:周敏" in squashed and "审核人:" in squashed
    # and nothing for the screen is printed: menus, language switch, filters, buttons, export
    for screen_only in ["退出", "English", "显示", "Excel", "CSV", "导出"]:
        assert screen_only not in text, screen_only
    # while the screen itself still has them
    page.emulate_media(media="screen")
    assert page.locator("nav.main-nav").is_visible()
    assert not page.locator(".print-head").is_visible()

"""A real browser (Debian chromium through Playwright) against pytest-django's live server:
log in as a finance officer, read the home page, switch the language both ways, post a manual
entry, and keep screenshots.

Database: ``live_server`` needs a transactional database, which Django empties after the test;
tests/conftest.py lifts the SQLite guards for that flush and puts the migration data back for the
tests that follow, so this test runs, and posts, on SQLite and PostgreSQL alike.
"""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # sync Playwright runs inside pytest's loop

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-Testing-123"


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API switches greenlets, and with them Django's per-context database
    # connections: the ORM opens a second connection inside. Close each side's connection when
    # leaving it, or PostgreSQL keeps an idle session that stops the test database being dropped.
    connections.close_all()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()
        connections.close_all()


@pytest.fixture
def books(transactional_db):
    """The default chart and funds (a flush by an earlier transactional test may have emptied
    them) and the roles."""
    from fundapp.roles import ensure_roles
    from ledger.books import ensure_default_books
    from ledger.models import Account, Fund

    ensure_default_books(Account, Fund)
    ensure_roles()
    return {
        "bank": Account.objects.get(code="1002"),
        "income": Account.objects.get(code="4101"),
        "net": Account.objects.get(code="3102"),
        "relief": Fund.objects.get(code="RELIEF"),
    }


def test_officer_logs_in_switches_language_and_asks_for_an_entry_a_supervisor_approves(
    live_server, browser, books, django_user_model, tmp_path
):
    from django.contrib.auth.models import Group

    from ledger.models import EntryRequest, JournalEntry
    from tests.fundapp import ensure_compiled_messages

    # given the Chinese catalogue and a finance officer
    ensure_compiled_messages()
    officer = django_user_model.objects.create_user(
        "li.ming", password=PASSWORD, first_name="明", last_name="李"
    )
    officer.groups.add(Group.objects.get(name="finance_officer"))
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")

    # when they open the site, they land on the public front door, which leads staff to the
    # login page (a Chinese browser gets Chinese)
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/public/"
    page.click("a[href='/accounts/login/']")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", "li.ming")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")

    # then the home page shows the funds' positions (below their to-do list), in Chinese
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#funds-title").inner_text() == "基金资金状况"
    assert page.locator(".fund-card").count() == 3
    assert "财务人员" in page.locator(".who").inner_text()
    page.screenshot(path=str(tmp_path / "home-zh.png"), full_page=True)

    # when they switch to English, and back to Chinese
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    english_title = page.locator("#funds-title").inner_text()
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state()

    # then the page follows each time
    assert english_title == "Fund positions"
    assert page.locator("#funds-title").inner_text() == "基金资金状况"

    # when they ask for a balanced manual entry from the form
    page.click("nav.main-nav >> text=新增凭证")
    page.wait_for_url("**/ledger/entries/new/")
    page.fill("#id_memo", "浏览器测试：期初余额")
    page.fill("#id_reason", "管委会会议纪要第7号")
    for row, (account, side) in enumerate([(books["bank"], "D"), (books["net"], "C")]):
        page.select_option(f"#id_lines-{row}-account", value=str(account.pk))
        page.select_option(f"#id_lines-{row}-fund", value=str(books["relief"].pk))
        page.select_option(f"#id_lines-{row}-side", value=side)
        page.fill(f"#id_lines-{row}-amount", "1234.50")
    page.click("button[name=post]")
    page.wait_for_url("**/ledger/requests/*/")

    # then it waits for a second person, and nothing is posted yet
    asked = EntryRequest.objects.get()
    assert (asked.made_by, asked.status, asked.reason) == (
        officer,
        "pending",
        "管委会会议纪要第7号",
    )
    assert not JournalEntry.objects.exists()
    assert "CNY 1,234.50" in page.locator("table.data").inner_text()

    # when a supervisor, in their own browser, approves it
    supervisor = django_user_model.objects.create_user("wang.fang", password=PASSWORD)
    supervisor.groups.add(Group.objects.get(name="finance_supervisor"))
    checker = browser.new_context(locale="zh-CN").new_page()
    checker.goto(f"{live_server.url}/ledger/requests/{asked.pk}/")
    checker.fill("#id_username", "wang.fang")
    checker.fill("#id_password", PASSWORD)
    checker.click("button[type=submit].btn-primary")
    checker.wait_for_url(f"**/ledger/requests/{asked.pk}/")
    checker.click("button[formaction$='/approve/']")
    checker.wait_for_load_state()

    # then the entry is posted once, asked by the officer and approved by the supervisor
    entry = JournalEntry.objects.get()
    assert (entry.made_by, entry.approved_by, entry.memo) == (
        officer,
        supervisor,
        "浏览器测试：期初余额",
    )
    checker.goto(f"{live_server.url}/ledger/entries/{entry.seq}/")
    assert checker.locator("h1").inner_text() == f"凭证 {entry.seq}"
    assert "CNY 1,234.50" in checker.locator("table.data").inner_text()
    shot = tmp_path / "entry-zh.png"
    checker.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_a_long_job_moves_its_progress_bar_and_the_page_shows_the_outcome(
    live_server, browser, books, django_user_model
):
    # The bar is driven by static/js/job-progress.js polling the job's JSON (vendored, no CDN):
    # the job row is moved here as a worker would move it.
    from django.contrib.auth.models import Group

    from disbursement.models import JobProgress, JobStatus

    # given a finance officer with a payout job running, 0 of 200 done
    officer = django_user_model.objects.create_user("wang.fang", password=PASSWORD)
    officer.groups.add(Group.objects.get(name="finance_officer"))
    job = JobProgress.objects.create(
        kind="import_results", status=JobStatus.RUNNING, total=200, created_by=officer
    )
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "wang.fang")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/")

    # when they open the job's page, the bar stands at 0
    page.goto(f"{live_server.url}/payouts/jobs/{job.pk}/")
    bar = page.locator("#job-bar")
    assert bar.get_attribute("value") == "0"

    # and the worker gets through 80 lines: the bar follows without a reload
    JobProgress.objects.filter(pk=job.pk).update(current=80, message="80 lines checked")
    # (a locator, not wait_for_function: the page's Content-Security-Policy forbids evaluating
    # a string as script, and Playwright's locators run outside the page's own scripts)
    from playwright.sync_api import expect

    expect(bar).to_have_attribute("value", "80", timeout=10_000)
    assert "80 / 200" in page.locator("#job-count").inner_text()

    # and when the job ends, the page reloads by itself and says what came of it
    JobProgress.objects.filter(pk=job.pk).update(
        current=200,
        status=JobStatus.DONE,
        result={"paid": 198, "failed": 2, "already": 0},
    )
    page.wait_for_selector("#job[data-finished='1']", timeout=10_000)
    assert "198 paid, 2 failed" in page.content()
    page.close()

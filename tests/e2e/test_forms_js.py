"""Forms that keep work, with JavaScript, in a real browser (Debian chromium through Playwright;
issue 14, point 7). tests/approvals/test_forms_keep_work.py covers the same forms without it.

- "Add a member" adds a row in the page: nothing typed is lost, nothing is posted;
- Enter in a field posts the form's main action (register, ask for approval), never "add";
- an irreversible button asks first (static/js/forms.js): dismissed, nothing happens;
- the case page's one decision form shows the field each choice needs.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e import test_browser
from tests.e2e.test_browser import PASSWORD
from tests.fundapp import test_chinese

browser = test_browser.browser  # chromium, launched once per test
books = test_browser.books  # the default chart, funds and roles


@pytest.fixture(autouse=True)
def _chinese(pending_translations):
    """The Chinese of this branch's new strings (merged into locale/ by the lead)."""
    from tests.fundapp import ensure_compiled_messages

    ensure_compiled_messages()


pending_translations = test_chinese.pending_translations

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(url)


@pytest.fixture
def county(books, make_user):
    from tests.approvals.factories import make_staff, make_world

    world = make_world()
    worker = make_staff(make_user, "case_worker", world.village_a1, "worker")
    return world, worker


def test_adding_a_member_keeps_what_was_typed_and_enter_registers(
    live_server, browser, county, tmp_path
):
    from approvals.models import Household
    from tests.approvals.factories import id_number

    world, worker = county
    page = browser.new_page(viewport={"width": 420, "height": 900}, locale="zh-CN")
    url = f"{live_server.url}/cases/households/new/"
    _log_in(page, url, worker.username)

    # given a case worker who typed the household and its head
    page.select_option("#id_region", value=str(world.village_a1.pk))
    page.fill("#id_address", "梅园一村9号")
    page.fill("#id_people-0-name", "王五")
    page.fill("#id_people-0-id_number", id_number())

    # when they add a member
    page.click("#add-member")

    # then a second row is there, in the page (no request), and everything typed is kept
    page.wait_for_selector("#id_people-1-name")
    assert page.url == url
    assert page.input_value("#id_address") == "梅园一村9号"
    assert page.input_value("#id_people-0-name") == "王五"
    assert page.input_value('input[name="people-TOTAL_FORMS"]') == "2"
    assert page.locator("#members .member-no").all_inner_texts() == ["1", "2"]
    assert page.evaluate("document.activeElement.id") == "id_people-1-name"

    # when they fill the new member and press Enter in its name
    page.fill("#id_people-1-name", "李梅")
    page.fill("#id_people-1-id_number", id_number("19520101"))
    page.select_option("#id_people-1-relation", value="parent")
    page.screenshot(path=str(tmp_path / "household-two-members.png"), full_page=True)
    page.press("#id_people-1-name", "Enter")

    # then the household is registered with both members (Enter did not add a third row)
    page.wait_for_url("**/cases/households/*/")
    household = Household.objects.get()
    assert sorted(household.people.values_list("name", flat=True)) == ["李梅", "王五"]


def test_enter_in_a_manual_entry_asks_for_approval_and_a_reject_asks_first(
    live_server, browser, books, make_user
):
    from django.contrib.auth.models import Group

    from ledger.models import EntryRequest

    officer = make_user("finance_officer", username="li.ming")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    _log_in(page, f"{live_server.url}/ledger/entries/new/", officer.username)

    # given a balanced manual entry typed in the form
    page.fill("#id_memo", "期初余额")
    page.fill("#id_reason", "管委会会议纪要第7号")
    for row, (account, side) in enumerate([(books["bank"], "D"), (books["net"], "C")]):
        page.select_option(f"#id_lines-{row}-account", value=str(account.pk))
        page.select_option(f"#id_lines-{row}-fund", value=str(books["relief"].pk))
        page.select_option(f"#id_lines-{row}-side", value=side)
        page.fill(f"#id_lines-{row}-amount", "100.00")

    # when the officer presses Enter in the last amount
    page.press("#id_lines-1-amount", "Enter")

    # then the entry is asked for approval (not more rows added)
    page.wait_for_url("**/ledger/requests/*/")
    asked = EntryRequest.objects.get()
    assert asked.status == "pending" and asked.date == date.today()

    # when a supervisor rejects it and dismisses the confirmation
    supervisor = make_user("finance_supervisor", username="wang.fang")
    assert supervisor.groups.filter(name="finance_supervisor").exists()
    checker = browser.new_context(locale="zh-CN").new_page()
    url = f"{live_server.url}/ledger/requests/{asked.pk}/"
    _log_in(checker, url, supervisor.username)
    checker.fill("textarea[name=note]", "附件不全")
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    checker.once("dialog", dismiss)
    checker.click("button[formaction$='/reject/']")

    # then they were asked, in Chinese, and nothing happened
    assert questions and "不可撤销" in questions[0]
    assert checker.url == url
    asked.refresh_from_db()
    assert asked.status == "pending"

    # when they confirm, then it is rejected
    checker.once("dialog", lambda dialog: dialog.accept())
    checker.click("button[formaction$='/reject/']")
    checker.wait_for_load_state()
    asked.refresh_from_db()
    assert asked.status == "rejected"
    assert Group.objects.filter(name="finance_supervisor").exists()


def test_the_decision_form_shows_what_each_choice_needs_and_asks_before_a_rejection(
    live_server, browser, county, make_user
):
    from approvals import services
    from approvals.models import Case, CaseState
    from tests.approvals.factories import fund_money, make_household, make_program, make_staff

    world, worker = county
    reviewer = make_staff(make_user, "reviewer", world.village_a1, "village_rev")
    fund_money(10000)
    household = make_household(worker, world.village_a1, members=2)
    case = services.case_file(
        program=make_program(), household=household, cycle="2026", actor=worker
    )
    case = services.case_submit(case=case, actor=worker)
    assert case.state == CaseState.IN_REVIEW

    page = browser.new_page(viewport={"width": 420, "height": 900}, locale="zh-CN")
    url = f"{live_server.url}/cases/{case.pk}/"
    _log_in(page, url, reviewer.username)

    # given the case page: one decision form, the return and reject fields hidden until chosen
    assert page.locator("form#decision-form").count() == 1
    assert not page.is_visible("#id_decide-missing_items")
    assert not page.is_visible("#id_decide-reason")
    page.check("input[name=decide-decision][value=return]")
    assert page.is_visible("#id_decide-missing_items")
    assert not page.is_visible("#id_decide-reason")
    page.check("input[name=decide-decision][value=reject]")
    assert page.is_visible("#id_decide-reason") and not page.is_visible("#id_decide-missing_items")

    # when the reviewer writes a reason, records a rejection and dismisses the question
    page.fill("#id_decide-reason", "收入超过标准")
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#decision-form button[type=submit]")

    # then nothing moved, and what was typed is still there
    assert questions and "不予通过" in questions[0]
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_REVIEW
    assert page.input_value("#id_decide-reason") == "收入超过标准"

    # when they confirm, the case is rejected with the reason
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#decision-form button[type=submit]")
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED and case.reason == "收入超过标准"

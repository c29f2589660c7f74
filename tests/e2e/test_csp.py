"""The Content-Security-Policy in a real browser (issue 13, finding 11): pages of every kind —
the login, the home page, a form with its script, the API docs (Swagger UI), the Django admin
and a public list — render under the policy with no violation in the browser console, and
still look like themselves (screenshots kept in the test's folder)."""

import pytest

from tests.e2e.test_browser import PASSWORD, books, browser  # noqa: F401  (fixtures)


def _watch(page):
    """Collect every CSP violation the browser reports, from the console and the DOM event."""
    seen = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + "
        "e.blockedURI));"
    )
    return seen


@pytest.mark.django_db(transaction=True)
def test_pages_render_under_the_csp_without_violations(
    live_server,
    browser,  # noqa: F811
    books,  # noqa: F811
    django_user_model,
    tmp_path,
):
    from django.contrib.auth.models import Group

    officer = django_user_model.objects.create_user("li.ming", password=PASSWORD)
    officer.groups.add(Group.objects.get(name="finance_officer"))
    admin = django_user_model.objects.create_user("admin", password=PASSWORD, is_staff=True)
    admin.groups.add(Group.objects.get(name="administrator"))

    def sign_in(page, username):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].btn-primary")
        page.wait_for_url(f"{live_server.url}/")

    # given an officer's browser watching for CSP violations
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    violations = _watch(page)
    page.goto(f"{live_server.url}/public/donations/")
    assert page.locator("h1").count() == 1
    sign_in(page, "li.ming")
    assert page.locator(".fund-card").count() == 3
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    # when they use the donation form, whose donor look-up is a static script
    page.goto(f"{live_server.url}/collection/donations/new/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "donation-form.png"), full_page=True)

    # and open the API docs: Swagger UI starts from its own script file and draws the operations
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    page.screenshot(path=str(tmp_path / "api-docs.png"))

    # and an administrator opens the admin and a user's page (the admin's own scripts)
    admin_page = browser.new_context(locale="en-US").new_page()
    violations += _watch(admin_page)
    sign_in(admin_page, "admin")
    admin_page.goto(f"{live_server.url}/admin/auth/user/{officer.pk}/change/")
    admin_page.wait_for_load_state("networkidle")
    assert admin_page.locator("#user_form").count() == 1
    admin_page.goto(f"{live_server.url}/admin/fundapp/rolegrant/add/")
    admin_page.wait_for_load_state("networkidle")
    admin_page.screenshot(path=str(tmp_path / "admin-grant.png"), full_page=True)

    # then the browser reported no violation, and the screenshots are real pages
    assert violations == []
    for shot in tmp_path.glob("*.png"):
        assert shot.stat().st_size > 10_000, shot

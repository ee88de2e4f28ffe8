"""Public pages in a real browser: no WCAG 2.2 A/AA violations, no CSP errors, scripts run."""

from playwright.sync_api import expect

from .conftest import check_page


def test_public_pages_are_accessible(server, page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    for path, name in [("/hubs", "hubs"), ("/hubs/northamptonshire", "hub"), ("/sign-in", "sign-in"),
                       ("/register", "register"), ("/accessibility", "accessibility"), ("/privacy", "privacy")]:
        page.goto(server["url"] + path)
        check_page(page, f"public-{name}")
    assert "govuk-frontend-supported" in page.get_attribute("body", "class")
    assert errors == []


def test_registration_error_summary_in_the_browser(server, page):
    page.goto(server["url"] + "/register")
    page.get_by_label("Your full name").fill("Zofia Wiśniewska")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.get_by_label("Your full name").input_value() == "Zofia Wiśniewska"
    check_page(page, "register-errors")

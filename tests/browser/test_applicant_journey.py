"""A new applicant's whole journey in a real browser, at desktop and phone widths.

Register, confirm the email address from the emailed link, fill the profile and every
section (with an error on the way), save and come back, upload a real PDF, submit,
then answer the office's request for information. axe checks every page visited.
The decision letter is read in the lead's end-to-end test (tests/platform/test_journey.py).
"""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, check_page, real_pdf
from .journey import HUB, Journey


def office_requests_information(server, reference: str) -> None:
    """The demo officer takes the application and asks about one section (as the office pages do)."""
    script = f"""
from sqlalchemy import select
from workflow import create_app
from workflow.extensions import db
from workflow.accounts.models import User
from workflow.applications.models import Application
from workflow.reviews.operations import request_information, take_application
app = create_app()
with app.app_context():
    officer = db.session.scalar(select(User).where(User.email == "officer@demo.consort.invalid"))
    application = db.session.scalar(select(Application).where(Application.reference == {reference!r}))
    take_application(application, officer)
    request_information(application, officer, ["complementarity"], "Tell us which schools you already work with.")
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=server["env"], check=True, capture_output=True)


@pytest.mark.parametrize("device", ["page", "phone"])
def test_a_new_applicant_completes_the_journey(request, server, tmp_path, device):
    page = request.getfixturevalue(device)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    journey = Journey(page, server, f"journey-{device}")
    journey.register(f"Samba Futures {device} (test)")
    journey.verify_email()
    journey.fill_profile()
    journey.start()
    journey.fill_offer()
    journey.fill_goals_later()
    journey.fill_national_plan()
    journey.fill_complementarity()
    journey.fill_in_kind()
    journey.fill_documents(real_pdf(tmp_path))
    journey.fill_declarations()
    reference = journey.submit()
    assert re.fullmatch(r"NMEH-\d{4}-\d{4}", reference)

    office_requests_information(server, reference)
    journey.answer_request()
    assert errors == []


def demo_sign_in(page, base: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill("applicant@demo.consort.invalid")
    page.get_by_label("Password", exact=True).fill("demo-password-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_answers_typed_as_the_session_expired_come_back_after_signing_in(server, page):
    base = server["url"]
    demo_sign_in(page, base)
    page.goto(base + "/applications")
    page.get_by_role("radio", name=re.compile(HUB)).check()
    page.get_by_role("button", name="Start an application").click()
    page.get_by_role("link", name=re.compile(r"^\d\. How you complement existing partners")).click()
    answer = page.get_by_label("How does your offer complement")
    typed = "Typed over lunch while the session quietly expired."
    answer.fill(typed)

    page.context.clear_cookies()  # the session has gone, and its CSRF token with it
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    expect(page.locator("main")).to_contain_text("Your answers have not been saved yet")
    check_page(page, "expired-sign-in")

    page.get_by_label("Email address").fill("applicant@demo.consort.invalid")
    page.get_by_label("Password", exact=True).fill("demo-password-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How you complement existing partners")
    expect(page.locator("#restored")).to_contain_text("They are not saved yet")
    assert answer.input_value() == typed
    check_page(page, "expired-answers-restored")

    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    page.get_by_role("link", name=re.compile(r"^\d\. How you complement existing partners")).click()
    assert answer.input_value() == typed

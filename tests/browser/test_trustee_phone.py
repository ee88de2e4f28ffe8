"""A trustee on a 390-pixel-wide phone, once signed in, finds and casts a vote in three taps."""

import subprocess
import sys

from .conftest import ROOT, check_page, sign_in

# Runs in the server's environment: an application with the trustees, recommended,
# with its online vote open. create_all adds any table the migrations do not have yet.
OPEN_A_VOTE = """
from datetime import timedelta
from sqlalchemy import select
from tests.builders import make_application
from workflow import create_app
from workflow.accounts.models import User
from workflow.applications.lifecycle import State
from workflow.extensions import db
from workflow.hubs.models import Hub
from workflow.organisations.models import Organisation
from workflow.reviews.models import Assessment, Recommendation
from workflow.types import utcnow
from workflow.votes.operations import open_vote

app = create_app()
with app.app_context():
    db.create_all()
    officer = db.session.scalar(select(User).where(User.email == "officer@demo.consort.invalid"))
    applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.consort.invalid"))
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Demo Strings Collective (demo)"))
    hub = db.session.scalars(select(Hub).order_by(Hub.id)).first()
    application = make_application(
        hub, organisation, applicant, State.WITH_TRUSTEES, officer=officer,
        answers={"offer": {"description": "Saturday string orchestras for beginners"}},
    )
    db.session.add(Assessment(application_id=application.id, recommendation=Recommendation.APPROVE,
                              reasons="Fills a gap in the county's string teaching.",
                              recorded_by_id=officer.id, recorded_at=utcnow()))
    open_vote(application, officer, utcnow() + timedelta(days=5))
    db.session.commit()
    print(application.reference)
"""


def open_a_vote(server) -> str:
    """Open a vote on the server's database through the operations; returns the reference."""
    done = subprocess.run(
        [sys.executable, "-c", OPEN_A_VOTE], cwd=ROOT, env=server["env"], check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_trustee_votes_in_three_taps_on_a_phone(server, phone):
    reference = open_a_vote(server)
    base = server["url"]
    sign_in(phone, base, "trustee2@demo.consort.invalid")
    phone.goto(base + "/")
    assert phone.url.endswith("/trustees")
    waiting = phone.locator("ul[aria-labelledby='waiting-heading']")
    assert reference in waiting.inner_text() and "Vote by" in waiting.inner_text()
    check_page(phone, "trustee-phone-votes")

    taps = 0
    with phone.expect_navigation():
        waiting.get_by_role("link", name="Demo Strings Collective (demo)").first.tap()
    taps += 1
    assert "Recommends: approve" in phone.locator("main").inner_text()
    check_page(phone, "trustee-phone-vote")
    approve = phone.get_by_role("radio", name="Approve")
    assert approve.is_visible()
    approve.tap()
    taps += 1
    with phone.expect_navigation():
        phone.get_by_role("button", name="Record my vote").tap()
    taps += 1
    assert taps == 3
    text = phone.locator("body").inner_text()
    assert "Your vote has been recorded" in text and "You voted approve" in text
    # the page fits the phone: nothing scrolls sideways
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    check_page(phone, "trustee-phone-voted")

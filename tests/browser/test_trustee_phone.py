"""A trustee on a 390-pixel-wide phone, once signed in, finds and casts a vote in three taps;
the chair facing a tie sees one primary action, the casting vote."""

import subprocess
import sys

from .conftest import ROOT, check_page, sign_in

# Runs in the server's environment: an application with the trustees, recommended,
# with its online vote open. create_all adds any table the migrations do not have yet.
OPEN_A_VOTE = """
from datetime import timedelta
from sqlalchemy import func, select
from tests.builders import _numbers, make_application
from workflow import create_app
from workflow.accounts.models import User
from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.extensions import db
from workflow.hubs.models import Hub
from workflow.organisations.models import Organisation
from workflow.reviews.models import Assessment, Recommendation
from workflow.types import utcnow
from workflow.votes.models import Vote
from workflow.votes.operations import open_vote

app = create_app()
with app.app_context():
    db.create_all()
    officer = db.session.scalar(select(User).where(User.email == "officer@demo.consort.invalid"))
    applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.consort.invalid"))
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Demo Strings Collective (demo)"))
    hub = db.session.scalars(select(Hub).order_by(Hub.id)).first()
    _numbers["n"] = db.session.scalar(select(func.count(Application.id)))  # a fresh process: number after earlier runs
    application = make_application(
        hub, organisation, applicant, State.WITH_TRUSTEES, officer=officer,
        answers={"offer": {"description": "Saturday string orchestras for beginners"}},
    )
    db.session.add(Assessment(application_id=application.id, recommendation=Recommendation.APPROVE,
                              reasons="Fills a gap in the county's string teaching.",
                              recorded_by_id=officer.id, recorded_at=utcnow()))
    vote_id = open_vote(application, officer, utcnow() + timedelta(days=5)).id
    db.session.commit()
    print(application.reference, vote_id)
"""

# Then every trustee of that vote votes, the chair first, so that the votes are tied.
TIE_IT = """
from workflow.votes.operations import cast_ballot
from workflow.votes.rule import Choice

with app.app_context():
    vote = db.session.get(Vote, vote_id)
    voters = sorted(vote.members, key=lambda member: not member.is_chair)
    sides = [Choice.APPROVE, Choice.DECLINE] * (len(voters) // 2) + [Choice.ABSTAIN] * (len(voters) % 2)
    for member, choice in zip(voters, sides):
        cast_ballot(vote, member.trustee, choice)
    db.session.commit()
"""


def open_a_vote(server, then: str = "") -> tuple[str, str]:
    """Open a vote on the server's database through the operations, then run `then`;
    returns the application's reference and the vote's id."""
    done = subprocess.run(
        [sys.executable, "-c", OPEN_A_VOTE + then], cwd=ROOT, env=server["env"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    reference, vote_id = done.stdout.strip().splitlines()[-1].split()
    return reference, vote_id


def test_a_trustee_votes_in_three_taps_on_a_phone(server, phone):
    reference, _ = open_a_vote(server)
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


def test_a_chair_facing_a_tie_on_a_phone_has_one_primary_action(server, phone):
    _, vote_id = open_a_vote(server, then=TIE_IT)
    base = server["url"]
    sign_in(phone, base, "chair@demo.consort.invalid")
    phone.goto(f"{base}/trustees/votes/{vote_id}")
    main = phone.locator("main")
    assert "The votes are tied, so your casting vote decides the application." in main.inner_text()
    primary = main.locator(".govuk-button:not(.govuk-button--secondary):not(.govuk-button--warning)")
    visible = [button.inner_text().strip() for button in primary.all() if button.is_visible()]
    assert visible == ["Give my casting vote"]
    # from the "Your vote" heading, the casting vote and its button fit on the phone's screen
    phone.evaluate("document.getElementById('your-vote').scrollIntoView({block: 'start'})")
    button = phone.get_by_role("button", name="Give my casting vote").bounding_box()
    assert button["y"] + button["height"] <= phone.viewport_size["height"]
    change = phone.get_by_role("button", name="Change my vote")
    assert not change.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    check_page(phone, "chair-phone-tie")

    phone.get_by_text("Change your own vote instead").tap()
    assert change.is_visible() and "govuk-button--secondary" in change.get_attribute("class")
    check_page(phone, "chair-phone-tie-own-vote")

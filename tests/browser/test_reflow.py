"""Reflow (WCAG 2.2, 1.4.10): at 320 CSS pixels wide no page scrolls sideways.

Every kind of page is visited as the demo accounts see it: the public pages, the demo
applicant's (a draft with long file names, and applications in the later states), the
office's queues and application pages, the admin's pages and the trustees'. A wide
table may scroll inside its own region; the page itself must not.
"""

import json
import subprocess
import sys

from .conftest import ROOT, sign_in

# Runs in the server's environment: the demo organisation's applications in each state
# a page shows differently, through the builders and operations; prints their ids.
SET_UP = """
import json
from datetime import timedelta
from sqlalchemy import select
from tests.builders import complete_answers, make_application
from workflow import create_app
from workflow.accounts.models import Role, User
from workflow.admin.operations import invite_member as invite_staff
from workflow.applications.documents import store_document
from workflow.applications.lifecycle import State
from workflow.applications.models import ApplicationSection
from workflow.directory.partnerships import start_partnership
from workflow.extensions import db
from workflow.hubs.models import Hub
from workflow.letters.operations import draft_letter, issue_letter
from workflow.organisations.membership import invite_member
from workflow.organisations.models import Organisation
from workflow.reviews.models import Assessment, Recommendation
from workflow.types import london_today, utcnow
from workflow.votes.interests import add_interest
from workflow.votes.meetings import schedule_meeting
from workflow.votes.operations import open_vote
from workflow.votes.rule import Choice

PDF = b"%PDF-1.4\\n1 0 obj<</Type/Catalog>>endobj\\ntrailer<</Root 1 0 R>>\\n%%EOF\\n"
app = create_app()
with app.test_request_context():
    user = lambda email: db.session.scalar(select(User).where(User.email == email))
    officer, applicant, chair = (user(f"{who}@demo.consort.invalid") for who in ("officer", "applicant", "chair"))
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Demo Strings Collective (demo)"))
    for name, value in complete_answers(db.session.scalars(select(Hub)).first())["organisation"].items():
        if name != "name":
            setattr(organisation, name, value)
    organisation.contact_email = "the-main-contact-for-safeguarding-and-partnerships@demo-strings-collective.example.org"
    hub, rutland = db.session.scalars(select(Hub).order_by(Hub.id)).all()[:2]
    answers = complete_answers(hub)

    def assessed(application):
        db.session.add(Assessment(application_id=application.id, recommendation=Recommendation.APPROVE,
                                  reasons="Fills a gap in the county's string teaching.",
                                  recorded_by_id=officer.id, recorded_at=utcnow()))
        return application

    draft = make_application(hub, organisation, applicant, State.DRAFT, answers=answers)
    uploads = {}
    for kind, question in (("safeguarding_policy", "Safeguarding policy"),
                           ("insurance_certificate", "Public liability insurance certificate")):
        name = f"Demo-Strings-Collective-{kind.replace('_', '-')}-2026-final-approved-by-trustees.pdf"
        uploads[kind] = str(store_document(draft, kind, question, name, PDF + kind.encode(), applicant).id)
    section = db.session.scalar(select(ApplicationSection).where(
        ApplicationSection.application_id == draft.id, ApplicationSection.key == "documents"))
    section.answers = {**section.answers, **uploads}
    in_review = assessed(make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer, answers=answers))
    asked = make_application(rutland, organisation, applicant, State.INFO_REQUESTED, officer=officer, answers=answers)
    asked.reopened_sections = ["offer", "documents"]
    voting = assessed(make_application(rutland, organisation, applicant, State.WITH_TRUSTEES, officer=officer, answers=answers))
    vote = open_vote(voting, officer, utcnow() + timedelta(days=5))
    approved = assessed(make_application(hub, organisation, applicant, State.APPROVED, officer=officer, answers=answers))
    issue_letter(draft_letter(approved, Choice.APPROVE), officer)
    start_partnership(approved)
    meeting = schedule_meeting(officer, london_today() + timedelta(days=14))
    invite_member(organisation, applicant, "a-colleague-with-a-long-address@demo-strings-collective.example.org")
    add_interest(chair, "Demo Strings Collective (demo)", "Sits on its board of trustees")
    long_address = invite_staff(  # an entry in the admin's log too; an officer, so no later vote waits for her
        user("admin@demo.consort.invalid"), "Maximiliana Featherstonehaugh-Cholmondeley",
        "maximiliana.featherstonehaugh-cholmondeley@northamptonshire-music.example.org", {Role.OFFICER},
    )
    db.session.commit()
    print(json.dumps({
        "draft": draft.id, "in_review": in_review.id, "asked": asked.id, "voting": voting.id, "approved": approved.id,
        "vote": vote.id, "meeting": meeting.id, "organisation": organisation.id, "hub": hub.id, "officer": officer.id,
        "long_address": long_address.id,
    }))
"""

SECTIONS = ["organisation", "offer", "goals", "national_plan", "complementarity", "in_kind", "documents", "declarations"]

# The widest element reaching past the window, outermost first and outside any box that
# scrolls or clips it, described for the failure message.
WIDEST = """() => {
  const past = (el) => el.getBoundingClientRect().right > window.innerWidth;
  const inside = (el) => {
    const escapes = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (past(up) || (!escapes && getComputedStyle(up).overflowX !== 'visible')) return true;
    }
    return false;
  };
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > window.innerWidth && !inside(el) && (!widest || right > widest.right)) widest = {el, right};
  }
  if (!widest) return 'none found';
  const el = widest.el;
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + [...el.classList].map(c => '.' + c).join('');
  return `${name} reaching ${Math.round(widest.right)}px: "${(el.textContent || '').trim().slice(0, 60)}"`;
}"""


def set_up(server) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SET_UP], cwd=ROOT, env=server["env"], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def pages_for(ids: dict) -> dict[str, list[str]]:
    """The paths each demo account visits; None signs nobody in."""
    draft, org, hub = f"/applications/{ids['draft']}", ids["organisation"], ids["hub"]
    office = [f"/office/applications/{ids[name]}" for name in ("in_review", "asked", "voting", "approved")]
    return {
        "": ["/hubs", "/hubs/northamptonshire", "/hubs/rutland", "/partners", f"/partners/{org}", "/accessibility",
             "/privacy", "/verify", "/sign-in", "/register", "/password-reset"],
        "applicant@demo.consort.invalid": [
            "/applications", draft, *[f"{draft}/sections/{key}" for key in SECTIONS], f"{draft}/check",
            f"{draft}/messages", f"{draft}/withdraw", f"/applications/{ids['asked']}",
            f"/applications/{ids['asked']}/respond", f"/applications/{ids['voting']}", f"/applications/{ids['approved']}",
            "/organisation", f"/organisation/{org}/members", "/partnerships", f"/partners/{org}/edit",
            "/account", "/account/password", "/account/email",
        ],
        "officer@demo.consort.invalid": [
            "/office", *[f"/office?state={state}" for state in ("in_review", "info_requested", "with_trustees", "approved")],
            *office, f"{office[0]}/request-information", f"{office[0]}/put-to-trustees",
            f"/office/applications/{ids['approved']}/letter", f"/office/drafts/{ids['draft']}/messages",
            "/office/dashboard", "/office/meetings", "/office/meetings/new", "/office/meetings/schedule",
            f"/office/meetings/{ids['meeting']}",
        ],
        "admin@demo.consort.invalid": [
            "/admin", "/admin/users", f"/admin/users/{ids['officer']}", f"/admin/users/{ids['long_address']}", "/admin/users/invite", "/admin/hubs/new",
            f"/admin/hubs/{hub}", f"/admin/hubs/{hub}/rounds", f"/admin/hubs/{hub}/logo", "/admin/settings",
            "/admin/activity", "/admin/letters", f"/admin/letters/{hub}/approve", f"/admin/letters/{hub}/approve/1",
        ],
        "chair@demo.consort.invalid": [
            "/trustees", f"/trustees/votes/{ids['vote']}", "/trustees/interests", f"/trustees/meetings/{ids['meeting']}",
        ],
    }


def test_no_page_scrolls_sideways_at_320_pixels(server, browser):
    base, wide = server["url"], {}
    for account, paths in pages_for(set_up(server)).items():
        context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
        page = context.new_page()
        if account:
            sign_in(page, base, account)
        for path in paths:
            response = page.goto(base + path)
            assert response.ok, f"{path} as {account or 'the public'}: {response.status}"
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                wide[path] = f"{path} as {account or 'the public'}: {page.evaluate(WIDEST)}"
        context.close()
    assert wide == {}, "pages that scroll sideways at 320 px:\n" + "\n".join(wide.values())

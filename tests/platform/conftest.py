"""Fixtures of the platform tests: the people of every role, and one of everything a URL can name."""

from datetime import timedelta

import pytest
from flask import g

from workflow.admin.operations import add_round
from workflow.applications.documents import store_document
from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.applications.revisions import keep_revision
from workflow.directory.partnerships import start_partnership
from workflow.hubs.images import put_image
from workflow.hubs.models import ImageKind
from workflow.letters.operations import draft_letter, issue_letter
from workflow.organisations.membership import invite_member
from workflow.types import utcnow
from workflow.votes.interests import add_interest
from workflow.votes.meetings import record_meeting
from workflow.votes.models import Vote
from workflow.votes.operations import declare_conflict
from workflow.votes.rule import Choice

from ..builders import complete_answers, make_application
from ..image_helpers import raster


@pytest.fixture()
def people(world, trustees, other_applicant, admin):
    return {
        "anonymous": None, "owner": world["applicant"], "other": other_applicant, "officer": world["officer"],
        "trustee": trustees[1], "chair": trustees[0], "conflicted": trustees[2], "admin": admin,
    }


@pytest.fixture()
def objects(app, db, world, hub, organisation, applicant, officer, trustees, admin, soon):
    """Everything a URL can name: one of each, belonging to `organisation` (the owner's)."""
    vote = db.session.get(Vote, world["vote"])
    draft = db.session.get(Application, world["draft"])
    approved = make_application(hub, organisation, applicant, State.APPROVED, officer=officer, answers=complete_answers(hub))
    plain = make_application(hub, organisation, applicant, State.WITH_TRUSTEES, officer=officer)
    with app.test_request_context():
        document = store_document(vote.application, "safeguarding_policy", "Safeguarding policy", "policy.pdf", b"%PDF-1.4\n%%EOF\n", applicant)
        declare_conflict(vote, trustees[2], "I chair their board.")
        letter = draft_letter(approved, Choice.APPROVE)
        issue_letter(letter, officer)
        partnership = start_partnership(approved)
        meeting = record_meeting(officer, utcnow().date(), [t.id for t in trustees], [], [plain.id])
        invitation = invite_member(organisation, applicant, "colleague@example.org")
        interest = add_interest(trustees[1], "Another Band")
        round_ = add_round(hub, admin, "Spring", soon, soon + timedelta(days=30))
        in_review = db.session.get(Application, world["in_review"])
        keep_revision(in_review, applicant, "submitted")
        revision = keep_revision(in_review, applicant, "response")
        put_image(hub, ImageKind.LOGO, raster())
        db.session.commit()
        found = {
            "draft": draft.id, "in_review": world["in_review"], "with_trustees": vote.application_id,
            "approved": approved.id, "document": document.id, "section": "offer",
            "organisation": organisation.id, "partnership": partnership.id, "vote": vote.id,
            "meeting": meeting.id, "item": meeting.items[0].id, "interest": interest.id,
            "invitation": invitation.id, "member": applicant.id, "officer": officer.id, "hub": hub.id,
            "round": round_.id, "kind": "logo", "outcome": "approve", "version": 1, "slug": hub.slug, "token": "not-a-token",
            "revision": revision.number,
        }
    g.pop("_login_user", None)
    return found

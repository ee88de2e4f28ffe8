"""The whole journey through the pages, every role once: from registration to the letter."""

import io

from pypdf import PdfReader
from sqlalchemy import select

from tests.page_helpers import PROFILE, assessment_data, deadline_fields, fill_every_section, loaded_version, register_and_confirm
from workflow.accounts.models import User
from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.audit.operations import history
from workflow.letters.models import DecisionLetter
from workflow.notifications.models import OutboxMessage
from workflow.votes.models import Vote, VoteStatus


def test_from_registration_to_the_decision_letter(client, login, db, hub, officer, trustees):
    chair, conflicted, supporter, abstainer = trustees

    # The applicant registers, fills in the profile and every section, and submits.
    register_and_confirm(client, "Mary Seacole", "mary@example.org", "Corby Steel Band")
    assert client.post("/organisation", data=PROFILE).status_code == 302
    client.post("/applications/new", data={"hub": str(hub.id)})
    applicant = db.session.scalar(select(User).where(User.email == "mary@example.org"))
    application = db.session.scalar(select(Application))
    fill_every_section(client, application.id, hub)
    assert client.post(f"/applications/{application.id}/submit").status_code == 302
    db.session.refresh(application)
    assert application.state is State.SUBMITTED
    assert application.reference.startswith("NMEH-") and application.reference.endswith("-0001")

    # The officer takes it and asks for more on the hub goals.
    login(officer)
    assert client.post(f"/office/applications/{application.id}/take").status_code == 302
    response = client.post(
        f"/office/applications/{application.id}/request-information",
        data={"sections": ["goals"], "message": "Please say how you will reach every young person."},
    )
    assert response.status_code == 302

    # The applicant reads the request, edits the reopened section and responds.
    login(applicant)
    respond_page = client.get(f"/applications/{application.id}/respond").get_data(as_text=True)
    assert "Please say how you will reach every young person." in respond_page
    url = f"/applications/{application.id}/sections/goals"
    goals = {"version": loaded_version(client, url), "goals": [goal.title for goal in hub.goals],
             "how": "Free weekly sessions in every district, with transport for rural pupils."}
    assert client.post(url, data=goals).status_code == 302
    response = client.post(f"/applications/{application.id}/respond", data={"message": "We have added our plans."})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state is State.IN_REVIEW

    # The officer records the recommendation and puts it to the trustees.
    login(officer)
    client.post(f"/office/applications/{application.id}/assessment", data=assessment_data(hub))
    response = client.post(
        f"/office/applications/{application.id}/put-to-trustees", data={"deadline": deadline_fields(10)}
    )
    assert response.status_code == 302
    vote = db.session.scalar(select(Vote))
    assert vote.is_open and len(vote.members) == 4

    # Three trustees act: one declares a conflict, one approves, one abstains; the chair approves.
    login(conflicted)
    assert client.post(f"/trustees/votes/{vote.id}/conflict", data={"reason": "I teach there."}).status_code == 302
    for trustee, choice in [(chair, "approve"), (supporter, "approve"), (abstainer, "abstain")]:
        login(trustee)
        response = client.post(f"/trustees/votes/{vote.id}/ballot", data={"choice": choice, "comment": ""})
        assert response.status_code == 302
    db.session.refresh(vote)
    db.session.refresh(application)
    assert vote.status is VoteStatus.CLOSED
    assert application.state is State.APPROVED and application.decided_at is not None

    # The officer adds conditions and issues the letter.
    login(officer)
    client.post(f"/office/applications/{application.id}/letter", data={"free_paragraph": "Share your termly plans."})
    response = client.post(f"/office/applications/{application.id}/letter/issue", data={"confirm": "y"})
    assert response.status_code == 302
    letter = db.session.scalar(select(DecisionLetter))
    assert letter.is_issued and len(letter.pdf_sha256) == 64

    # The applicant downloads it: the organisation, the reference and the outcome are in its text.
    login(applicant)
    download = client.get(f"/applications/{application.id}/letter.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == letter.pdf
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(download.data)).pages)
    assert "Corby Steel Band Trust" in text
    assert application.reference in text
    assert "approved" in text
    assert "Share your termly plans." in text

    kinds = [event.kind for event in history(application)]
    for kind in ["submit", "take", "request_information", "respond", "put_to_trustees", "vote_opened",
                 "conflict_declared", "ballot_cast", "vote_closed", "approve", "letter_issued"]:
        assert kind in kinds, kind
    assert kinds.index("submit") < kinds.index("take") < kinds.index("approve") < kinds.index("letter_issued")
    mail = {message.kind for message in db.session.scalars(select(OutboxMessage))}
    assert {"submission_receipt", "information_requested", "vote_opened", "letter_issued"} <= mail


def test_an_unconfirmed_email_cannot_submit(client, login, db, hub, organisation, applicant):
    from ..builders import complete_answers, make_application

    applicant.email_verified_at = None
    db.session.commit()
    application = make_application(hub, organisation, applicant, State.DRAFT, answers=complete_answers(hub))
    login(applicant)
    response = client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 409
    assert "Confirm your email address before you submit" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.state is State.DRAFT and application.reference is None

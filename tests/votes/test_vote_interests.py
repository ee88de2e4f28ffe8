"""Trustees' standing registers of interests, and the likely conflicts they flag when a vote opens."""

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tests.account_helpers import sign_in
from tests.builders import put_to_vote
from tests.page_helpers import TextOf, vote_page
from workflow.audit.models import ApplicationEvent
from workflow.errors import NotAllowed
from workflow.extensions import db as _db
from workflow.notifications.models import OutboxMessage
from workflow.policy import authorize, refusal
from workflow.votes.interests import likely_conflicts
from workflow.votes.models import TrusteeInterest


def register(trustee, name, connection="", organisation=None):
    interest = TrusteeInterest(
        trustee_id=trustee.id, organisation_name=name, connection=connection,
        organisation_id=organisation.id if organisation else None,
    )
    _db.session.add(interest)
    _db.session.commit()
    return interest


def test_a_trustee_keeps_their_register(db, client, login, trustees, organisation):
    sign_in(login, trustees[1])
    response = client.post(
        "/trustees/interests", data={"organisation_name": "  kettering   COMMUNITY strings ", "connection": "Trustee"}
    )
    assert response.status_code == 302
    client.post("/trustees/interests", data={"organisation_name": "Corby Brass Band"})
    rows = db.session.scalars(select(TrusteeInterest).order_by(TrusteeInterest.organisation_name)).all()
    assert [(r.organisation_name, r.organisation_id, r.connection, r.trustee_id) for r in rows] == [
        ("Corby Brass Band", None, "", trustees[1].id),
        ("kettering COMMUNITY strings", organisation.id, "Trustee", trustees[1].id),  # linked to the record
    ]
    text = TextOf(client.get("/trustees/interests").get_data(as_text=True)).text
    assert "Corby Brass Band" in text and "kettering COMMUNITY strings : Trustee" in text
    assert client.post(f"/trustees/interests/{rows[0].id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(TrusteeInterest.id))) == 1


def test_an_interest_needs_a_name(db, client, login, trustees):
    sign_in(login, trustees[1])
    response = client.post("/trustees/interests", data={"organisation_name": "  "})
    assert response.status_code == 200
    assert "Enter the organisation" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrusteeInterest.id))) == 0


def test_nobody_removes_someone_elses_interest(db, client, login, trustees):
    interest = register(trustees[1], "Corby Brass Band")
    sign_in(login, trustees[2])
    assert client.post(f"/trustees/interests/{interest.id}/remove").status_code == 404
    assert client.post("/trustees/interests/999/remove").status_code == 404
    assert isinstance(refusal(trustees[2], "remove_interest", interest), NotFound)
    assert db.session.scalar(select(func.count(TrusteeInterest.id))) == 1


def test_only_trustees_keep_a_register(db, officer):
    with pytest.raises(NotAllowed, match="kept by each trustee"):
        authorize(officer, "keep_interests")


@pytest.mark.parametrize(
    "name, linked, flagged",
    [
        ("Kettering Community Strings", False, True),
        ("KETTERING  community STRINGS", False, True),
        ("Our old name for them", True, True),  # linked to the organisation's record
        ("Kettering Community", False, False),
        ("Corby Brass Band", False, False),
    ],
)
def test_likely_conflicts_match_by_name_or_record(db, trustees, organisation, name, linked, flagged):
    register(trustees[2], name, organisation=organisation if linked else None)
    found = likely_conflicts(organisation, [t.id for t in trustees])
    assert (trustees[2].id in found) is flagged
    assert set(found) <= {trustees[2].id}


def test_a_vote_opening_flags_likely_conflicts_to_the_trustee_and_the_office(
    db, client, login, hub, organisation, applicant, officer, trustees
):
    register(trustees[1], "kettering community strings", "Treasurer")
    register(trustees[2], "Strings (old name)", organisation=organisation)
    register(trustees[3], "Corby Brass Band")
    vote = put_to_vote(hub, organisation, applicant, officer)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "likely_conflicts"))
    assert message.recipient == "trust-office@consort.invalid"
    event = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.kind == "likely_conflicts"))
    assert event.detail.text == "Trustee 1: kettering community strings; Trustee 2: Strings (old name)"

    warned = vote_page(client, login, trustees[1], vote).text
    assert "Your register of interests names kettering community strings" in warned
    assert "Your register of interests" not in vote_page(client, login, trustees[3], vote).text
    office = vote_page(client, login, officer, vote).text
    assert "Likely conflicts of interest, from the trustees' registers: Trustee 1" in office

    sign_in(login, trustees[1])
    client.post(f"/trustees/votes/{vote.id}/conflict", data={"reason": "Treasurer"})
    assert "Your register of interests" not in vote_page(client, login, trustees[1], vote).text


def test_no_flags_no_message(db, hub, organisation, applicant, officer, trustees):
    register(trustees[1], "Corby Brass Band")
    put_to_vote(hub, organisation, applicant, officer)
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "likely_conflicts")) == 0

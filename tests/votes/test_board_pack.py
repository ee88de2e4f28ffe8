"""The board pack: one PDF of the applications before the trustees, read back with pypdf."""

import re

import pytest
from sqlalchemy import select

from workflow.applications.lifecycle import State
from workflow.reviews.models import Recommendation
from workflow.votes.models import BoardMeeting

from ..account_helpers import sign_in
from ..builders import VOTE_ANSWERS, make_application, put_to_vote
from ..page_helpers import pages_of


@pytest.fixture()
def two_votes(db, hub, organisation, applicant, officer, trustees, make_organisation):
    first = put_to_vote(hub, organisation, applicant, officer)
    second = put_to_vote(hub, make_organisation("Corby Brass Band"), applicant, officer,
                         recommendation=Recommendation.DECLINE)
    return first, second


def test_a_trustee_downloads_the_pack_of_every_open_vote(db, client, login, trustees, two_votes):
    sign_in(login, trustees[1])
    assert "Download the board pack (PDF)" in client.get("/trustees").get_data(as_text=True)
    response = client.get("/trustees/board-pack.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pages = pages_of(response.data)
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
    contents = pages[0]
    assert "Contents" in contents
    for vote in two_votes:
        reference = vote.application.reference
        assert reference in contents
        # the contents gives the page the application starts on, and it is there
        start = int(re.search(rf"{re.escape(reference)}: .*? page (\d+)", contents).group(1))
        assert pages[start - 1].count(reference) >= 1 and start > 1
        section = " ".join(pages[start - 1:])
        assert "The trust office's recommendation" in section
    body = " ".join(pages[1:])
    assert "Recommends: approve" in body and "Recommends: decline" in body
    assert "A strong fit with the hub's first goal." in body
    assert "Weekly string ensembles in Kettering schools" in body


def test_the_pack_without_open_votes_says_so(db, client, login, trustees):
    sign_in(login, trustees[0])
    pages = pages_of(client.get("/trustees/board-pack.pdf").data)
    assert pages and "There are no applications in this pack." in pages[0] and "Page 1 of 1" in pages[0]


def test_a_meetings_pack_is_its_agenda(db, client, login, hub, organisation, applicant, officer, trustees, two_votes):
    plain = make_application(hub, organisation, applicant, State.WITH_TRUSTEES, officer=officer, answers=VOTE_ANSWERS)
    sign_in(login, officer)
    client.post("/office/meetings/new", data={
        "held_on": ["3", "12", "2026"], "present": [t.id for t in trustees], "applications": [plain.id, two_votes[1].application_id],
    })
    sign_in(login, trustees[2])
    meeting = db.session.scalars(select(BoardMeeting)).one()
    response = client.get(f"/office/meetings/{meeting.id}/board-pack.pdf")
    assert response.status_code == 200
    pages = pages_of(response.data)
    assert "Board pack: meeting on 3 December 2026" in pages[0]
    assert plain.reference in pages[0] and two_votes[1].application.reference in pages[0]
    assert two_votes[0].application.reference not in " ".join(pages)
    assert "No recommendation has been recorded." in " ".join(pages)
    assert all(f"of {len(pages)}" in text for text in pages)

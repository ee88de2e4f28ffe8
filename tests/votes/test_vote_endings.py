"""Every way an open vote ends: one status, one audit event for its end, and the application
off every agenda still waiting to resolve on it (issue 17: consequences in one place)."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from workflow.applications.lifecycle import State
from workflow.audit.models import ApplicationEvent
from workflow.extensions import db as _db
from workflow.types import london_today
from workflow.votes.meetings import add_to_agenda, record_meeting, schedule_meeting
from workflow.votes.models import MeetingItem, MeetingItemResult, VoteStatus
from workflow.votes.operations import close_due_votes

from ..account_helpers import sign_in
from ..builders import past_deadline, put_to_vote
from ..page_helpers import vote_action

ENDINGS = ("vote_withdrawn", "vote_deferred", "vote_superseded", "vote_closed")


def withdraw(client, login, vote, people):
    sign_in(login, people["applicant"])
    response = client.post(f"/applications/{vote.application_id}/withdraw", data={"reason": "We have merged."})
    assert response.status_code == 302


def defer_on_the_vote_page(client, login, vote, people):
    response = vote_action(client, login, people["officer"], vote, "defer", reasons="The budget needs another look.")
    assert response.status_code == 302


def meeting_item(vote, people) -> MeetingItem:
    """A meeting held today, its attendance recorded, that considers the vote's application."""
    trustees = people["trustees"]
    meeting = record_meeting(people["officer"], london_today(), [t.id for t in trustees], [], [vote.application_id])
    _db.session.commit()
    return meeting.items[0]


def defer_at_a_meeting(client, login, vote, people):
    item = meeting_item(vote, people)
    sign_in(login, people["officer"])
    url = f"/office/meetings/{item.meeting_id}/items/{item.id}/defer"
    assert client.post(url, data={"reasons": "The meeting wants a site visit."}).status_code == 302


def decide_at_a_meeting(client, login, vote, people):
    item = meeting_item(vote, people)
    sign_in(login, people["officer"])
    url = f"/office/meetings/{item.meeting_id}/items/{item.id}"
    assert client.post(url, data={"approve": 3, "decline": 1, "abstain": 0}).status_code == 302


def every_trustee_votes(client, login, vote, people):
    for trustee, choice in zip(people["trustees"], ["approve", "approve", "approve", "decline"]):
        assert vote_action(client, login, trustee, vote, "ballot", choice=choice).status_code == 302


def the_tick_closes_it_at_its_deadline(client, login, vote, people):
    for trustee, choice in zip(people["trustees"], ["approve", "approve", "decline"]):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    past_deadline(vote)
    assert close_due_votes() == 1
    _db.session.commit()


def a_tie_the_chair_cannot_settle(client, login, vote, people):
    chair, *others = people["trustees"]
    vote_action(client, login, chair, vote, "conflict", reason="My employer")
    for trustee, choice in zip(others, ["approve", "decline", "abstain"]):
        assert vote_action(client, login, trustee, vote, "ballot", choice=choice).status_code == 302


PATHS = {
    "withdrawn by the applicant": (withdraw, VoteStatus.WITHDRAWN, "vote_withdrawn", State.WITHDRAWN),
    "deferred on the vote page": (defer_on_the_vote_page, VoteStatus.DEFERRED, "vote_deferred", State.IN_REVIEW),
    "deferred at a meeting": (defer_at_a_meeting, VoteStatus.DEFERRED, "vote_deferred", State.IN_REVIEW),
    "decided at a meeting": (decide_at_a_meeting, VoteStatus.SUPERSEDED, "vote_superseded", State.APPROVED),
    "decided by the vote itself": (every_trustee_votes, VoteStatus.CLOSED, "vote_closed", State.APPROVED),
    "closed by the tick": (the_tick_closes_it_at_its_deadline, VoteStatus.CLOSED, "vote_closed", State.APPROVED),
    "a tie deferred by Consort": (a_tie_the_chair_cannot_settle, VoteStatus.DEFERRED, "vote_deferred", State.IN_REVIEW),
}


@pytest.mark.parametrize("path", PATHS)
def test_every_way_a_vote_ends(app, db, client, login, hub, organisation, applicant, officer, trustees, path):
    end, status, event, state = PATHS[path]
    vote = put_to_vote(hub, organisation, applicant, officer)
    waiting = schedule_meeting(officer, london_today() + timedelta(days=14))
    with app.test_request_context():
        add_to_agenda(waiting, vote.application, officer)
    db.session.commit()
    assert vote.is_open and [item.application_id for item in waiting.items] == [vote.application_id]

    end(client, login, vote, {"applicant": applicant, "officer": officer, "trustees": trustees})

    db.session.expire_all()
    assert vote.status is status and vote.closed_at is not None
    assert vote.application.state is state
    kinds = Counter(
        db.session.scalars(select(ApplicationEvent.kind).where(ApplicationEvent.application_id == vote.application_id))
    )
    assert {kind: kinds[kind] for kind in ENDINGS if kinds[kind]} == {event: 1}
    assert kinds["agenda_left"] == 1
    pending = select(MeetingItem).where(
        MeetingItem.application_id == vote.application_id, MeetingItem.result == MeetingItemResult.PENDING
    )
    assert db.session.scalars(pending).all() == []
    assert waiting.items == []

"""`flask tick`: votes due are closed or marked overdue, reminders go once; a second run changes nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.audit.models import ApplicationEvent
from workflow.extensions import db as _db
from workflow.letters.models import DecisionLetter
from workflow.notifications.models import OutboxMessage
from workflow.types import utcnow
from workflow.votes.models import Ballot, Vote, VoteStatus
from workflow.votes.operations import send_vote_reminders
from workflow.votes.rule import Choice

from ..account_helpers import sign_in
from ..builders import put_to_vote, writes_at_once


def cast(client, login, trustee, vote, choice):
    sign_in(login, trustee)
    assert client.post(f"/trustees/votes/{vote.id}/ballot", data={"choice": choice}).status_code == 302


def set_deadline(vote, when):
    _db.session.execute(update(Vote).where(Vote.id == vote.id).values(deadline=when))
    _db.session.commit()


def snapshot():
    """Everything the tick may change, as plain values."""
    _db.session.expire_all()
    votes = _db.session.execute(
        select(Vote.id, Vote.status, Vote.outcome, Vote.overdue, Vote.reminded_at, Vote.closed_at).order_by(
            Vote.id
        )
    ).all()
    ballots = _db.session.execute(select(Ballot.id, Ballot.choice).order_by(Ballot.id)).all()
    events = _db.session.execute(
        select(ApplicationEvent.id, ApplicationEvent.kind).order_by(ApplicationEvent.id)
    ).all()
    outbox = _db.session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient).order_by(OutboxMessage.id)
    ).all()
    letters = _db.session.execute(select(DecisionLetter.id).order_by(DecisionLetter.id)).all()
    _db.session.commit()
    return votes, ballots, events, outbox, letters


def tick(app):
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output


def kinds(vote):
    return list(
        _db.session.scalars(
            select(ApplicationEvent.kind)
            .where(ApplicationEvent.application_id == vote.application_id)
            .order_by(ApplicationEvent.sequence)
        )
    )


@pytest.fixture()
def four_votes(db, client, login, hub, organisation, applicant, officer, trustees):
    """Four open votes: due_quorum (past its deadline, 3 votes), due_short (past it, 1 vote),
    soon (due in a day, 1 vote) and later (due in a week, 1 vote)."""
    votes = {
        name: put_to_vote(hub, organisation, applicant, officer)
        for name in ("due_quorum", "due_short", "soon", "later")
    }
    for trustee, choice in zip(trustees[:3], ["approve", "approve", "decline"]):
        cast(client, login, trustee, votes["due_quorum"], choice)
    cast(client, login, trustees[1], votes["due_short"], "approve")
    cast(client, login, trustees[1], votes["soon"], "decline")
    cast(client, login, trustees[2], votes["later"], "approve")
    past = utcnow() - timedelta(minutes=5)
    set_deadline(votes["due_quorum"], past)
    set_deadline(votes["due_short"], past)
    set_deadline(votes["soon"], utcnow() + timedelta(days=1))
    return votes


def test_tick_closes_due_votes_marks_overdue_and_reminds(app, db, four_votes, trustees):
    output = tick(app)
    assert "Closed 1 vote; reminded 3 trustees" in output
    db.session.expire_all()
    decided, short, soon, later = (four_votes[k] for k in ("due_quorum", "due_short", "soon", "later"))

    assert (decided.status, decided.outcome, decided.application.state) == (
        VoteStatus.CLOSED,
        Choice.APPROVE,
        State.APPROVED,
    )
    assert decided.application.decided_at == decided.closed_at
    assert kinds(decided)[-2:] == ["approve", "vote_closed"]
    closed_event = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.kind == "vote_closed"))
    assert closed_event.actor_id is None  # the system closed it

    assert (short.status, short.overdue, short.application.state) == (
        VoteStatus.OPEN,
        True,
        State.WITH_TRUSTEES,
    )
    assert kinds(short)[-1] == "vote_overdue"

    assert soon.reminded_at is not None and later.reminded_at is None
    reminded = sorted(
        db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "vote_reminder"))
    )
    assert reminded == sorted(t.email for t in trustees if t is not trustees[1])

    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.in_(["vote_reminder", "vote_closed"]))
    ).all()
    assert sent and all(message.sent_at is not None for message in sent)  # the tick delivered the outbox


def test_running_the_tick_twice_changes_nothing_more(app, db, four_votes):
    tick(app)
    first = snapshot()
    output = tick(app)
    assert "Closed 0 votes; reminded 0 trustees" in output
    assert snapshot() == first


def test_an_overdue_vote_that_reaches_quorum_closes_at_the_next_tick(
    app, db, client, login, four_votes, trustees
):
    tick(app)
    short = four_votes["due_short"]
    cast(client, login, trustees[2], short, "approve")
    cast(client, login, trustees[3], short, "decline")
    assert short.is_open  # not everyone has voted; the deadline has passed
    assert "Closed 1 vote;" in tick(app)
    db.session.expire_all()
    assert (short.status, short.application.state) == (VoteStatus.CLOSED, State.APPROVED)
    assert kinds(short).count("vote_overdue") == 1


def test_a_tie_at_the_deadline_asks_the_chair_once(
    app, db, client, login, hub, organisation, applicant, officer, trustees
):
    vote = put_to_vote(hub, organisation, applicant, officer)
    for trustee, choice in zip(trustees[1:], ["approve", "decline", "abstain"]):
        cast(client, login, trustee, vote, choice)
    set_deadline(vote, utcnow() - timedelta(minutes=1))
    tick(app)
    tick(app)
    db.session.expire_all()
    assert vote.is_open and vote.overdue
    asked = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.kind == "casting_vote_needed")
    ).all()
    assert asked == [trustees[0].email]


def test_too_few_eligible_at_the_deadline_is_left_to_the_office(
    app, db, client, login, hub, organisation, applicant, officer, trustees
):
    vote = put_to_vote(hub, organisation, applicant, officer)
    for trustee in trustees[1:3]:
        sign_in(login, trustee)
        client.post(f"/trustees/votes/{vote.id}/conflict", data={"reason": "Employee"})
    set_deadline(vote, utcnow() - timedelta(minutes=1))
    assert "Closed 0 votes" in tick(app)
    assert "Closed 0 votes" in tick(app)
    db.session.expire_all()
    assert (vote.status, vote.overdue, vote.application.state) == (VoteStatus.OPEN, True, State.WITH_TRUSTEES)
    assert kinds(vote).count("vote_overdue") == 1
    told = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.kind == "vote_needs_attention").order_by(OutboxMessage.id)
    ).all()
    assert len(told) == 2  # once when the second conflict left too few, once at the deadline
    assert "overdue" in told[-1]


def test_reminders_skip_conflicted_and_inactive_trustees(
    app, db, client, login, hub, organisation, applicant, officer, trustees
):
    vote = put_to_vote(hub, organisation, applicant, officer, deadline=utcnow() + timedelta(hours=20))
    sign_in(login, trustees[1])
    client.post(f"/trustees/votes/{vote.id}/conflict", data={"reason": "Relative"})
    trustees[2].active = False
    db.session.commit()
    assert send_vote_reminders() == 2
    assert send_vote_reminders() == 0
    db.session.commit()
    reminded = sorted(
        db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "vote_reminder"))
    )
    assert reminded == sorted([trustees[0].email, trustees[3].email])


def test_a_withdrawn_application_does_not_stop_the_tick(app, db, client, login, four_votes):
    decided, short = four_votes["due_quorum"], four_votes["due_short"]
    db.session.execute(
        update(Application).where(Application.id == decided.application_id).values(state=State.WITHDRAWN)
    )
    db.session.commit()
    output = tick(app)
    assert "Closed 0 votes" in output
    db.session.expire_all()
    assert decided.is_open and short.overdue


def test_counting_the_dashboard_leaves_the_database_free_for_writers(app, db, monkeypatch):
    """While the tick counts the figures, another writer can begin at once (no wait on a lock)."""
    from workflow.reviews import dashboard

    writers = []
    real = dashboard.figures

    def counting_with_a_writer_beside(*args, **kwargs):
        shown = real(*args, **kwargs)
        writers.append(writes_at_once(db.engine, "UPDATE applications SET state = state WHERE id = 0"))
        return shown

    monkeypatch.setattr(dashboard, "figures", counting_with_a_writer_beside)
    result = app.test_cli_runner().invoke(args=["tick"])

    assert result.exit_code == 0, result.output
    assert writers == [True]

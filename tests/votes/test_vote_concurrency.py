"""Twenty trustees voting, changing their votes and the chair closing, all at once.

Each thread runs the operations in its own app context (its own session and
database connection) and commits, as a request would. The race is run ROUNDS times
on whichever database the suite uses (SQLite or PostgreSQL).
"""

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.builders import put_to_vote
from workflow.accounts.models import Role, User
from workflow.applications.lifecycle import State
from workflow.audit.models import ApplicationEvent
from workflow.errors import NotAllowed, WrongState
from workflow.extensions import db as _db
from workflow.letters.models import DecisionLetter
from workflow.types import utcnow
from workflow.votes.models import Ballot, Vote, VoteStatus
from workflow.votes.operations import cast_ballot, close_vote
from workflow.votes.rule import Choice, Result, Tally, decide


ROUNDS = 8
BOARD = 20
# The final choices cannot tie, so every round ends with the vote closed.
FINAL = ["approve"] * 11 + ["decline"] * 6 + ["abstain"] * 3
OUTCOME_STATE = {Choice.APPROVE: State.APPROVED, Choice.DECLINE: State.DECLINED}


@pytest.fixture()
def board(make_user):
    return [make_user(Role.CHAIR, Role.TRUSTEE, name="Chair")] + [
        make_user(Role.TRUSTEE, name=f"Trustee {n:02d}") for n in range(1, BOARD)
    ]


def in_own_session(app, work):
    """Run ``work()`` in a fresh app context (its own session and connection) and commit;
    return "done", or "refused" if the operation refused (rolled back)."""
    with app.app_context():
        try:
            work()
        except (NotAllowed, WrongState):
            _db.session.rollback()
            return "refused"
        finally:
            if _db.session.is_active:
                _db.session.commit()
            _db.session.remove()
    return "done"


def race(app, board_ids, chair_id, vote_id, rng):
    """Every trustee votes then changes their vote while the chair closes three times;
    returns the choices each trustee was told were recorded, and the closer's results."""
    first = [rng.choice(list(Choice)) for _ in board_ids]
    final = [Choice(choice) for choice in rng.sample(FINAL, len(FINAL))]
    barrier = threading.Barrier(len(board_ids) + 1)
    accepted: dict[int, list[Choice]] = {trustee_id: [] for trustee_id in board_ids}
    closes: list[str] = []
    errors: list[BaseException] = []

    def ballot(trustee_id, choice):
        def work():
            cast_ballot(_db.session.get(Vote, vote_id), _db.session.get(User, trustee_id), choice)

        return in_own_session(app, work)

    def close():
        def work():
            close_vote(_db.session.get(Vote, vote_id), _db.session.get(User, chair_id))

        return in_own_session(app, work)

    def voter(index):
        try:
            barrier.wait()
            for choice in (first[index], final[index]):
                if ballot(board_ids[index], choice) == "done":
                    accepted[board_ids[index]].append(choice)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    def closer():
        try:
            barrier.wait()
            closes.extend(close() for _ in range(3))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=voter, args=(i,)) for i in range(len(board_ids))]
    threads.append(threading.Thread(target=closer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []  # refused or done, never anything else
    return accepted, closes


def test_twenty_trustees_and_the_chair_at_once(app, db, hub, organisation, applicant, officer, board):
    rng = random.Random(20261125)
    board_ids = [user.id for user in board]
    for _ in range(ROUNDS):
        vote = put_to_vote(hub, organisation, applicant, officer)
        db.session.execute(update(Vote).where(Vote.id == vote.id).values(deadline=utcnow() - timedelta(minutes=1)))
        vote_id, application_id = vote.id, vote.application_id
        db.session.commit()

        accepted, closes = race(app, board_ids, board_ids[0], vote_id, rng)

        db.session.expire_all()
        assert len(closes) == 3 and set(closes) <= {"done", "refused"}
        ballots = db.session.execute(select(Ballot.trustee_id, Ballot.choice).where(Ballot.vote_id == vote_id)).all()
        # one ballot per trustee, holding the last vote they were told was recorded
        assert Counter(trustee for trustee, _ in ballots) == Counter({t: 1 for t, got in accepted.items() if got})
        assert dict(ballots) == {t: got[-1] for t, got in accepted.items() if got}
        kinds = Counter(
            db.session.scalars(select(ApplicationEvent.kind).where(ApplicationEvent.application_id == application_id))
        )
        assert kinds["ballot_cast"] == len(ballots)
        assert kinds["ballot_changed"] == sum(len(got) - 1 for got in accepted.values() if got)
        assert kinds["vote_closed"] == 1

        closed = db.session.get(Vote, vote_id)
        counted = Counter(choice for _, choice in ballots)
        tally = Tally(
            eligible=BOARD,
            approve=counted[Choice.APPROVE],
            decline=counted[Choice.DECLINE],
            abstain=counted[Choice.ABSTAIN],
            casting=closed.casting_vote,
        )
        expected = decide(closed.rule, tally)
        assert expected in (Result.APPROVED, Result.DECLINED)
        assert closed.status is VoteStatus.CLOSED
        assert closed.outcome is (Choice.APPROVE if expected is Result.APPROVED else Choice.DECLINE)
        assert closed.application.state is OUTCOME_STATE[closed.outcome]
        assert kinds[closed.outcome.value] == 1  # exactly one transition
        letters = select(func.count(DecisionLetter.id)).where(DecisionLetter.application_id == application_id)
        assert db.session.scalar(letters) == 1
        db.session.commit()

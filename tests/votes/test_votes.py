"""The trustees' online vote (SPEC 5): opening, conflicts, ballots, closing, casting vote, deferral."""

import threading

import pytest
from sqlalchemy import func, select

from workflow.accounts.models import Role
from workflow.applications.lifecycle import State
from workflow.audit.models import ApplicationEvent
from workflow.errors import WrongState
from workflow.letters.models import DecisionLetter
from workflow.votes.models import Ballot, Conflict, Vote, VoteStatus
from workflow.votes.operations import close_due_votes
from workflow.votes.rule import Choice, Majority

from ..account_helpers import sign_in
from ..builders import application_events, outbox_recipients, past_deadline, put_to_vote
from ..page_helpers import TextOf, vote_action, vote_page


@pytest.fixture()
def vote(hub, organisation, applicant, officer, trustees):
    return put_to_vote(hub, organisation, applicant, officer)


# Opening


def test_open_vote_snapshots_the_board_and_tells_each_trustee(
    db, hub, organisation, applicant, officer, trustees, make_user
):
    retired = make_user(Role.TRUSTEE, name="Retired Trustee")
    retired.active = False
    db.session.commit()
    vote = put_to_vote(hub, organisation, applicant, officer)
    assert {m.trustee_id for m in vote.members} == {t.id for t in trustees}
    assert [m.trustee_id for m in vote.members if m.is_chair] == [trustees[0].id]
    assert (vote.quorum, vote.majority, vote.status, vote.opened_by_id) == (
        3,
        Majority.SIMPLE,
        VoteStatus.OPEN,
        officer.id,
    )
    assert application_events(vote.application) == ["vote_opened"]
    assert outbox_recipients("vote_opened") == sorted(t.email for t in trustees)


def test_the_rule_comes_from_the_configuration(
    app, db, hub, organisation, applicant, officer, trustees, monkeypatch
):
    monkeypatch.setitem(app.config, "VOTE_QUORUM", 2)
    monkeypatch.setitem(app.config, "VOTE_MAJORITY", "two-thirds")
    vote = put_to_vote(hub, organisation, applicant, officer)
    assert (vote.quorum, vote.majority) == (2, Majority.TWO_THIRDS)


def test_a_board_smaller_than_the_quorum_cannot_open_a_vote(
    db, hub, organisation, applicant, officer, chair, make_user
):
    make_user(Role.TRUSTEE)
    with pytest.raises(WrongState, match="fewer trustees than the quorum"):
        put_to_vote(hub, organisation, applicant, officer)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Vote.id))) == 0


# Conflicts


def test_a_conflicted_trustee_is_not_eligible_and_cannot_vote(db, client, login, vote, trustees):
    trustee = trustees[1]
    response = vote_action(client, login, trustee, vote, "conflict", reason="I chair their board.")
    assert response.status_code == 302
    conflict = db.session.scalar(select(Conflict).where(Conflict.vote_id == vote.id))
    assert (conflict.trustee_id, conflict.reason) == (trustee.id, "I chair their board.")
    assert trustee.id not in vote.eligible_ids
    assert vote_action(client, login, trustee, vote, "ballot", choice="approve").status_code == 403
    assert vote_action(client, login, trustee, vote, "conflict", reason="Again").status_code == 409
    assert db.session.scalar(select(func.count(Ballot.id))) == 0
    assert application_events(vote.application) == ["vote_opened", "conflict_declared"]
    assert "You declared a conflict of interest" in vote_page(client, login, trustee, vote).text


def test_a_conflict_needs_a_reason_and_comes_before_voting(db, client, login, vote, trustees):
    response = vote_action(client, login, trustees[1], vote, "conflict", reason="  ")
    assert response.status_code == 200
    assert "Enter your conflict of interest" in response.get_data(as_text=True)
    vote_action(client, login, trustees[2], vote, "ballot", choice="approve")
    assert vote_action(client, login, trustees[2], vote, "conflict", reason="Late").status_code == 409
    assert db.session.scalar(select(func.count(Conflict.id))) == 0


def test_office_is_told_when_conflicts_leave_too_few_to_reach_quorum(db, client, login, vote, trustees):
    vote_action(client, login, trustees[1], vote, "conflict", reason="Employee")
    assert outbox_recipients("vote_needs_attention") == []
    vote_action(client, login, trustees[2], vote, "conflict", reason="Relative")
    assert outbox_recipients("vote_needs_attention") == ["trust-office@consort.invalid"]
    assert vote.is_open


def test_a_conflict_closes_the_vote_when_everyone_left_has_voted(db, client, login, vote, trustees):
    for trustee in trustees[:3]:
        vote_action(client, login, trustee, vote, "ballot", choice="approve")
    assert vote.is_open
    vote_action(client, login, trustees[3], vote, "conflict", reason="Employee")
    assert vote.status is VoteStatus.CLOSED
    assert vote.application.state is State.APPROVED


# Ballots and closing by itself


def test_a_trustee_changes_their_vote_until_it_closes(db, client, login, vote, trustees):
    trustee = trustees[1]
    assert vote_action(client, login, trustee, vote, "ballot", choice="approve", comment="Good").status_code == 302
    assert (
        vote_action(client, login, trustee, vote, "ballot", choice="decline", comment="On reflection").status_code
        == 302
    )
    ballots = db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert [(b.trustee_id, b.choice, b.comment) for b in ballots] == [
        (trustee.id, Choice.DECLINE, "On reflection")
    ]
    assert application_events(vote.application) == ["vote_opened", "ballot_cast", "ballot_changed"]
    assert "You voted decline" in vote_page(client, login, trustee, vote).text


def test_a_ballot_needs_a_choice(db, client, login, vote, trustees):
    response = vote_action(client, login, trustees[1], vote, "ballot", comment="Undecided")
    assert response.status_code == 200
    assert "Select approve, decline or abstain" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


@pytest.mark.parametrize(
    "choices, state, outcome",
    [
        (["approve", "approve", "approve", "decline"], State.APPROVED, Choice.APPROVE),
        (["decline", "decline", "approve", "abstain"], State.DECLINED, Choice.DECLINE),
        (["approve", "abstain", "abstain", "abstain"], State.APPROVED, Choice.APPROVE),
    ],
    ids=["approved", "declined", "abstentions count to quorum, not result"],
)
def test_the_vote_closes_by_itself_when_every_eligible_trustee_has_voted(
    db, client, login, vote, trustees, choices, state, outcome
):
    for trustee, choice in zip(trustees, choices):
        assert vote.is_open
        assert vote_action(client, login, trustee, vote, "ballot", choice=choice).status_code == 302
    application = vote.application
    assert (vote.status, vote.outcome) == (VoteStatus.CLOSED, outcome)
    assert vote.closed_at is not None
    assert application.state is state
    assert application.decided_at == vote.closed_at
    letter = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == application.id))
    assert letter.outcome is outcome
    assert application_events(application)[-2:] == [outcome.value, "vote_closed"]
    assert application_events(application).count("ballot_cast") == 4
    assert outbox_recipients("vote_closed") == ["trust-office@consort.invalid"]
    assert vote_action(client, login, trustees[0], vote, "ballot", choice="decline").status_code == 409


def test_abstentions_alone_do_not_carry_the_vote(db, client, login, vote, trustees):
    for trustee, choice in zip(trustees, ["abstain", "abstain", "decline", "approve"]):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    assert vote.is_open  # 1-1: the chair's casting vote decides
    assert outbox_recipients("casting_vote_needed") == [trustees[0].email]


# The casting vote and deferral


def test_a_tie_waits_for_the_chairs_casting_vote(db, client, login, vote, trustees):
    chair = trustees[0]
    for trustee, choice in zip(trustees, ["approve", "approve", "decline", "decline"]):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    assert vote.is_open
    assert outbox_recipients("casting_vote_needed") == [chair.email]
    assert "Give my casting vote" in vote_page(client, login, chair, vote).text
    assert vote_action(client, login, trustees[1], vote, "casting-vote", casting_choice="approve").status_code == 403
    assert vote_action(client, login, chair, vote, "casting-vote", casting_choice="decline").status_code == 302
    assert (vote.status, vote.outcome, vote.casting_vote, vote.casting_vote_by_id) == (
        VoteStatus.CLOSED,
        Choice.DECLINE,
        Choice.DECLINE,
        chair.id,
    )
    assert vote.ballot_of(chair).choice is Choice.APPROVE  # the chair's ordinary vote stands
    assert vote.application.state is State.DECLINED
    assert application_events(vote.application)[-4:] == [
        "casting_vote_requested",
        "casting_vote",
        "decline",
        "vote_closed",
    ]
    assert vote_action(client, login, chair, vote, "casting-vote", casting_choice="approve").status_code == 409


def test_no_casting_vote_before_the_tie_is_due(
    db, client, login, hub, organisation, applicant, officer, trustees, make_user
):
    make_user(Role.TRUSTEE, name="Fifth Trustee")
    vote = put_to_vote(hub, organisation, applicant, officer)
    for trustee, choice in zip(trustees, ["approve", "approve", "decline", "decline"]):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    assert vote.is_open and outbox_recipients("casting_vote_needed") == []
    assert vote_action(client, login, trustees[0], vote, "casting-vote", casting_choice="approve").status_code == 409


def test_a_tie_with_the_chair_conflicted_is_deferred(
    db, client, login, vote, trustees, organisation, applicant
):
    chair = trustees[0]
    vote_action(client, login, chair, vote, "conflict", reason="My employer")
    for trustee, choice in zip(trustees[1:], ["approve", "decline", "abstain"]):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    application = vote.application
    assert (vote.status, vote.outcome) == (VoteStatus.DEFERRED, None)
    assert vote.closed_at is not None
    assert application.state is State.IN_REVIEW
    assert application_events(application)[-2:] == ["defer", "vote_deferred"]
    assert outbox_recipients("application_deferred") == sorted(["trust-office@consort.invalid", applicant.email])
    assert db.session.scalar(select(func.count(DecisionLetter.id))) == 0


@pytest.mark.parametrize("who", ["chair", "officer"])
def test_the_chair_or_an_officer_defers_with_reasons(db, client, login, vote, trustees, officer, who):
    user = trustees[0] if who == "chair" else officer
    response = vote_action(client, login, user, vote, "defer", reasons="")
    assert response.status_code == 200
    assert "Enter why the application is being deferred" in response.get_data(as_text=True)
    assert vote.is_open
    assert (
        vote_action(client, login, user, vote, "defer", reasons="Wait for the safeguarding audit").status_code == 302
    )
    assert vote.status is VoteStatus.DEFERRED
    assert vote.application.state is State.IN_REVIEW
    event = db.session.scalar(
        select(ApplicationEvent).where(
            ApplicationEvent.kind == "defer", ApplicationEvent.application_id == vote.application_id
        )
    )
    assert (event.actor_id, event.detail.text) == (user.id, "Wait for the safeguarding audit")
    assert vote_action(client, login, user, vote, "defer", reasons="Again").status_code == 409


# Closing by hand and at the deadline


def test_closing_by_hand_waits_for_the_deadline(db, client, login, vote, trustees, officer):
    for trustee, choice in zip(trustees[:3], ["approve", "approve", "decline"]):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    assert vote_action(client, login, officer, vote, "close").status_code == 409
    assert vote_action(client, login, trustees[1], vote, "close").status_code == 403
    assert vote.is_open
    past_deadline(vote)
    assert "Close the vote" in vote_page(client, login, trustees[0], vote).text
    assert vote_action(client, login, officer, vote, "close").status_code == 302
    assert (vote.status, vote.application.state) == (VoteStatus.CLOSED, State.APPROVED)
    closed = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.kind == "vote_closed"))
    assert closed.actor_id == officer.id
    assert vote_action(client, login, trustees[0], vote, "close").status_code == 409


def test_no_quorum_at_the_deadline_leaves_the_vote_open_and_overdue(
    db, client, login, vote, trustees, officer
):
    for trustee in trustees[:2]:
        vote_action(client, login, trustee, vote, "ballot", choice="approve")
    past_deadline(vote)
    assert close_due_votes() == 0
    db.session.commit()
    assert vote.is_open and vote.overdue
    assert application_events(vote.application)[-1] == "vote_overdue"
    assert outbox_recipients("vote_needs_attention") == ["trust-office@consort.invalid"]
    response = vote_action(client, login, officer, vote, "close")
    assert response.status_code == 409
    assert "not reached its quorum" in response.get_data(as_text=True)
    vote_action(client, login, trustees[2], vote, "ballot", choice="abstain")
    assert vote.is_open  # quorum now, but one trustee has not voted: closed by hand
    assert vote_action(client, login, trustees[0], vote, "close").status_code == 302
    assert vote.application.state is State.APPROVED


def test_closing_by_hand_on_a_tie_asks_the_chair(db, client, login, vote, trustees, officer):
    for trustee, choice in zip(trustees[1:], ["approve", "decline", "abstain"]):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    past_deadline(vote)
    response = vote_action(client, login, officer, vote, "close")
    assert response.status_code == 302
    assert vote.is_open
    assert outbox_recipients("casting_vote_needed") == [trustees[0].email]
    assert vote_action(client, login, trustees[0], vote, "casting-vote", casting_choice="approve").status_code == 302
    assert vote.application.state is State.APPROVED


# Who sees the tally


def test_a_trustee_sees_the_others_votes_only_after_voting(db, client, login, vote, trustees, officer):
    vote_action(client, login, trustees[1], vote, "ballot", choice="decline", comment="Too far from the hub's goals")
    assert "How each trustee voted" not in vote_page(client, login, trustees[2], vote).text
    office_view = vote_page(client, login, officer, vote)
    assert "Too far from the hub's goals" in office_view.text
    assert not any(action.endswith(("/ballot", "/conflict")) for action in office_view.actions)
    vote_action(client, login, trustees[2], vote, "ballot", choice="approve")
    seen = vote_page(client, login, trustees[2], vote).text
    assert "How each trustee voted" in seen and "Too far from the hub's goals" in seen


def test_the_vote_page_shows_the_papers(db, client, login, vote, trustees):
    text = vote_page(client, login, trustees[1], vote).text
    assert "Recommends: approve" in text
    assert "A strong fit with the hub's first goal." in text
    assert "Weekly string ensembles in Kettering schools" in text
    assert "At least 3 trustees must vote" in text


def test_my_votes_lists_what_waits_for_me_first(
    db, client, login, vote, trustees, hub, organisation, applicant, officer
):
    other = put_to_vote(hub, organisation, applicant, officer)
    vote_action(client, login, trustees[1], other, "ballot", choice="approve")
    response = client.get("/trustees")
    assert response.status_code == 200
    text = TextOf(response.get_data(as_text=True)).text
    waiting, _, rest = text.partition("Other open votes")
    assert vote.application.reference in waiting and other.application.reference not in waiting
    assert other.application.reference in rest and "You voted: approve" in rest


# Concurrency


def test_last_ballots_at_once_close_the_vote_exactly_once(
    app, db, hub, organisation, applicant, officer, make_user, login
):
    board = [make_user(Role.CHAIR, Role.TRUSTEE, name="Chair")] + [
        make_user(Role.TRUSTEE, name=f"Trustee {n}") for n in range(5)
    ]
    choices = ["approve", "approve", "approve", "approve", "decline", "abstain"]
    for _ in range(5):
        vote = put_to_vote(hub, organisation, applicant, officer)
        vote_id, application_id = vote.id, vote.application_id
        # every trustee at once, and the first one twice (a double click)
        voters = list(zip(board, choices)) + [(board[0], "approve")]
        clients = [sign_in(login, user, app.test_client()) for user, _ in voters]
        db.session.commit()
        barrier = threading.Barrier(len(voters))
        statuses = []

        def cast(client, choice):
            barrier.wait()
            statuses.append(
                client.post(f"/trustees/votes/{vote_id}/ballot", data={"choice": choice}).status_code
            )

        threads = [threading.Thread(target=cast, args=(c, choice)) for c, (_, choice) in zip(clients, voters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        db.session.expire_all()
        # a late double click may find the vote closed already: refused, never a server error
        assert sorted(set(statuses)) in ([302], [302, 409])
        assert statuses.count(302) >= len(board)
        kinds = list(
            db.session.scalars(
                select(ApplicationEvent.kind).where(ApplicationEvent.application_id == application_id)
            )
        )
        assert kinds.count("vote_closed") == 1 and kinds.count("approve") == 1
        ballots = db.session.scalars(select(Ballot.trustee_id).where(Ballot.vote_id == vote_id)).all()
        assert sorted(ballots) == sorted(user.id for user in board)
        closed = db.session.get(Vote, vote_id)
        assert (closed.status, closed.outcome) == (VoteStatus.CLOSED, Choice.APPROVE)
        assert (
            db.session.scalar(
                select(func.count(DecisionLetter.id)).where(DecisionLetter.application_id == application_id)
            )
            == 1
        )
        db.session.commit()

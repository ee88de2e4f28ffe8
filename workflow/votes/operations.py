"""The trustees' vote: opening, conflicts, ballots, the casting vote, closing, deferral.

Every operation that changes a vote first locks its application's row (the row
`apply_transition` and `record_event` write anyway, so the lock order is always
application first), then re-reads the vote. Operations on one application thus
run one at a time and each sees the others' work: when the last trustees vote at
once, exactly one of them closes the vote. Closing is a compare-and-set on the
vote's status as well, and `apply_transition` is one on the application's state.

Whether the person may act was asked of `workflow.policy` by the view (by `flask tick`
for SYSTEM); under the lock an operation re-checks only the vote's state, as a race guard.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..admin.settings import deployment_settings
from ..applications.lifecycle import Action, State
from ..applications.models import Application
from ..applications.transitions import apply_transition
from ..audit.operations import record_event
from ..errors import WrongState
from ..database import dialect
from ..extensions import db
from ..notifications.operations import notify_office, notify_organisation, queue_email
from ..policy import SYSTEM, authorize, still
from ..types import utcnow
from ..words import counted
from .deployment import current_vote_rule
from .interests import likely_conflicts
from .lifecycle import VOTE_ENDS, VoteEnd
from .models import Ballot, Conflict, Vote, VoteMember, VoteStatus
from .queries import (
    board,
    due_vote_ids,
    has_event_since,
    open_vote_of,
    reminder_due_ids,
)
from .rule import Choice, Result, quorum_reachable

OUTCOMES = {
    Result.APPROVED: (Choice.APPROVE, Action.APPROVE),
    Result.DECLINED: (Choice.DECLINE, Action.DECLINE),
}


def _lock_application(application: Application) -> None:
    """Take the application's row lock, then forget what was read of it before."""
    db.session.execute(select(Application.id).where(Application.id == application.id).with_for_update())
    db.session.expire(application)


def _lock(vote: Vote) -> None:
    """Lock the vote's application, then forget what was read of the vote before."""
    _lock_application(vote.application)
    db.session.expire(vote)


VOTE_END_EVENTS = {
    VoteEnd.DEFER: ("vote_deferred", "Ended: the application was deferred."),
    VoteEnd.WITHDRAW: ("vote_withdrawn", "Ended: the application was withdrawn."),
    VoteEnd.SUPERSEDE: ("vote_superseded", "Decided at a board meeting instead."),
}


def end_open_vote(application: Application, end: VoteEnd, actor) -> Vote | None:
    """End the application's open vote as `end` (deferred, withdrawn or superseded): compare-and-set
    on its status, then the audit event. Nothing happens when no vote is open, as when the
    vote's own closing made the decision."""
    vote = open_vote_of(application)
    if vote is None:
        return None
    ended = db.session.execute(
        update(Vote)
        .where(Vote.id == vote.id, Vote.status == VoteStatus.OPEN)
        .values(status=VOTE_ENDS[end], closed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if ended != 1:
        return None
    db.session.expire(vote)
    kind, detail = VOTE_END_EVENTS[end]
    record_event(application, kind, actor, detail=detail)
    return vote


def _counts(vote: Vote) -> str:
    tally = vote.tally()
    text = f"{tally.approve} to approve, {tally.decline} to decline, {tally.abstain} abstaining"
    if vote.casting_vote is not None:
        text += f"; the chair's casting vote: {vote.casting_vote.value}"
    return text


def why_no_vote_can_open() -> str | None:
    """Why the board now cannot hold an online vote (fewer trustees than the quorum), or None."""
    trustees = len(board())
    rule = current_vote_rule()
    if quorum_reachable(rule, trustees, board=trustees):
        return None
    quorum = rule.quorum_for(trustees)
    return (
        f"The board has {counted(trustees, 'trustee')}, fewer trustees than the quorum of {quorum}, so an online vote "
        "cannot open. Put the application on a board meeting's agenda instead (on its “Put to the trustees” "
        f"page, choose a board meeting): the meeting also needs {quorum} trustees present to decide, so add "
        "trustees before it, or the meeting can defer it."
    )


def open_vote(application: Application, officer, deadline: datetime) -> Vote:
    """Open the trustees' vote on an application just put to them.

    The board at this moment (every active trustee, the chair flagged) is who may
    vote; the quorum and majority come from the deployment's configuration.
    """
    if application.state is not State.WITH_TRUSTEES:
        raise WrongState("A vote can only be opened on an application with the trustees.")
    if open_vote_of(application) is not None:
        raise WrongState("The trustees are already voting on this application.")
    refusal = why_no_vote_can_open()
    if refusal:
        raise WrongState(refusal)
    trustees = board()
    rule = current_vote_rule().for_board(len(trustees))
    vote = Vote(
        application_id=application.id,
        opened_by_id=officer.id,
        opened_at=utcnow(),
        deadline=deadline,
        quorum=rule.quorum,
        majority=rule.majority,
        members=[VoteMember(trustee_id=trustee.id, is_chair=trustee.is_chair) for trustee in trustees],
    )
    db.session.add(vote)
    db.session.flush()
    record_event(application, "vote_opened", officer, detail=f"{counted(len(trustees), 'trustee')}. {rule.describe()}")
    for trustee in trustees:
        queue_email(
            "vote_opened",
            trustee.email,
            f"Your vote is needed on {application.reference}",
            trustee=trustee,
            vote=vote,
            application=application,
        )
    _flag_likely_conflicts(vote, trustees)
    return vote


def _flag_likely_conflicts(vote: Vote, trustees) -> None:
    """Tell the office which trustees' registers of interests name the applicant."""
    application = vote.application
    flagged = likely_conflicts(application.organisation, [trustee.id for trustee in trustees])
    if not flagged:
        return
    names = {trustee.id: trustee.name for trustee in trustees}
    lines = [
        f"{names[trustee_id]}: {', '.join(i.organisation_name for i in interests)}"
        for trustee_id, interests in sorted(flagged.items(), key=lambda item: names[item[0]])
    ]
    record_event(application, "likely_conflicts", None, detail="; ".join(lines))
    notify_office(
        "likely_conflicts",
        f"{application.reference}: likely conflicts of interest",
        vote=vote,
        application=application,
        lines=lines,
    )


def declare_conflict(vote: Vote, trustee, reason: str) -> Conflict:
    """Record a trustee's conflict of interest; from now on they cannot vote on it."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a conflict of interest needs a reason")
    _lock(vote)
    still(trustee, "declare_conflict", vote)
    conflict = Conflict(vote_id=vote.id, trustee_id=trustee.id, reason=reason, declared_at=utcnow())
    db.session.add(conflict)
    db.session.flush()
    record_event(vote.application, "conflict_declared", trustee, detail=reason)
    db.session.expire(vote, ["conflicts"])
    eligible = len(vote.eligible_ids)
    if quorum_reachable(vote.rule, eligible + 1) and not quorum_reachable(vote.rule, eligible):
        notify_office(
            "vote_needs_attention",
            f"{vote.application.reference}: the trustees' vote cannot reach its quorum",
            vote=vote,
            application=vote.application,
            reason=(
                f"After a conflict of interest only {counted(eligible, 'trustee')} can vote, fewer than the quorum "
                f"of {vote.quorum}. Defer the application or take it to a board meeting."
            ),
        )
    if vote.everyone_voted:
        _conclude(vote, utcnow(), SYSTEM)
    return conflict


def _upsert_ballot(vote: Vote, trustee, choice: Choice, comment: str) -> Ballot:
    """Insert the trustee's one ballot, or update it if one exists (in one statement)."""
    insert = postgresql.insert if dialect() == "postgresql" else sqlite.insert
    statement = insert(Ballot).values(
        vote_id=vote.id, trustee_id=trustee.id, choice=choice, comment=comment, cast_at=utcnow()
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Ballot.vote_id, Ballot.trustee_id],
        set_={
            "choice": statement.excluded.choice,
            "comment": statement.excluded.comment,
            "cast_at": statement.excluded.cast_at,
        },
    )
    return db.session.scalars(
        statement.returning(Ballot), execution_options={"populate_existing": True}
    ).one()


def cast_ballot(vote: Vote, trustee, choice: Choice, comment: str = "") -> Ballot:
    """Record or change an eligible trustee's vote; the vote closes once everyone eligible has voted."""
    choice = Choice(choice)
    _lock(vote)
    still(trustee, "ballot", vote)
    changed = vote.ballot_of(trustee) is not None
    ballot = _upsert_ballot(vote, trustee, choice, comment.strip())
    record_event(
        vote.application, "ballot_changed" if changed else "ballot_cast", trustee, detail=choice.value
    )
    db.session.expire(vote, ["ballots"])
    if vote.everyone_voted:
        _conclude(vote, utcnow(), SYSTEM)
    return ballot


def cast_casting_vote(vote: Vote, chair, choice: Choice) -> Result | None:
    """The chair settles a tie; their ordinary vote stands too. The vote then closes."""
    choice = Choice(choice)
    if choice is Choice.ABSTAIN:
        raise ValueError("a casting vote approves or declines")
    now = utcnow()
    _lock(vote)
    still(chair, "casting_vote", vote)
    changed = db.session.execute(
        update(Vote)
        .where(Vote.id == vote.id, Vote.status == VoteStatus.OPEN, Vote.casting_vote.is_(None))
        .values(casting_vote=choice, casting_vote_by_id=chair.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise WrongState("The casting vote has already been given.")
    db.session.expire(vote)
    record_event(vote.application, "casting_vote", chair, detail=choice.value)
    return _conclude(vote, now, SYSTEM)


def close_vote(vote: Vote, closer, now: datetime | None = None) -> Result | None:
    """Apply the rule to the ballots cast and act on the result.

    `closer` is the officer or chair closing it by hand after its deadline, or SYSTEM
    (`flask tick`). APPROVED or DECLINED: the vote closes, the application is decided,
    the letter drafted and the office told. NO_QUORUM or QUORUM_UNREACHABLE: it stays
    open (a person is refused; SYSTEM marks it overdue). AWAITING_CASTING_VOTE: it stays
    open and the chair is asked. DEFER: the application is deferred.
    """
    now = now or utcnow()
    _lock(vote)
    still(closer, "close_due_vote" if closer is SYSTEM else "close_vote", vote)
    return _conclude(vote, now, closer)


def _conclude(vote: Vote, now: datetime, closer) -> Result | None:
    """Act on the rule's result for a vote whose application is locked; `closer` is a person
    closing it by hand, or SYSTEM (the tick, or the last ballot)."""
    result = vote.result
    by_hand = closer is not SYSTEM
    if result in OUTCOMES:
        return result if _record_outcome(vote, result, now, closer) else None
    if result is Result.QUORUM_UNREACHABLE:
        eligible = len(vote.eligible_ids)
        if by_hand:
            raise WrongState(
                f"Only {counted(eligible, 'trustee')} can vote, fewer than the quorum of {vote.quorum}: "
                "defer the application or take it to a board meeting."
            )
        _mark_overdue(vote, now, f"Only {counted(eligible, 'trustee')} can vote, fewer than the quorum of {vote.quorum}.")
    elif result is Result.NO_QUORUM:
        if by_hand:
            tally = vote.tally()
            raise WrongState(
                f"The vote has not reached its quorum: {tally.voted} of the {vote.quorum} trustees needed "
                "have voted. Chase the trustees, or defer the application."
            )
        _mark_overdue(vote, now, "Too few trustees have voted for the vote to reach its quorum.")
    elif result is Result.AWAITING_CASTING_VOTE:
        _ask_chair(vote)
        _mark_overdue(vote, now, "The votes are tied and the chair has been asked for a casting vote.")
    else:
        defer_application(
            vote.application,
            SYSTEM,
            "The votes were tied and the chair could not give a casting vote (conflicted or not on the board).",
        )
    return result


def _record_outcome(vote: Vote, result: Result, now: datetime, closer) -> bool:
    outcome, action = OUTCOMES[result]
    changed = db.session.execute(
        update(Vote)
        .where(Vote.id == vote.id, Vote.status == VoteStatus.OPEN)
        .values(status=VOTE_ENDS[VoteEnd.CLOSE], outcome=outcome, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        if closer is SYSTEM:
            return False
        raise WrongState("Someone else closed this vote while you were working on it.")
    db.session.expire(vote)
    application = vote.application
    apply_transition(application, action, SYSTEM, decided_at=now)
    record_event(application, "vote_closed", closer, detail=f"{result.value.capitalize()}: {_counts(vote)}")
    notify_office(
        "vote_closed",
        f"{application.reference}: the trustees have {result.value} it",
        vote=vote,
        application=application,
        result=result,
        counts=_counts(vote),
    )
    return True


def _mark_overdue(vote: Vote, now: datetime, reason: str) -> None:
    """Past its deadline without a result: flag the vote and tell the office, once."""
    if now < vote.deadline or vote.overdue:
        return
    changed = db.session.execute(
        update(Vote)
        .where(Vote.id == vote.id, Vote.status == VoteStatus.OPEN, Vote.overdue.is_(False))
        .values(overdue=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(vote, ["overdue"])
    if changed != 1:
        return
    record_event(vote.application, "vote_overdue", None, detail=reason)
    notify_office(
        "vote_needs_attention",
        f"{vote.application.reference}: the trustees' vote is overdue",
        vote=vote,
        application=vote.application,
        reason=f"The deadline has passed. {reason} Close the vote by hand once it can be decided, "
        "defer it, or take it to a board meeting.",
    )


def _ask_chair(vote: Vote) -> None:
    """Ask the chair for a casting vote, once per vote."""
    if has_event_since(vote, "casting_vote_requested"):
        return
    record_event(vote.application, "casting_vote_requested", None)
    chair = next((member.trustee for member in vote.members if member.is_chair), None)
    if chair is not None and chair.active:
        queue_email(
            "casting_vote_needed",
            chair.email,
            f"Your casting vote is needed on {vote.application.reference}",
            trustee=chair,
            vote=vote,
            application=vote.application,
        )


def defer_application(application: Application, actor, reasons: str) -> None:
    """Send an application with the trustees back to review; its open vote ends as deferred
    and it leaves any waiting agenda (the consequences of going back to review)."""
    reasons = reasons.strip()
    if not reasons:
        raise ValueError("a deferral needs reasons")
    _lock_application(application)
    apply_transition(application, Action.DEFER, actor, comment=reasons)
    subject = f"{application.reference} has been deferred"
    notify_office("application_deferred", subject, application=application, reasons=reasons, to_office=True)
    notify_organisation("application_deferred", application.organisation, subject, application=application)


def close_due_votes(now: datetime | None = None) -> int:
    """`flask tick`: close every open vote past its deadline that the rule can decide.

    The others stay open, marked overdue once. Each vote is closed in its own
    savepoint, so one that cannot close (its application moved on) leaves the rest.
    Returns how many votes ended (decided or deferred).
    """
    now = now or utcnow()
    ended = 0
    for vote_id in due_vote_ids(now):
        vote = db.session.get(Vote, vote_id)
        try:
            with db.session.begin_nested():
                authorize(SYSTEM, "close_due_vote", vote)
                result = close_vote(vote, SYSTEM, now)
        except WrongState as refusal:
            current_app.logger.warning("vote %s not closed: %s", vote_id, refusal.description)
            continue
        if result in OUTCOMES or result is Result.DEFER:
            ended += 1
    return ended


def send_vote_reminders(now: datetime | None = None) -> int:
    """`flask tick`: remind eligible trustees who have not voted, once per vote, when
    its deadline is within the deployment's reminder days. Returns how many were reminded."""
    now = now or utcnow()
    reminded = 0
    for vote_id in reminder_due_ids(now, deployment_settings().vote_reminder_days):
        claimed = db.session.execute(
            update(Vote)
            .where(Vote.id == vote_id, Vote.status == VoteStatus.OPEN, Vote.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        vote = db.session.get(Vote, vote_id, populate_existing=True)
        for member in vote.members:
            trustee = member.trustee
            if trustee.active and vote.is_eligible(trustee) and vote.ballot_of(trustee) is None:
                queue_email(
                    "vote_reminder",
                    trustee.email,
                    f"Reminder: your vote on {vote.application.reference} is needed",
                    trustee=trustee,
                    vote=vote,
                    application=vote.application,
                )
                reminded += 1
    return reminded

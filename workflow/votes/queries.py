"""What the trustees' pages and the scheduled command read about votes."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from ..accounts.models import Role, User, UserRole
from ..audit.models import ApplicationEvent
from ..extensions import db
from ..reviews.models import Assessment
from .models import BoardMeeting, MeetingItem, Vote, VoteMember, VoteStatus

RECENT_CLOSED = 50


def board() -> list[User]:
    """The board now: every active trustee (the chair included), by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_([Role.TRUSTEE, Role.CHAIR]), User.active.is_(True))
            .order_by(User.name, User.id)
        ).unique()
    )


def vote_or_404(vote_id: int) -> Vote:
    """A vote with its application, or 404."""
    vote = db.session.scalar(
        select(Vote)
        .where(Vote.id == vote_id)
        .options(joinedload(Vote.application), joinedload(Vote.opened_by))
    )
    if vote is None:
        abort(404)
    return vote


def open_vote_of(application) -> Vote | None:
    """The application's open vote, if it has one."""
    return db.session.scalar(
        select(Vote).where(Vote.application_id == application.id, Vote.status == VoteStatus.OPEN)
    )


def meeting_items_of(application) -> list[MeetingItem]:
    """The board meetings' items on an application (with their meetings), earliest meeting first."""
    return list(
        db.session.scalars(
            select(MeetingItem)
            .join(MeetingItem.meeting)
            .where(MeetingItem.application_id == application.id)
            .options(contains_eager(MeetingItem.meeting))
            .order_by(BoardMeeting.held_on, MeetingItem.id)
        )
    )


def recommendations(application_ids) -> dict[int, Assessment]:
    """The office's assessments of these applications, by application id."""
    ids = set(application_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(Assessment).where(Assessment.application_id.in_(ids)))
    return {assessment.application_id: assessment for assessment in rows}


@dataclass
class TrusteeVotes:
    """A trustee's list: waiting for their vote, the other open votes, recent closed ones."""

    waiting: list[Vote]
    open: list[Vote]
    closed: list[Vote]
    assessments: dict[int, Assessment]


def trustee_votes(user: User) -> TrusteeVotes:
    """Every open vote (any trustee may read them) and the closed ones `user` sat on."""
    with_application = joinedload(Vote.application)
    open_votes = db.session.scalars(
        select(Vote)
        .where(Vote.status == VoteStatus.OPEN)
        .options(with_application)
        .order_by(Vote.deadline, Vote.id)
    ).all()
    closed = db.session.scalars(
        select(Vote)
        .join(VoteMember, VoteMember.vote_id == Vote.id)
        .where(Vote.status != VoteStatus.OPEN, VoteMember.trustee_id == user.id)
        .options(with_application)
        .order_by(Vote.closed_at.desc(), Vote.id.desc())
        .limit(RECENT_CLOSED)
    ).all()
    waiting = [vote for vote in open_votes if vote.is_eligible(user) and vote.ballot_of(user) is None]
    others = [vote for vote in open_votes if vote not in waiting]
    assessments = recommendations(vote.application_id for vote in [*open_votes, *closed])
    return TrusteeVotes(waiting=waiting, open=others, closed=list(closed), assessments=assessments)


def due_vote_ids(now: datetime) -> list[int]:
    """Open votes whose deadline has passed, oldest deadline first."""
    return list(
        db.session.scalars(
            select(Vote.id)
            .where(Vote.status == VoteStatus.OPEN, Vote.deadline <= now)
            .order_by(Vote.deadline, Vote.id)
        )
    )


def reminder_due_ids(now: datetime, days: int) -> list[int]:
    """Open votes not yet reminded whose deadline falls within `days` days."""
    return list(
        db.session.scalars(
            select(Vote.id)
            .where(
                Vote.status == VoteStatus.OPEN,
                Vote.reminded_at.is_(None),
                Vote.deadline > now,
                Vote.deadline <= now + timedelta(days=days),
            )
            .order_by(Vote.deadline, Vote.id)
        )
    )


def has_event_since(vote: Vote, kind: str) -> bool:
    """Whether the vote's application has an event of `kind` since the vote opened."""
    return (
        db.session.scalar(
            select(ApplicationEvent.id)
            .where(
                ApplicationEvent.application_id == vote.application_id,
                ApplicationEvent.kind == kind,
                ApplicationEvent.created_at >= vote.opened_at,
            )
            .limit(1)
        )
        is not None
    )

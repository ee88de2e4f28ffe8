"""The trustees' votes on applications: who may vote, ballots, conflicts, the close."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..applications.lifecycle import Action
from ..extensions import db
from ..types import UTCDateTime, enum_column, utcnow
from .rule import Choice, Majority, Result, Tally, VoteRule, decide


class VoteStatus(str, enum.Enum):
    """Whether a vote is open, or how it ended."""

    OPEN = "open"
    CLOSED = "closed"  # closed with a result
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Vote(db.Model):
    """An online vote of the trustees on one application."""

    __tablename__ = "votes"
    __table_args__ = (
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_iff_closed_at"),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="outcome_iff_closed"),
        Index("ix_votes_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    status: Mapped[VoteStatus] = mapped_column(enum_column(VoteStatus, "vote_status"), default=VoteStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    quorum: Mapped[int]
    majority: Mapped[Majority] = mapped_column(enum_column(Majority, "majority"))
    overdue: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[Choice | None] = mapped_column(enum_column(Choice, "vote_outcome"), nullable=True)
    casting_vote: Mapped[Choice | None] = mapped_column(enum_column(Choice, "casting_vote"), nullable=True)
    casting_vote_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped["Application"] = relationship(back_populates="votes")  # noqa: F821
    opened_by: Mapped["User"] = relationship(foreign_keys=[opened_by_id])  # noqa: F821
    members: Mapped[list["VoteMember"]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", lazy="selectin"
    )
    ballots: Mapped[list["Ballot"]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", lazy="selectin"
    )
    conflicts: Mapped[list["Conflict"]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def rule(self) -> VoteRule:
        return VoteRule(quorum=self.quorum, majority=self.majority)

    @property
    def is_open(self) -> bool:
        return self.status is VoteStatus.OPEN

    def is_member(self, user) -> bool:
        return any(m.trustee_id == user.id for m in self.members)

    def is_conflicted(self, user) -> bool:
        return any(c.trustee_id == user.id for c in self.conflicts)

    @property
    def eligible_ids(self) -> set[int]:
        conflicted = {c.trustee_id for c in self.conflicts}
        return {m.trustee_id for m in self.members} - conflicted

    def ballot_of(self, user) -> "Ballot | None":
        return next((b for b in self.ballots if b.trustee_id == user.id), None)

    @property
    def chair_id(self) -> int | None:
        return next((m.trustee_id for m in self.members if m.is_chair), None)

    def tally(self) -> Tally:
        """The count the rule decides on: eligible trustees' ballots only."""
        eligible = self.eligible_ids
        counted = [b.choice for b in self.ballots if b.trustee_id in eligible]
        return Tally(
            eligible=len(eligible),
            approve=counted.count(Choice.APPROVE),
            decline=counted.count(Choice.DECLINE),
            abstain=counted.count(Choice.ABSTAIN),
            casting=self.casting_vote,
            chair_can_cast=self.chair_id in eligible,
        )

    @property
    def result(self) -> Result:
        """What the rule says about the ballots cast so far."""
        return decide(self.rule, self.tally())

    @property
    def everyone_voted(self) -> bool:
        """Every eligible trustee has a ballot (true when nobody is eligible)."""
        return self.eligible_ids <= {b.trustee_id for b in self.ballots}

    def is_closing(self, now: datetime) -> bool:
        """Open, and due a result: everyone eligible has voted or the deadline has passed."""
        return self.is_open and (self.everyone_voted or now >= self.deadline)

    def can_vote(self, user) -> bool:
        """An eligible trustee may vote, or change their vote, while it is open."""
        return bool(user and user.is_authenticated and self.is_open and user.id in self.eligible_ids)

    def can_declare_conflict(self, user) -> bool:
        """A trustee of the vote declares a conflict before voting."""
        return (
            self.is_open
            and self.is_member(user)
            and not self.is_conflicted(user)
            and self.ballot_of(user) is None
        )

    def can_see_tally(self, user) -> bool:
        """Staff see votes as cast; a trustee once they have voted or the vote closed."""
        if user.is_staff or not self.is_open:
            return True
        return self.ballot_of(user) is not None

    def can_close(self, user, now: datetime) -> bool:
        """The officer or chair closes by hand after the deadline."""
        return self.is_open and (user.is_officer or user.is_chair) and now >= self.deadline

    def can_cast_deciding_vote(self, user, now: datetime | None = None) -> bool:
        """The casting vote of the board's chair at opening, when eligible, on a tie
        once the vote is due a result."""
        return (
            self.is_closing(now or utcnow())
            and user.id == self.chair_id
            and user.id in self.eligible_ids
            and self.casting_vote is None
            and self.result is Result.AWAITING_CASTING_VOTE
        )

    def can_defer(self, user) -> bool:
        """The chair or an officer sends an application on an open vote back to review."""
        return self.is_open and self.application.can(user, Action.DEFER)


class VoteMember(db.Model):
    """A trustee on the board when the vote opened."""

    __tablename__ = "vote_members"

    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    trustee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)

    vote: Mapped[Vote] = relationship(back_populates="members")
    trustee: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class Ballot(db.Model):
    """One trustee's vote; one per trustee per vote, enforced by the database."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "trustee_id", name="uq_ballots_vote_trustee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    trustee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    choice: Mapped[Choice] = mapped_column(enum_column(Choice, "choice"))
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vote: Mapped[Vote] = relationship(back_populates="ballots")
    trustee: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class Conflict(db.Model):
    """A trustee's declared conflict of interest; they cannot vote on it."""

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("vote_id", "trustee_id", name="uq_conflicts_vote_trustee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    trustee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(1000))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vote: Mapped[Vote] = relationship(back_populates="conflicts")
    trustee: Mapped["User"] = relationship(lazy="joined")  # noqa: F821

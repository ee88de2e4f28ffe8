"""The trustees' decisions: online votes (ballots, conflicts, the close), board
meetings (attendance, the items considered and their counts), and each trustee's
standing register of interests."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..applications.lifecycle import State
from ..extensions import db
from ..types import UTCDateTime, enum_column, utcnow
from .lifecycle import MeetingItemResult, MeetingStage, VoteStatus
from .rule import OPEN_UNTIL, Choice, Majority, Result, Tally, VoteRule, decide, quorum_reachable


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
        back_populates="vote", cascade="all, delete-orphan", lazy="selectin", order_by="VoteMember.trustee_id"
    )
    ballots: Mapped[list["Ballot"]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", lazy="selectin", order_by="Ballot.id"
    )
    conflicts: Mapped[list["Conflict"]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", lazy="selectin", order_by="Conflict.id"
    )

    open_until = OPEN_UNTIL  # how long trustees can vote or change their vote, as the pages promise

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

    def is_eligible(self, user) -> bool:
        """On the board when the vote opened, without a declared conflict."""
        return user.id in self.eligible_ids

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

    def change_promise(self, ballot, now: datetime) -> str:
        """Until when the trustee who cast `ballot` may change it, as the vote page tells them."""
        if ballot.choice is Choice.ABSTAIN:
            until = "." if self.is_closing(now) else f": {OPEN_UNTIL}."
            return "You can change your abstention only while the vote is open" + until
        if self.is_closing(now):
            return "You can change your vote while the vote is open."
        return f"You can change your vote {OPEN_UNTIL}."

    def is_last_to_vote(self, user) -> bool:
        """``user`` is the one eligible trustee without a ballot: their vote closes the vote."""
        return self.eligible_ids - {b.trustee_id for b in self.ballots} == {user.id}

    @property
    def quorum_unreachable(self) -> bool:
        """Open, with fewer eligible trustees than the quorum: the office must defer it
        or take it to a board meeting."""
        return self.is_open and not quorum_reachable(self.rule, len(self.eligible_ids))

    def awaits_casting_vote(self, now: datetime) -> bool:
        """Due a result, tied, and the chair's casting vote not yet given."""
        return self.is_closing(now) and self.casting_vote is None and self.result is Result.AWAITING_CASTING_VOTE


class VoteMember(db.Model):
    """A trustee on the board when the vote opened."""

    __tablename__ = "vote_members"

    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    trustee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)

    vote: Mapped[Vote] = relationship(back_populates="members")
    trustee: Mapped["User"] = relationship(lazy="joined")  # noqa: F821

    @property
    def name_on_the_board(self) -> str:
        """The trustee's name, marked when they chaired the board as the vote opened."""
        return f"{self.trustee.name} (chair)" if self.is_chair else self.trustee.name


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


class TrusteeInterest(db.Model):
    """An organisation a trustee is connected to, from their standing register of
    interests: by name, linked to the organisation's record when one matches."""

    __tablename__ = "trustee_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    trustee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    connection: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trustee: Mapped["User"] = relationship(lazy="joined")  # noqa: F821

    def matches(self, organisation) -> bool:
        """Whether this interest names ``organisation`` (its record, or its name in any case)."""
        if self.organisation_id is not None and self.organisation_id == organisation.id:
            return True
        return normalise_name(self.organisation_name) == normalise_name(organisation.name)


def normalise_name(name: str) -> str:
    """An organisation's name for matching: case and spacing ignored."""
    return " ".join((name or "").split()).casefold()


class Attendance(str, enum.Enum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"


class BoardMeeting(db.Model):
    """A meeting of the trustees recorded by the trust office, deciding applications
    by the same rule as an online vote (the quorum fixed for the board that day)."""

    __tablename__ = "board_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date]
    minutes: Mapped[str] = mapped_column(Text, default="")
    quorum: Mapped[int]
    majority: Mapped[Majority] = mapped_column(enum_column(Majority, "meeting_majority"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped["User"] = relationship(foreign_keys=[recorded_by_id])  # noqa: F821
    attendees: Mapped[list["MeetingAttendee"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin"
    )
    items: Mapped[list["MeetingItem"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin", order_by="MeetingItem.id"
    )

    @property
    def rule(self) -> VoteRule:
        return VoteRule(quorum=self.quorum, majority=self.majority)

    def attendees_by(self, attendance: Attendance) -> list["MeetingAttendee"]:
        return sorted((a for a in self.attendees if a.attendance is attendance), key=lambda a: a.trustee.name)

    @property
    def present_ids(self) -> set[int]:
        return {a.trustee_id for a in self.attendees if a.attendance is Attendance.PRESENT}

    @property
    def chair_id(self) -> int | None:
        return next((a.trustee_id for a in self.attendees if a.is_chair), None)

    @property
    def agenda(self) -> list["MeetingItem"]:
        """The items still to decide: pending, their application still with the trustees."""
        return [
            item
            for item in self.items
            if not item.is_recorded and item.application.state is State.WITH_TRUSTEES
        ]

    @property
    def attendance_recorded(self) -> bool:
        """Whether who attended is recorded: until then the meeting is only scheduled."""
        return bool(self.attendees)

    def stage(self, today: date) -> MeetingStage:
        """Scheduled until its day is past, then due its attendance, then held once attendance is recorded."""
        if self.attendance_recorded:
            return MeetingStage.HELD
        return MeetingStage.DUE if self.held_on < today else MeetingStage.SCHEDULED


class MeetingAttendee(db.Model):
    """A trustee on the board at a meeting: present, apologies or absent."""

    __tablename__ = "meeting_attendees"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("board_meetings.id", ondelete="CASCADE"), primary_key=True)
    trustee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    attendance: Mapped[Attendance] = mapped_column(enum_column(Attendance, "attendance"))
    is_chair: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[BoardMeeting] = relationship(back_populates="attendees")
    trustee: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class MeetingItem(db.Model):
    """One application considered at a meeting, with the counts once recorded."""

    __tablename__ = "meeting_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "application_id", name="uq_meeting_items_meeting_application"),
        CheckConstraint("approve >= 0 AND decline >= 0 AND abstain >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("board_meetings.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    approve: Mapped[int] = mapped_column(default=0)
    decline: Mapped[int] = mapped_column(default=0)
    abstain: Mapped[int] = mapped_column(default=0)
    casting_vote: Mapped[Choice | None] = mapped_column(enum_column(Choice, "meeting_casting_vote"), nullable=True)
    result: Mapped[MeetingItemResult] = mapped_column(
        enum_column(MeetingItemResult, "meeting_item_result"), default=MeetingItemResult.PENDING
    )
    minute: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[BoardMeeting] = relationship(back_populates="items")
    application: Mapped["Application"] = relationship(lazy="joined")  # noqa: F821
    conflicts: Mapped[list["MeetingConflict"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_recorded(self) -> bool:
        return self.result is not MeetingItemResult.PENDING


class MeetingConflict(db.Model):
    """A trustee's conflict of interest on one item of a meeting, with the reason."""

    __tablename__ = "meeting_conflicts"

    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_items.id", ondelete="CASCADE"), primary_key=True)
    trustee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(1000))

    item: Mapped[MeetingItem] = relationship(back_populates="conflicts")
    trustee: Mapped["User"] = relationship(lazy="joined")  # noqa: F821

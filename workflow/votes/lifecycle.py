"""The trustees' decisions as state tables, in the style of the application's lifecycle:
an online vote's status, a board meeting's stage, and each agenda item's result.

Who may move them is in `workflow.policy`; these tables say only which state leads
to which (and each state's label and tag colour, for the pages).
"""

import enum
from dataclasses import dataclass


class VoteStatus(str, enum.Enum):
    """Whether a vote is open, or how it ended."""

    OPEN = "open"
    CLOSED = "closed"  # closed with a result
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"  # the application was decided at a board meeting instead

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def colour(self) -> str:
        return VOTE_STATUS_COLOURS[self]


VOTE_STATUS_COLOURS = {
    VoteStatus.OPEN: "purple",
    VoteStatus.CLOSED: "green",
    VoteStatus.DEFERRED: "yellow",
    VoteStatus.WITHDRAWN: "grey",
    VoteStatus.SUPERSEDED: "grey",
}


class VoteEnd(str, enum.Enum):
    """How an open vote ends, each to its status."""

    CLOSE = "close"  # the rule decided it, on its own or closed by hand
    DEFER = "defer"
    WITHDRAW = "withdraw"
    SUPERSEDE = "supersede"


VOTE_ENDS: dict[VoteEnd, VoteStatus] = {
    VoteEnd.CLOSE: VoteStatus.CLOSED,
    VoteEnd.DEFER: VoteStatus.DEFERRED,
    VoteEnd.WITHDRAW: VoteStatus.WITHDRAWN,
    VoteEnd.SUPERSEDE: VoteStatus.SUPERSEDED,
}


class MeetingStage(str, enum.Enum):
    """Where a board meeting stands: scheduled (its day not past), its day past without
    attendance, or held."""

    SCHEDULED = "scheduled"  # today or later: its agenda is open, and from its day its attendance can be recorded
    DUE = "due"  # its day has passed: the office records who attended
    HELD = "held"  # attendance recorded: the office records each item's resolution

    @property
    def label(self) -> str:
        return MEETING_STAGE_LABELS[self]


MEETING_STAGE_LABELS = {
    MeetingStage.SCHEDULED: "Scheduled",
    MeetingStage.DUE: "Attendance to record",
    MeetingStage.HELD: "Held",
}


class MeetingItemResult(str, enum.Enum):
    """What a board meeting resolved on one application."""

    PENDING = "pending"  # not yet recorded
    APPROVED = "approved"
    DECLINED = "declined"
    DEFERRED = "deferred"
    NOT_DECIDED = "not_decided"  # no quorum: it stays with the trustees

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def colour(self) -> str:
        return RESULT_COLOURS[self]


RESULT_COLOURS = {
    MeetingItemResult.PENDING: "grey",
    MeetingItemResult.APPROVED: "green",
    MeetingItemResult.DECLINED: "red",
    MeetingItemResult.DEFERRED: "yellow",
    MeetingItemResult.NOT_DECIDED: "orange",
}


@dataclass(frozen=True)
class ItemTransition:
    """The results an agenda item may leave, and the results it may reach."""

    sources: frozenset[MeetingItemResult]
    targets: frozenset[MeetingItemResult]


R = MeetingItemResult
ITEM_TRANSITIONS = {
    # The office records the meeting's resolution on a pending item: the rule's result.
    "resolve": ItemTransition(frozenset({R.PENDING}), frozenset({R.APPROVED, R.DECLINED, R.DEFERRED, R.NOT_DECIDED})),
    # The meeting defers a pending item, or one it could not decide for want of a quorum.
    "defer_item": ItemTransition(frozenset({R.PENDING, R.NOT_DECIDED}), frozenset({R.DEFERRED})),
}
DEFERRABLE = ITEM_TRANSITIONS["defer_item"].sources

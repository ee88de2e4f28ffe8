"""The application lifecycle: its states, and which action moves it from which state to which.

Who may take each action is in `workflow.policy`, the one table of who may do what;
what follows each target state is in `consequences.py`.
"""

import enum
from dataclasses import dataclass


class State(str, enum.Enum):
    """Where an application stands (SPEC 4)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    INFO_REQUESTED = "info_requested"
    WITH_TRUSTEES = "with_trustees"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


STATE_LABELS = {
    State.DRAFT: "Draft",
    State.SUBMITTED: "Submitted",
    State.IN_REVIEW: "In review",
    State.INFO_REQUESTED: "Information requested",
    State.WITH_TRUSTEES: "With the trustees",
    State.APPROVED: "Approved",
    State.DECLINED: "Declined",
    State.WITHDRAWN: "Withdrawn",
}

FINAL_STATES = frozenset({State.APPROVED, State.DECLINED, State.WITHDRAWN})


class Action(str, enum.Enum):
    """Each transition of SPEC 4 by name."""

    SUBMIT = "submit"
    TAKE = "take"
    REQUEST_INFORMATION = "request_information"
    RESPOND = "respond"
    PUT_TO_TRUSTEES = "put_to_trustees"
    DEFER = "defer"
    APPROVE = "approve"
    DECLINE = "decline"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    """The states an action may be taken from, and the state it leads to."""

    sources: frozenset[State]
    target: State


def _t(sources, target) -> Transition:
    return Transition(frozenset(sources), target)


S = State
TRANSITIONS: dict[Action, Transition] = {
    Action.SUBMIT: _t({S.DRAFT}, S.SUBMITTED),
    Action.TAKE: _t({S.SUBMITTED}, S.IN_REVIEW),
    Action.REQUEST_INFORMATION: _t({S.IN_REVIEW}, S.INFO_REQUESTED),
    Action.RESPOND: _t({S.INFO_REQUESTED}, S.IN_REVIEW),
    Action.PUT_TO_TRUSTEES: _t({S.IN_REVIEW}, S.WITH_TRUSTEES),
    Action.DEFER: _t({S.WITH_TRUSTEES}, S.IN_REVIEW),
    Action.APPROVE: _t({S.WITH_TRUSTEES}, S.APPROVED),
    Action.DECLINE: _t({S.WITH_TRUSTEES}, S.DECLINED),
    Action.WITHDRAW: _t({S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED, S.WITH_TRUSTEES}, S.WITHDRAWN),
}

"""The application lifecycle: its states, and who may move it from which state to which.

This table is the one place the rule "who may do what, in which state" lives.
Operations check it before changing anything; views and templates ask it through
`Application.can(user, action)`.
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


class Actor(str, enum.Enum):
    """The capacity in which someone acts on an application."""

    APPLICANT = "applicant"  # a member of the applying organisation
    OFFICER = "officer"
    CHAIR = "chair"
    SYSTEM = "system"  # `flask tick`, or a vote closing itself


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
    """Who may take an action, from which states, and the state it leads to."""

    sources: frozenset[State]
    target: State
    actors: frozenset[Actor]


def _t(sources, target, *actors) -> Transition:
    return Transition(frozenset(sources), target, frozenset(actors))


S = State
TRANSITIONS: dict[Action, Transition] = {
    Action.SUBMIT: _t({S.DRAFT}, S.SUBMITTED, Actor.APPLICANT),
    Action.TAKE: _t({S.SUBMITTED}, S.IN_REVIEW, Actor.OFFICER),
    Action.REQUEST_INFORMATION: _t({S.IN_REVIEW}, S.INFO_REQUESTED, Actor.OFFICER),
    Action.RESPOND: _t({S.INFO_REQUESTED}, S.IN_REVIEW, Actor.APPLICANT),
    Action.PUT_TO_TRUSTEES: _t({S.IN_REVIEW}, S.WITH_TRUSTEES, Actor.OFFICER),
    # The system defers a tie the chair cannot break, or a vote that can no longer reach quorum.
    Action.DEFER: _t({S.WITH_TRUSTEES}, S.IN_REVIEW, Actor.CHAIR, Actor.OFFICER, Actor.SYSTEM),
    # The vote closing with a result, or the officer recording a meeting's resolution.
    Action.APPROVE: _t({S.WITH_TRUSTEES}, S.APPROVED, Actor.SYSTEM, Actor.OFFICER),
    Action.DECLINE: _t({S.WITH_TRUSTEES}, S.DECLINED, Actor.SYSTEM, Actor.OFFICER),
    Action.WITHDRAW: _t(
        {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED, S.WITH_TRUSTEES},
        S.WITHDRAWN,
        Actor.APPLICANT,
    ),
}

# Actions people take through the office or applicant pages; APPROVE and DECLINE
# by a person are a meeting's resolution, recorded through the votes area.
ACTOR_ROLES = {Actor.OFFICER: "is_officer", Actor.CHAIR: "is_chair"}


def actors_for(user, organisation_id: int) -> set[Actor]:
    """The capacities in which `user` may act on an organisation's application."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    actors = {actor for actor, attribute in ACTOR_ROLES.items() if getattr(user, attribute)}
    if user.is_applicant and user.is_member_of(organisation_id):
        actors.add(Actor.APPLICANT)
    return actors


def role_allows(action: Action, actors: set[Actor]) -> bool:
    """Whether any of the actor's capacities may take the action."""
    return bool(TRANSITIONS[action].actors & actors)


def state_allows(action: Action, state: State) -> bool:
    """Whether the action may be taken from this state."""
    return state in TRANSITIONS[action].sources

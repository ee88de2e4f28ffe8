"""The trustees' decision rule (SPEC section 5), as pure functions.

No Flask or database imports: callers build a :class:`Tally` from their own records
(online votes or a meeting's counts) and ask :func:`decide` for the :class:`Result`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "Choice",
    "Majority",
    "Result",
    "Tally",
    "VoteRule",
    "decide",
    "quorum_reachable",
    "rule_from_config",
]


class Majority(str, enum.Enum):
    """How many approvals (counted over approve plus decline) carry the vote."""

    SIMPLE = "simple"
    TWO_THIRDS = "two_thirds"
    UNANIMOUS = "unanimous"


class Choice(str, enum.Enum):
    """A trustee's vote."""

    APPROVE = "approve"
    DECLINE = "decline"
    ABSTAIN = "abstain"


class Result(str, enum.Enum):
    """What the rule says about a tally."""

    APPROVED = "approved"
    DECLINED = "declined"
    NO_QUORUM = "no_quorum"  # too few eligible trustees have voted yet (abstentions count)
    AWAITING_CASTING_VOTE = "awaiting_casting_vote"  # simple-majority tie, chair may cast
    DEFER = "defer"  # tie with the chair conflicted/absent, or quorum can never be reached


@dataclass(frozen=True)
class VoteRule:
    """A deployment's rule: the quorum (trustees who voted, abstentions included)
    and the majority needed."""

    quorum: int = 3
    majority: Majority = Majority.SIMPLE

    def __post_init__(self) -> None:
        if self.quorum < 1:
            raise ValueError(f"quorum must be at least 1, not {self.quorum}")
        object.__setattr__(self, "majority", Majority(self.majority))

    def describe(self) -> str:
        """The rule in plain English, for trustees."""
        noun = "trustee" if self.quorum == 1 else "trustees"
        parts = [f"At least {self.quorum} {noun} must vote (abstentions count)."]
        if self.majority is Majority.SIMPLE:
            parts += [
                "The application is approved when approvals outnumber declines.",
                "On a tie the chair has a casting vote; if the chair is conflicted"
                " or absent, the application is deferred.",
            ]
        elif self.majority is Majority.TWO_THIRDS:
            parts += [
                "The application is approved when approvals are at least two thirds"
                " of approvals and declines together; otherwise it is declined.",
            ]
        else:
            parts += [
                "The application is approved only when it is unanimous: at least one"
                " trustee approves and no trustee declines.",
            ]
        parts.append("Abstentions do not count towards the result.")
        return " ".join(parts)


@dataclass(frozen=True)
class Tally:
    """Counts for one vote. ``eligible`` is the board at opening less the conflicted;
    ``casting`` is the chair's casting vote (APPROVE or DECLINE) if recorded."""

    eligible: int
    approve: int = 0
    decline: int = 0
    abstain: int = 0
    casting: Choice | None = None
    chair_can_cast: bool = True

    def __post_init__(self) -> None:
        for name in ("eligible", "approve", "decline", "abstain"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.casting is not None:
            casting = Choice(self.casting)
            if casting is Choice.ABSTAIN:
                raise ValueError("a casting vote must approve or decline")
            object.__setattr__(self, "casting", casting)

    @property
    def voted(self) -> int:
        """Trustees who voted, abstentions included (the quorum count)."""
        return self.approve + self.decline + self.abstain


def quorum_reachable(rule: VoteRule, eligible: int) -> bool:
    """Whether ``eligible`` trustees could ever make the quorum."""
    return eligible >= rule.quorum


def decide(rule: VoteRule, tally: Tally) -> Result:
    """Apply ``rule`` to ``tally``.

    DEFER if quorum can never be reached; NO_QUORUM until it is. The outcome counts
    approve and decline only. SIMPLE: the larger side wins; a tie (including 0-0 when
    everyone abstained) is settled by the casting vote, else AWAITING_CASTING_VOTE if
    the chair can cast, else DEFER. TWO_THIRDS: approved iff approvals are at least two
    thirds of approve+decline and there is at least one. UNANIMOUS: approved iff at least
    one approval and no decline. With no approvals nothing is approved, so under
    TWO_THIRDS and UNANIMOUS an all-abstain vote is DECLINED. The casting vote only
    applies to SIMPLE ties and is otherwise ignored.
    """
    if not quorum_reachable(rule, tally.eligible):
        return Result.DEFER
    if tally.voted < rule.quorum:
        return Result.NO_QUORUM
    approve, decline = tally.approve, tally.decline
    if rule.majority is Majority.SIMPLE:
        if approve != decline:
            return Result.APPROVED if approve > decline else Result.DECLINED
        if tally.casting is not None:
            return Result.APPROVED if tally.casting is Choice.APPROVE else Result.DECLINED
        return Result.AWAITING_CASTING_VOTE if tally.chair_can_cast else Result.DEFER
    if rule.majority is Majority.TWO_THIRDS:
        carried = approve > 0 and 3 * approve >= 2 * (approve + decline)
    else:
        carried = approve > 0 and decline == 0
    return Result.APPROVED if carried else Result.DECLINED


def rule_from_config(config: Mapping) -> VoteRule:
    """Build the rule from VOTE_QUORUM and VOTE_MAJORITY (defaults 3 and "simple").

    Raises ValueError for a non-positive quorum or an unknown majority name.
    """
    quorum = int(config.get("VOTE_QUORUM", 3))
    raw = config.get("VOTE_MAJORITY", Majority.SIMPLE.value)
    name = raw.value if isinstance(raw, Majority) else str(raw).strip().lower()
    name = name.replace("-", "_").replace(" ", "_")
    try:
        majority = Majority(name)
    except ValueError:
        allowed = ", ".join(m.value for m in Majority)
        raise ValueError(f"VOTE_MAJORITY must be one of {allowed}, not {raw!r}") from None
    return VoteRule(quorum=quorum, majority=majority)

"""The trustees' decision rule (SPEC section 5), as pure functions.

No Flask or database imports: callers build a :class:`Tally` from their own records
(online votes or a meeting's counts) and ask :func:`decide` for the :class:`Result`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "OPEN_UNTIL",
    "Choice",
    "Majority",
    "Result",
    "Tally",
    "VoteRule",
    "decide",
    "parse_quorum",
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

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Result(str, enum.Enum):
    """What the rule says about a tally."""

    APPROVED = "approved"
    DECLINED = "declined"
    NO_QUORUM = "no_quorum"  # too few eligible trustees have voted yet (abstentions count)
    AWAITING_CASTING_VOTE = "awaiting_casting_vote"  # simple-majority tie, chair may cast
    DEFER = "defer"  # simple-majority tie with the chair conflicted or absent
    QUORUM_UNREACHABLE = "quorum_unreachable"  # fewer eligible than the quorum: defer or take to a meeting


OPEN_UNTIL = "until the deadline, or until every trustee without a conflict has voted, whichever comes first"
"""How long an online vote stays open, in the words its pages and emails promise (SPEC 5: closing)."""

FRACTION_WORDS = {Fraction(1, 2): "half", Fraction(1, 3): "a third", Fraction(2, 3): "two thirds",
                  Fraction(1, 4): "a quarter", Fraction(3, 4): "three quarters"}


@dataclass(frozen=True)
class VoteRule:
    """A deployment's rule: the quorum (trustees who voted, abstentions included) and
    the majority needed. The quorum is a count, or a fraction of the board at opening
    (rounded up); :meth:`for_board` turns a fraction into the count for one board."""

    quorum: int | Fraction = 3
    majority: Majority = Majority.SIMPLE

    def __post_init__(self) -> None:
        quorum = self.quorum
        if isinstance(quorum, Fraction):
            if not 0 < quorum <= 1:
                raise ValueError(f"a quorum fraction must be above 0 and at most 1, not {quorum}")
        elif isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
            raise ValueError(f"quorum must be at least 1, not {quorum!r}")
        object.__setattr__(self, "majority", Majority(self.majority))

    @property
    def is_fraction(self) -> bool:
        return isinstance(self.quorum, Fraction)

    def quorum_for(self, board: int) -> int:
        """The quorum as a count for a board of ``board`` trustees (at least 1)."""
        if not self.is_fraction:
            return self.quorum
        return max(1, math.ceil(self.quorum * board))

    def for_board(self, board: int) -> VoteRule:
        """This rule with its quorum fixed as a count for a board of ``board`` trustees."""
        return VoteRule(quorum=self.quorum_for(board), majority=self.majority)

    def describe(self, online: bool = False) -> str:
        """The rule in plain English, for trustees; ``online`` adds when an online vote closes."""
        if self.is_fraction and self.quorum == 1:
            parts = ["Every trustee on the board when the vote opens must vote (abstentions count)."]
        elif self.is_fraction:
            share = FRACTION_WORDS.get(self.quorum, f"{self.quorum.numerator} in {self.quorum.denominator}")
            parts = [f"At least {share} of the board when the vote opens (rounded up) must vote (abstentions count)."]
        else:
            noun = "trustee" if self.quorum == 1 else "trustees"
            parts = [f"At least {self.quorum} {noun} must vote (abstentions count)."]
        if self.majority is Majority.SIMPLE:
            parts += [
                "The application is approved when approvals outnumber declines.",
                (
                    "On a tie the chair has a casting vote; if the chair is conflicted"
                    " or absent, the application is deferred."
                ),
            ]
        elif self.majority is Majority.TWO_THIRDS:
            parts += [
                (
                    "The application is approved when approvals are at least two thirds"
                    " of approvals and declines together; otherwise it is declined."
                ),
            ]
        else:
            parts += [
                (
                    "The application is approved only when it is unanimous: at least one"
                    " trustee approves and no trustee declines."
                ),
            ]
        parts.append("Abstentions do not count towards the result.")
        parts.append(
            "If fewer trustees than the quorum can vote (after conflicts of interest), the trust"
            " office defers the application or takes it to a board meeting."
        )
        if online:
            parts.append(f"Trustees can vote, and change their vote, {OPEN_UNTIL}: then the vote closes.")
        return " ".join(parts)


@dataclass(frozen=True)
class Tally:
    """Counts for one vote. ``eligible`` is the board at opening less the conflicted
    (at a meeting: the trustees present less the conflicted); ``board`` is the whole
    board at opening, needed only by a fractional quorum; ``casting`` is the chair's
    casting vote (APPROVE or DECLINE) if recorded."""

    eligible: int
    approve: int = 0
    decline: int = 0
    abstain: int = 0
    casting: Choice | None = None
    chair_can_cast: bool = True
    board: int | None = None

    def __post_init__(self) -> None:
        for name in ("eligible", "approve", "decline", "abstain", "board"):
            if (getattr(self, name) or 0) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.voted > self.eligible:
            raise ValueError(f"{self.voted} votes counted but only {self.eligible} trustees are eligible")
        if self.casting is not None:
            casting = Choice(self.casting)
            if casting is Choice.ABSTAIN:
                raise ValueError("a casting vote must approve or decline")
            object.__setattr__(self, "casting", casting)

    @property
    def voted(self) -> int:
        """Trustees who voted, abstentions included (the quorum count)."""
        return self.approve + self.decline + self.abstain


def quorum_reachable(rule: VoteRule, eligible: int, board: int | None = None) -> bool:
    """Whether ``eligible`` trustees could ever make the quorum (of a ``board``, for a fraction)."""
    return eligible >= _quorum(rule, board)


def _quorum(rule: VoteRule, board: int | None) -> int:
    if rule.is_fraction and board is None:
        raise ValueError("a fractional quorum needs the size of the board")
    return rule.quorum_for(board or 0)


def decide(rule: VoteRule, tally: Tally) -> Result:
    """Apply ``rule`` to ``tally``.

    The quorum is the rule's count, or its fraction of ``tally.board`` rounded up.
    QUORUM_UNREACHABLE if fewer are eligible than the quorum; NO_QUORUM until enough
    have voted. The outcome counts
    approve and decline only. SIMPLE: the larger side wins; a tie (including 0-0 when
    everyone abstained) is settled by the casting vote, else AWAITING_CASTING_VOTE if
    the chair can cast, else DEFER. TWO_THIRDS: approved iff approvals are at least two
    thirds of approve+decline and there is at least one. UNANIMOUS: approved iff at least
    one approval and no decline. With no approvals nothing is approved, so under
    TWO_THIRDS and UNANIMOUS an all-abstain vote is DECLINED. The casting vote only
    applies to SIMPLE ties and is otherwise ignored.
    """
    if not quorum_reachable(rule, tally.eligible, tally.board):
        return Result.QUORUM_UNREACHABLE
    if tally.voted < _quorum(rule, tally.board):
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


def parse_quorum(raw) -> int | Fraction:
    """A quorum from configuration: a count ("3") or a fraction of the board ("1/2", "50%").

    Raises ValueError for anything else, zero, or more than the whole board.
    """
    if isinstance(raw, (int, Fraction)) and not isinstance(raw, bool):
        return VoteRule(quorum=raw).quorum
    text = str(raw).strip().replace(" ", "")
    try:
        if text.endswith("%"):
            quorum = Fraction(int(text[:-1]), 100)
        elif "/" in text:
            numerator, denominator = text.split("/")
            quorum = Fraction(int(numerator), int(denominator))
        else:
            quorum = int(text)
        return VoteRule(quorum=quorum).quorum
    except (ValueError, ZeroDivisionError):
        raise ValueError(
            f"VOTE_QUORUM must be a number of trustees (3) or a fraction of the board (1/2 or 50%), not {raw!r}"
        ) from None


def rule_from_config(config: Mapping) -> VoteRule:
    """Build the rule from VOTE_QUORUM and VOTE_MAJORITY (defaults 3 and "simple").

    Raises ValueError for a bad quorum or an unknown majority name.
    """
    quorum = parse_quorum(config.get("VOTE_QUORUM", 3))
    raw = config.get("VOTE_MAJORITY", Majority.SIMPLE.value)
    name = raw.value if isinstance(raw, Majority) else str(raw).strip().lower()
    name = name.replace("-", "_").replace(" ", "_")
    try:
        majority = Majority(name)
    except ValueError:
        allowed = ", ".join(m.value for m in Majority)
        raise ValueError(f"VOTE_MAJORITY must be one of {allowed}, not {raw!r}") from None
    return VoteRule(quorum=quorum, majority=majority)

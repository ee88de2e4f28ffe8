"""The trustees' decision rule (SPEC section 5), table-driven."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.votes.rule import (
    OPEN_UNTIL,
    Choice,
    Majority,
    Result,
    Tally,
    VoteRule,
    decide,
    parse_quorum,
    quorum_reachable,
    rule_from_config,
)

S, T, U = Majority.SIMPLE, Majority.TWO_THIRDS, Majority.UNANIMOUS
A, D = Choice.APPROVE, Choice.DECLINE
HALF, TWO_THIRDS_OF, ALL = Fraction(1, 2), Fraction(2, 3), Fraction(1)
UNREACHABLE = Result.QUORUM_UNREACHABLE


# (id, quorum, majority, tally, expected)
CASES = [
    # quorum reachability
    ("eligible below quorum", 3, S, Tally(eligible=2, approve=2), UNREACHABLE),
    ("eligible zero", 3, S, Tally(eligible=0), UNREACHABLE),
    ("eligible below quorum, two thirds", 5, T, Tally(eligible=4, approve=4), UNREACHABLE),
    ("eligible below quorum, unanimous", 4, U, Tally(eligible=3, approve=3), UNREACHABLE),
    ("eligible equals quorum, all voted", 3, S, Tally(eligible=3, approve=2, decline=1), Result.APPROVED),
    # quorum met / not met, abstentions counting
    ("nobody voted", 3, S, Tally(eligible=5), Result.NO_QUORUM),
    ("two of quorum three", 3, S, Tally(eligible=5, approve=2), Result.NO_QUORUM),
    ("two plus nothing, decline", 3, S, Tally(eligible=5, approve=1, decline=1), Result.NO_QUORUM),
    ("abstention makes quorum", 3, S, Tally(eligible=5, approve=2, abstain=1), Result.APPROVED),
    ("abstentions make quorum, decline", 3, S, Tally(eligible=5, decline=1, abstain=2), Result.DECLINED),
    ("short of quorum despite abstentions", 4, S, Tally(eligible=6, approve=2, abstain=1), Result.NO_QUORUM),
    ("short of quorum, two thirds", 3, T, Tally(eligible=5, approve=2), Result.NO_QUORUM),
    ("short of quorum, unanimous", 3, U, Tally(eligible=5, approve=2), Result.NO_QUORUM),
    ("quorum one", 1, S, Tally(eligible=1, approve=1), Result.APPROVED),
    # simple majority
    ("simple approve wins", 3, S, Tally(eligible=5, approve=3, decline=2), Result.APPROVED),
    ("simple decline wins", 3, S, Tally(eligible=5, approve=2, decline=3), Result.DECLINED),
    ("simple unanimous approve", 3, S, Tally(eligible=3, approve=3), Result.APPROVED),
    ("simple by one with abstentions", 3, S, Tally(eligible=7, approve=2, decline=1, abstain=4), Result.APPROVED),
    ("simple casting ignored without tie", 3, S, Tally(eligible=5, approve=3, decline=1, casting=D), Result.APPROVED),
    # simple ties
    ("tie casting approve", 3, S, Tally(eligible=5, approve=2, decline=2, casting=A), Result.APPROVED),
    ("tie casting decline", 3, S, Tally(eligible=5, approve=2, decline=2, casting=D), Result.DECLINED),
    ("tie casting as string", 3, S, Tally(eligible=5, approve=2, decline=2, casting="approve"), Result.APPROVED),
    ("tie awaiting casting", 3, S, Tally(eligible=5, approve=2, decline=2), Result.AWAITING_CASTING_VOTE),
    ("tie with abstention awaiting", 3, S, Tally(eligible=5, approve=1, decline=1, abstain=1), Result.AWAITING_CASTING_VOTE),
    ("tie chair conflicted", 3, S, Tally(eligible=4, approve=2, decline=2, chair_can_cast=False), Result.DEFER),
    ("tie chair absent, casting given anyway", 3, S,
     Tally(eligible=4, approve=2, decline=2, casting=A, chair_can_cast=False), Result.APPROVED),
    ("all abstain simple awaits casting", 3, S, Tally(eligible=3, abstain=3), Result.AWAITING_CASTING_VOTE),
    ("all abstain simple chair conflicted", 3, S, Tally(eligible=3, abstain=3, chair_can_cast=False), Result.DEFER),
    ("all abstain simple casting decline", 3, S, Tally(eligible=3, abstain=3, casting=D), Result.DECLINED),
    # two thirds
    ("two thirds exactly 2 of 3", 3, T, Tally(eligible=3, approve=2, decline=1), Result.APPROVED),
    ("two thirds exactly 4 of 6", 3, T, Tally(eligible=6, approve=4, decline=2), Result.APPROVED),
    ("two thirds just under 3 of 5", 3, T, Tally(eligible=5, approve=3, decline=2), Result.DECLINED),
    ("two thirds just under 5 of 8", 3, T, Tally(eligible=8, approve=5, decline=3), Result.DECLINED),
    ("two thirds simple-majority tie", 3, T, Tally(eligible=4, approve=2, decline=2), Result.DECLINED),
    ("two thirds above", 3, T, Tally(eligible=4, approve=3, decline=1), Result.APPROVED),
    ("two thirds all approve", 3, T, Tally(eligible=3, approve=3), Result.APPROVED),
    ("two thirds all decline", 3, T, Tally(eligible=3, decline=3), Result.DECLINED),
    ("two thirds abstentions excluded", 3, T, Tally(eligible=6, approve=2, decline=1, abstain=3), Result.APPROVED),
    ("two thirds one approve rest abstain", 3, T, Tally(eligible=3, approve=1, abstain=2), Result.APPROVED),
    ("two thirds all abstain", 3, T, Tally(eligible=3, abstain=3), Result.DECLINED),
    ("two thirds casting ignored", 3, T, Tally(eligible=4, approve=2, decline=2, casting=A), Result.DECLINED),
    # unanimous
    ("unanimous all approve", 3, U, Tally(eligible=3, approve=3), Result.APPROVED),
    ("unanimous with abstentions", 3, U, Tally(eligible=5, approve=1, abstain=2), Result.APPROVED),
    ("unanimous one decline", 3, U, Tally(eligible=5, approve=4, decline=1), Result.DECLINED),
    ("unanimous all decline", 3, U, Tally(eligible=3, decline=3), Result.DECLINED),
    ("unanimous all abstain", 3, U, Tally(eligible=3, abstain=3), Result.DECLINED),
    ("unanimous casting ignored", 3, U, Tally(eligible=3, approve=2, decline=1, casting=A), Result.DECLINED),
    # a quorum as a fraction of the board at opening, rounded up
    ("half of 4 is 2, met", HALF, S, Tally(board=4, eligible=4, approve=1, decline=0, abstain=1), Result.APPROVED),
    ("half of 4 is 2, one voted", HALF, S, Tally(board=4, eligible=4, approve=1), Result.NO_QUORUM),
    ("half of 5 is 3, two voted", HALF, S, Tally(board=5, eligible=5, approve=2), Result.NO_QUORUM),
    ("half of 5 is 3, met", HALF, S, Tally(board=5, eligible=5, approve=2, decline=1), Result.APPROVED),
    ("half of 5, conflicts leave 2", HALF, S, Tally(board=5, eligible=2, approve=2), UNREACHABLE),
    ("half of 1 is 1", HALF, S, Tally(board=1, eligible=1, decline=1), Result.DECLINED),
    ("two thirds of 6 is 4, tie", TWO_THIRDS_OF, S, Tally(board=6, eligible=6, approve=2, decline=2),
     Result.AWAITING_CASTING_VOTE),
    ("two thirds of 6, chair conflicted", TWO_THIRDS_OF, S,
     Tally(board=6, eligible=5, approve=2, decline=2, chair_can_cast=False), Result.DEFER),
    ("all of 3, one abstains", ALL, U, Tally(board=3, eligible=3, approve=2, abstain=1), Result.APPROVED),
    ("all of 3, two voted", ALL, U, Tally(board=3, eligible=3, approve=2), Result.NO_QUORUM),
    ("all of 3, one conflicted", ALL, T, Tally(board=3, eligible=2, approve=2), UNREACHABLE),
]


@pytest.mark.parametrize(
    "quorum, majority, tally, expected",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(quorum, majority, tally, expected):
    assert decide(VoteRule(quorum=quorum, majority=majority), tally) is expected


@pytest.mark.parametrize(
    "tally, voted",
    [
        (Tally(eligible=5), 0),
        (Tally(eligible=5, approve=1, decline=2, abstain=1), 4),
        (Tally(eligible=5, abstain=3), 3),
    ],
)
def test_voted_counts_abstentions(tally, voted):
    assert tally.voted == voted


@pytest.mark.parametrize(
    "quorum, eligible, reachable",
    [(3, 2, False), (3, 3, True), (3, 10, True), (1, 0, False), (1, 1, True), (5, 4, False)],
)
def test_quorum_reachable(quorum, eligible, reachable):
    assert quorum_reachable(VoteRule(quorum=quorum), eligible) is reachable


@pytest.mark.parametrize(
    "quorum, board, count",
    [(3, 10, 3), (HALF, 4, 2), (HALF, 5, 3), (HALF, 1, 1), (HALF, 0, 1), (TWO_THIRDS_OF, 7, 5),
     (ALL, 6, 6), (Fraction(1, 10), 3, 1)],
)
def test_quorum_for_a_board(quorum, board, count):
    rule = VoteRule(quorum=quorum, majority=T)
    assert rule.quorum_for(board) == count
    assert rule.for_board(board) == VoteRule(quorum=count, majority=T)
    assert quorum_reachable(rule, count, board) and not quorum_reachable(rule, count - 1, board)


def test_a_fractional_quorum_needs_the_board():
    with pytest.raises(ValueError, match="size of the board"):
        decide(VoteRule(quorum=HALF), Tally(eligible=3, approve=2))


def test_defaults():
    rule = VoteRule()
    assert (rule.quorum, rule.majority) == (3, Majority.SIMPLE)
    tally = Tally(eligible=3)
    assert (tally.casting, tally.chair_can_cast) == (None, True)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tally(eligible=-1),
        lambda: Tally(eligible=3, approve=-1),
        lambda: Tally(eligible=3, decline=-1),
        lambda: Tally(eligible=3, abstain=-1),
        lambda: Tally(eligible=3, casting=Choice.ABSTAIN),
        lambda: Tally(eligible=3, casting="maybe"),
        lambda: VoteRule(quorum=0),
        lambda: VoteRule(quorum=True),
        lambda: VoteRule(quorum=Fraction(0)),
        lambda: VoteRule(quorum=Fraction(3, 2)),
        lambda: VoteRule(majority="most"),
        lambda: Tally(eligible=2, approve=2, abstain=1),
        lambda: Tally(eligible=2, board=-1),
    ],
)
def test_invalid_values_rejected(make):
    with pytest.raises(ValueError):
        make()


def test_frozen():
    with pytest.raises(AttributeError):
        VoteRule().quorum = 5
    with pytest.raises(AttributeError):
        Tally(eligible=3).approve = 1


@pytest.mark.parametrize(
    "majority, phrases",
    [
        (S, ["approvals outnumber declines", "casting vote", "deferred"]),
        (T, ["two thirds"]),
        (U, ["unanimous", "no trustee declines"]),
    ],
)
@pytest.mark.parametrize("quorum", [3, 5])
def test_describe(majority, phrases, quorum):
    text = VoteRule(quorum=quorum, majority=majority).describe()
    assert text.startswith(f"At least {quorum} trustees must vote (abstentions count).")
    for phrase in phrases:
        assert phrase in text
    if majority is not S:
        assert "casting" not in text


def test_describe_simple_example_text():
    assert VoteRule().describe().startswith(
        "At least 3 trustees must vote (abstentions count). The application is approved"
        " when approvals outnumber declines. On a tie the chair has a casting vote"
    )


@pytest.mark.parametrize(
    "quorum, words",
    [(HALF, "At least half of the board"), (TWO_THIRDS_OF, "At least two thirds of the board"),
     (Fraction(2, 5), "At least 2 in 5 of the board")],
)
def test_describe_a_fraction(quorum, words):
    text = VoteRule(quorum=quorum).describe()
    assert text.startswith(words) and "rounded up" in text


def test_describe_the_whole_board():
    assert VoteRule(quorum=ALL).describe().startswith("Every trustee on the board when the vote opens must vote")


def test_describe_says_what_happens_when_quorum_cannot_be_reached():
    assert "takes it to a board meeting" in VoteRule().describe()


def test_describe_singular():
    assert VoteRule(quorum=1).describe().startswith("At least 1 trustee must vote")


def test_describe_an_online_vote_says_when_it_closes():
    closing = f"Trustees can vote, and change their vote, {OPEN_UNTIL}: then the vote closes."
    assert OPEN_UNTIL == (
        "until the deadline, or until every trustee without a conflict has voted, whichever comes first"
    )
    assert VoteRule().describe(online=True) == f"{VoteRule().describe()} {closing}"
    assert "deadline" not in VoteRule().describe()  # a board meeting has none


@pytest.mark.parametrize(
    "config, expected",
    [
        ({}, VoteRule(3, S)),
        ({"VOTE_QUORUM": 5, "VOTE_MAJORITY": "simple"}, VoteRule(5, S)),
        ({"VOTE_QUORUM": 4, "VOTE_MAJORITY": "two_thirds"}, VoteRule(4, T)),
        ({"VOTE_QUORUM": 2, "VOTE_MAJORITY": "unanimous"}, VoteRule(2, U)),
        ({"VOTE_QUORUM": "6", "VOTE_MAJORITY": " Two-Thirds "}, VoteRule(6, T)),
        ({"VOTE_MAJORITY": Majority.UNANIMOUS}, VoteRule(3, U)),
        ({"VOTE_QUORUM": 4, "OTHER": "ignored"}, VoteRule(4, S)),
        ({"VOTE_QUORUM": "1/2"}, VoteRule(HALF, S)),
        ({"VOTE_QUORUM": " 2 / 3 ", "VOTE_MAJORITY": "unanimous"}, VoteRule(TWO_THIRDS_OF, U)),
        ({"VOTE_QUORUM": "50%"}, VoteRule(HALF, S)),
        ({"VOTE_QUORUM": "1/1"}, VoteRule(ALL, S)),
        ({"VOTE_QUORUM": "100%"}, VoteRule(ALL, S)),
        ({"VOTE_QUORUM": "1"}, VoteRule(1, S)),
        ({"VOTE_QUORUM": Fraction(1, 3)}, VoteRule(Fraction(1, 3), S)),
    ],
)
def test_rule_from_config(config, expected):
    assert rule_from_config(config) == expected


@pytest.mark.parametrize(
    "config",
    [{"VOTE_MAJORITY": "most"}, {"VOTE_QUORUM": 0}, {"VOTE_QUORUM": "three"}, {"VOTE_QUORUM": "0/3"},
     {"VOTE_QUORUM": "3/2"}, {"VOTE_QUORUM": "1/0"}, {"VOTE_QUORUM": "150%"}, {"VOTE_QUORUM": "-2"},
     {"VOTE_QUORUM": "1/2/3"}, {"VOTE_QUORUM": ""}],
)
def test_rule_from_config_rejects(config):
    with pytest.raises(ValueError):
        rule_from_config(config)


def test_a_whole_board_fraction_is_not_one_trustee():
    assert parse_quorum("1/1") == Fraction(1) and isinstance(parse_quorum("1/1"), Fraction)
    assert VoteRule(quorum=parse_quorum("1/1")).quorum_for(5) == 5


counts = st.integers(min_value=0, max_value=30)


@given(quorum=st.integers(1, 10), approve=counts, decline=counts, abstain=counts,
       extra=st.integers(0, 10), casting=st.sampled_from([None, A, D]), chair=st.booleans())
def test_simple_without_tie_is_plain_majority(quorum, approve, decline, abstain, extra, casting, chair):
    voted = approve + decline + abstain
    tally = Tally(eligible=voted + extra, approve=approve, decline=decline, abstain=abstain,
                  casting=casting, chair_can_cast=chair)
    result = decide(VoteRule(quorum=quorum, majority=S), tally)
    if tally.eligible < quorum:
        assert result is UNREACHABLE
    elif voted < quorum:
        assert result is Result.NO_QUORUM
    elif approve != decline:
        assert result is (Result.APPROVED if approve > decline else Result.DECLINED)


@given(quorum=st.integers(1, 10), approve=counts, decline=counts, abstain=counts,
       majority=st.sampled_from(list(Majority)))
def test_stricter_rules_never_approve_what_simple_declines(quorum, approve, decline, abstain, majority):
    tally = Tally(eligible=approve + decline + abstain, approve=approve, decline=decline, abstain=abstain)
    result = decide(VoteRule(quorum, majority), tally)
    assert result in {Result.APPROVED, Result.DECLINED, Result.NO_QUORUM, UNREACHABLE,
                      Result.AWAITING_CASTING_VOTE}
    if majority is not S and result is Result.APPROVED:
        assert decide(VoteRule(quorum, S), tally) is Result.APPROVED

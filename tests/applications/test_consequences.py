"""What follows each state: one ordered list per target state, registered at app creation."""

from config import TestConfig
from workflow import create_app
from workflow.applications.consequences import following
from workflow.applications.lifecycle import State


def names(target: State) -> list[str]:
    return [consequence.__qualname__ for consequence in following(target)]


def test_each_target_state_has_its_consequences_in_a_fixed_order(app):
    with app.app_context():
        assert names(State.APPROVED) == [
            "end_the_vote[supersede]", "leave_waiting_agendas", "start_the_partnership", "draft_the_letter[approve]",
        ]
        assert names(State.DECLINED) == ["end_the_vote[supersede]", "leave_waiting_agendas", "draft_the_letter[decline]"]
        assert names(State.WITHDRAWN) == ["end_the_vote[withdraw]", "leave_waiting_agendas"]
        assert names(State.IN_REVIEW) == ["end_the_vote[defer]", "leave_waiting_agendas"]
        for state in (State.DRAFT, State.SUBMITTED, State.INFO_REQUESTED, State.WITH_TRUSTEES):
            assert names(state) == []


def test_each_app_keeps_its_own_list(app):
    """Building a second app (as tests and the CLI do) neither doubles nor shares the lists."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with other.app_context():
        second = following(State.APPROVED)
    with app.app_context():
        first = following(State.APPROVED)
    assert len(first) == len(second) == 4
    assert other.extensions["consequences"] is not app.extensions["consequences"]

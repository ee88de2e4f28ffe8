"""What follows an application leaving the trustees: its open vote ends, and it leaves
every agenda still waiting to resolve on it."""

from flask import Flask
from sqlalchemy import delete, select

from ..applications.consequences import follows
from ..applications.lifecycle import State
from ..audit.operations import record_event
from ..extensions import db
from .lifecycle import MeetingItemResult, VoteEnd
from .models import BoardMeeting, MeetingItem
from .operations import end_open_vote

# How the open vote ends for each state an application leaves the trustees for.
ENDS = {
    State.WITHDRAWN: VoteEnd.WITHDRAW,
    State.IN_REVIEW: VoteEnd.DEFER,
    State.APPROVED: VoteEnd.SUPERSEDE,
    State.DECLINED: VoteEnd.SUPERSEDE,
}


def register(app: Flask) -> None:
    """For each state an application can leave the trustees for: end the vote, then clear the agendas."""
    for target, end in ENDS.items():
        follows(app, target, _ending(end))
        follows(app, target, leave_waiting_agendas)


def _ending(end: VoteEnd):
    def end_the_vote(application, source: State, actor) -> None:
        end_open_vote(application, end, actor)

    end_the_vote.__qualname__ = f"end_the_vote[{end.value}]"
    return end_the_vote


def leave_waiting_agendas(application, source: State, actor) -> None:
    """Take the application off the agenda of every meeting still waiting to be held (its
    attendance not recorded); a held meeting keeps its record of what it considered."""
    waiting = db.session.execute(
        select(MeetingItem.id, BoardMeeting.held_on)
        .join(BoardMeeting)
        .where(
            MeetingItem.application_id == application.id,
            MeetingItem.result == MeetingItemResult.PENDING,
            ~BoardMeeting.attendees.any(),
        )
    ).all()
    if not waiting:
        return
    db.session.execute(delete(MeetingItem).where(MeetingItem.id.in_([row.id for row in waiting])))
    db.session.expire(application, ["meeting_items"])
    for row in waiting:
        record_event(application, "agenda_left", actor, detail=f"Board meeting on {row.held_on.isoformat()}")

"""Meeting mode: the trust office schedules board meetings, puts applications on
their agendas, and records each meeting (who attended) and its resolutions.

A meeting is scheduled until its attendance is recorded; a meeting recorded after
the event has its attendance from the start. The same rule decides each item as an
online vote: the quorum is fixed for the board on the day, and the eligible
trustees are those present less those with a conflict of interest on that item.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select, update
from sqlalchemy.orm import selectinload

from ..applications.lifecycle import State
from ..applications.models import Application
from ..applications.transitions import apply_transition
from ..audit.operations import record_event
from ..errors import WrongState
from ..extensions import db
from ..notifications.operations import queue_email
from ..policy import still
from ..types import london_today, utcnow
from ..words import counted
from .deployment import current_vote_rule
from .lifecycle import DEFERRABLE
from .models import (
    Attendance,
    BoardMeeting,
    MeetingAttendee,
    MeetingConflict,
    MeetingItem,
    MeetingItemResult,
)
from .operations import OUTCOMES, _lock_application, defer_application
from .queries import board, open_vote_of
from .rule import Choice, Majority, Result, Tally, decide

RESULTS = {
    Result.APPROVED: MeetingItemResult.APPROVED,
    Result.DECLINED: MeetingItemResult.DECLINED,
    Result.DEFER: MeetingItemResult.DEFERRED,
    Result.NO_QUORUM: MeetingItemResult.NOT_DECIDED,
    Result.QUORUM_UNREACHABLE: MeetingItemResult.NOT_DECIDED,
}


def applications_with_trustees() -> list[Application]:
    """The applications a meeting may consider, oldest first."""
    return list(
        db.session.scalars(
            select(Application).where(Application.state == State.WITH_TRUSTEES).order_by(Application.submitted_at)
        )
    )


def _attendees(present_ids, apology_ids) -> list[MeetingAttendee]:
    """Today's board at a meeting: present, apologies, the rest absent (ValueError if impossible)."""
    present, apologies = set(present_ids), set(apology_ids)
    trustees = board()
    known = {trustee.id for trustee in trustees}
    if not present or not present <= known or not apologies <= known or present & apologies:
        raise ValueError("trustees present and apologies are distinct trustees of the board, at least one present")
    return [
        MeetingAttendee(
            trustee_id=trustee.id,
            is_chair=trustee.is_chair,
            attendance=Attendance.PRESENT
            if trustee.id in present
            else Attendance.APOLOGIES
            if trustee.id in apologies
            else Attendance.ABSENT,
        )
        for trustee in trustees
    ]


def _fix_rule(meeting: BoardMeeting) -> None:
    """The deployment's rule, its quorum fixed for the board now."""
    rule = current_vote_rule().for_board(len(board()))
    meeting.quorum, meeting.majority = rule.quorum, rule.majority


def record_meeting(officer, held_on: date, present_ids, apology_ids, application_ids, minutes: str = "") -> BoardMeeting:
    """Record a meeting of today's board: who was present, who sent apologies (the
    rest were absent), the applications considered (each with the trustees), the minutes."""
    attendees = _attendees(present_ids, apology_ids)
    applications = [db.session.get(Application, application_id) for application_id in dict.fromkeys(application_ids)]
    if not applications or any(a is None for a in applications):
        raise ValueError("a meeting considers at least one application")
    for application in applications:
        if application.state is not State.WITH_TRUSTEES:
            raise WrongState(f"{application.reference} is not with the trustees, so a meeting cannot consider it.")
    meeting = BoardMeeting(
        held_on=held_on,
        minutes=minutes.strip(),
        recorded_by_id=officer.id,
        recorded_at=utcnow(),
        attendees=attendees,
        items=[MeetingItem(application_id=application.id) for application in applications],
    )
    _fix_rule(meeting)
    db.session.add(meeting)
    db.session.flush()
    for application in applications:
        record_event(application, "meeting_agenda", officer, detail=f"Board meeting on {held_on.isoformat()}")
    return meeting


def schedule_meeting(officer, held_on: date) -> BoardMeeting:
    """Schedule a board meeting on `held_on` (today or later), with an empty agenda."""
    if held_on < london_today():
        raise WrongState("A meeting is scheduled for today or a later date.")
    meeting = BoardMeeting(held_on=held_on, recorded_by_id=officer.id, recorded_at=utcnow())
    _fix_rule(meeting)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def upcoming_meetings() -> list[BoardMeeting]:
    """Scheduled meetings, today's or later, whose attendance is not yet recorded: soonest first,
    with their agendas' applications."""
    scheduled = db.session.scalars(
        select(BoardMeeting)
        .where(BoardMeeting.held_on >= london_today(), ~BoardMeeting.attendees.any())
        .options(selectinload(BoardMeeting.items).joinedload(MeetingItem.application))
        .order_by(BoardMeeting.held_on, BoardMeeting.id)
    )
    return list(scheduled)


def _lock(meeting: BoardMeeting) -> None:
    """Hold the meeting's row until the request commits and read it afresh, so two
    officers changing one meeting at once take turns and the second sees the first's."""
    db.session.execute(select(BoardMeeting.id).where(BoardMeeting.id == meeting.id).with_for_update())
    db.session.refresh(meeting)


def add_to_agenda(meeting: BoardMeeting, application: Application, officer) -> MeetingItem:
    """Put an application just put to the trustees on an upcoming meeting's agenda, and tell
    the trustees (no online vote opens: the meeting decides)."""
    _lock(meeting)
    still(officer, "add_to_agenda", meeting)
    if application.state is not State.WITH_TRUSTEES:
        raise WrongState(f"{application.reference} is not with the trustees, so a meeting cannot consider it.")
    item = MeetingItem(meeting_id=meeting.id, application_id=application.id)
    db.session.add(item)
    db.session.flush()
    day = meeting.held_on.strftime("%-d %B %Y")
    record_event(application, "meeting_agenda", officer, detail=f"Board meeting on {meeting.held_on.isoformat()}")
    for trustee in board():
        queue_email(
            "meeting_agenda",
            trustee.email,
            f"{application.reference} is on the agenda of the board meeting on {day}",
            trustee=trustee,
            meeting=meeting,
            application=application,
        )
    return item


def record_attendance(meeting: BoardMeeting, officer, present_ids, apology_ids, minutes: str = "") -> BoardMeeting:
    """Record who attended a scheduled meeting (the rest of today's board absent) and its
    minutes; its quorum is fixed for the board now. Then its resolutions can be recorded."""
    _lock(meeting)
    still(officer, "record_attendance", meeting)
    meeting.attendees = _attendees(present_ids, apology_ids)
    meeting.minutes = minutes.strip()
    meeting.recorded_by_id = officer.id
    meeting.recorded_at = utcnow()
    _fix_rule(meeting)
    db.session.flush()
    return meeting


@dataclass(frozen=True)
class Resolution:
    """What the meeting resolved on one item, as the officer records it."""

    approve: int
    decline: int
    abstain: int
    conflicts: dict  # trustee id -> reason
    casting: Choice | None = None
    minute: str = ""


def tally_of(item: MeetingItem, resolution: Resolution) -> Tally:
    """The rule's count for an item with this resolution (raises ValueError if impossible)."""
    meeting = item.meeting
    present = meeting.present_ids
    conflicted = set(resolution.conflicts)
    if not conflicted <= present:
        raise ValueError("only trustees present declare a conflict at a meeting")
    chair = meeting.chair_id
    return Tally(
        eligible=len(present - conflicted),
        approve=resolution.approve,
        decline=resolution.decline,
        abstain=resolution.abstain,
        casting=resolution.casting,
        chair_can_cast=chair in present and chair not in conflicted,
    )


def problem_with(item: MeetingItem, resolution: Resolution) -> str | None:
    """Why this resolution cannot be recorded, in the office's words; None if it can."""
    try:
        tally = tally_of(item, resolution)
    except ValueError:
        eligible = len(item.meeting.present_ids - set(resolution.conflicts))
        return (
            f"The votes add up to more than the {counted(eligible, 'trustee')} present without a conflict of interest"
        )
    if decide(item.meeting.rule, tally) is Result.AWAITING_CASTING_VOTE:
        return "The votes are tied: enter the chair's casting vote"
    return None


def open_vote_warning(application: Application) -> str | None:
    """What the office is told before recording a meeting's decision on an application
    whose online vote is still open; None when it has none."""
    vote = open_vote_of(application)
    if vote is None:
        return None
    voted = vote.tally().voted
    return (
        f"The online vote on this application is still open: {counted(voted, 'trustee')} "
        f"{'has' if voted == 1 else 'have'} voted; recording the meeting's decision closes it."
    )


def _open_vote_note(application: Application) -> str:
    """For the audit: the online vote still open when the meeting's decision was recorded, and its tally then."""
    vote = open_vote_of(application)
    if vote is None:
        return ""
    tally = vote.tally()
    return (
        f"The online vote was still open: {tally.voted} of {counted(tally.eligible, 'trustee')} had voted "
        f"({tally.approve} for, {tally.decline} against, {tally.abstain} abstaining)."
    )


def record_resolution(item: MeetingItem, officer, resolution: Resolution) -> MeetingItemResult:
    """Record the counts and conflicts on one item and act on the rule's result.

    Approved or declined: the application is decided by the officer, its letter
    drafted, and any open online vote on it ended as superseded. Deferred (a tie
    with the chair absent or conflicted): it goes back to review. Otherwise (no
    quorum) it stays with the trustees.
    """
    application = item.application
    _lock_application(application)
    db.session.refresh(item)
    still(officer, "resolve", item)
    problem = problem_with(item, resolution)
    if problem:
        raise ValueError(problem)
    tally = tally_of(item, resolution)
    result = decide(item.meeting.rule, tally)
    settled_a_tie = result in OUTCOMES and tally.approve == tally.decline and item.meeting.rule.majority is Majority.SIMPLE
    now = utcnow()
    claimed = db.session.execute(
        update(MeetingItem)
        .where(MeetingItem.id == item.id, MeetingItem.result == MeetingItemResult.PENDING)
        .values(
            approve=resolution.approve,
            decline=resolution.decline,
            abstain=resolution.abstain,
            casting_vote=resolution.casting if settled_a_tie else None,
            minute=resolution.minute.strip(),
            result=RESULTS[result],
            recorded_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise WrongState("This item's resolution has already been recorded.")
    for trustee_id, reason in resolution.conflicts.items():
        db.session.add(MeetingConflict(item_id=item.id, trustee_id=trustee_id, reason=reason.strip()))
        db.session.flush()
        record_event(application, "meeting_conflict", officer, detail=reason.strip())
    db.session.expire(item)
    held = item.meeting.held_on.isoformat()
    counts = f"{resolution.approve} for, {resolution.decline} against, {resolution.abstain} abstaining"
    note = _open_vote_note(application)
    detail = f"{held}: {RESULTS[result].label}. {counts}" + (f". {note}" if note else "")
    record_event(application, "meeting_resolution", officer, detail=detail)
    if result in OUTCOMES:
        apply_transition(application, OUTCOMES[result][1], officer, comment=f"Board meeting on {held}", decided_at=now)
    elif result is Result.DEFER:
        defer_application(
            application,
            officer,
            f"At the board meeting on {held} the votes were tied and the chair could not give a casting vote.",
        )
    return RESULTS[result]


def defer_item(item: MeetingItem, officer, reasons: str) -> None:
    """The meeting defers an item (or it cannot be considered, or could not decide it): the
    item is recorded as deferred with the reasons added to its minute, and the application
    goes back to review, ending any open online vote on it."""
    reasons = reasons.strip()
    if not reasons:
        raise ValueError("a deferral needs reasons")
    _lock_application(item.application)
    db.session.refresh(item)
    still(officer, "defer_item", item)
    claimed = db.session.execute(
        update(MeetingItem)
        .where(MeetingItem.id == item.id, MeetingItem.result.in_(DEFERRABLE))
        .values(
            result=MeetingItemResult.DEFERRED,
            minute=case((MeetingItem.minute == "", reasons), else_=MeetingItem.minute + "\n\n" + reasons),
            recorded_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise WrongState("This item's resolution has already been recorded.")
    db.session.expire(item)
    held = item.meeting.held_on.isoformat()
    detail = " ".join(filter(None, (f"{held}: Deferred.", _open_vote_note(item.application))))
    record_event(item.application, "meeting_resolution", officer, detail=detail)
    defer_application(item.application, officer, reasons)


def meetings() -> list[BoardMeeting]:
    """Every recorded meeting, latest first."""
    return list(db.session.scalars(select(BoardMeeting).order_by(BoardMeeting.held_on.desc(), BoardMeeting.id.desc())))

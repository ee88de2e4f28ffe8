"""Meeting mode (SPEC 5): the office records a board meeting; the same rule decides each item."""

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from workflow.accounts.models import Role, User
from workflow.applications.lifecycle import Action, State
from workflow.audit.models import ApplicationEvent
from workflow.errors import NotAllowed, WrongState
from workflow.extensions import db as _db
from workflow.letters.models import DecisionLetter
from workflow.notifications.models import OutboxMessage
from workflow.policy import authorize
from workflow.reviews.operations import put_on_agenda as put_application_on_agenda
from workflow.types import LONDON, utcnow
from workflow.votes.meetings import (
    RESULTS,
    Resolution,
    record_meeting,
)
from workflow.votes.meetings import record_attendance as record_meeting_attendance
from workflow.votes.meetings import (
    record_resolution,
    tally_of,
)
from workflow.votes.models import (
    Attendance,
    BoardMeeting,
    MeetingItem,
    MeetingItemResult,
    Vote,
    VoteStatus,
)
from workflow.votes.operations import cast_ballot
from workflow.votes.rule import Choice, Majority, VoteRule, decide

from ..account_helpers import sign_in
from ..builders import VOTE_ANSWERS, application_events, make_application, outbox_recipients, put_to_vote
from ..page_helpers import TextOf, pages_of

DATE = ["3", "12", "2026"]


@pytest.fixture()
def agenda(db, hub, organisation, applicant, officer, trustees):
    """Two applications with the trustees: one on an open online vote, one not."""
    on_vote = put_to_vote(hub, organisation, applicant, officer)
    plain = make_application(hub, organisation, applicant, State.WITH_TRUSTEES, officer=officer, answers=VOTE_ANSWERS)
    return on_vote.application, plain


def new_meeting(client, login, officer, present, apologies, applications, minutes="Quorate. Chair: Charlotte."):
    sign_in(login, officer)
    return client.post(
        "/office/meetings/new",
        data={
            "held_on": DATE,
            "present": [t.id for t in present],
            "apologies": [t.id for t in apologies],
            "applications": [a.id for a in applications],
            "minutes": minutes,
        },
    )


def meeting_of(db) -> BoardMeeting:
    db.session.expire_all()
    return db.session.scalars(select(BoardMeeting)).one()


def resolve(client, meeting, item, approve, decline, abstain, casting="", conflicts=None, minute=""):
    data = {"approve": approve, "decline": decline, "abstain": abstain, "casting": casting, "minute": minute}
    for trustee, reason in (conflicts or {}).items():
        data[f"conflict_{trustee.id}"] = reason
    return client.post(f"/office/meetings/{meeting.id}/items/{item.id}", data=data)


def test_the_office_records_a_meeting(db, client, login, officer, trustees, agenda):
    response = new_meeting(client, login, officer, trustees[:3], trustees[3:], agenda)
    meeting = meeting_of(db)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/office/meetings/{meeting.id}")
    assert (meeting.held_on.isoformat(), meeting.minutes, meeting.quorum, meeting.majority) == (
        "2026-12-03", "Quorate. Chair: Charlotte.", 3, Majority.SIMPLE
    )
    assert meeting.present_ids == {t.id for t in trustees[:3]}
    assert [a.trustee_id for a in meeting.attendees_by(Attendance.APOLOGIES)] == [trustees[3].id]
    assert meeting.chair_id == trustees[0].id
    assert [item.application_id for item in meeting.items] == [a.id for a in agenda]
    assert all(item.result is MeetingItemResult.PENDING for item in meeting.items)
    assert all(application_events(a)[-1] == "meeting_agenda" for a in agenda)
    text = TextOf(client.get(f"/office/meetings/{meeting.id}").get_data(as_text=True)).text
    assert "Record the resolution" in text and "Apologies Trustee 3" in text


def test_absent_is_neither_present_nor_apologies(db, client, login, officer, trustees, agenda):
    new_meeting(client, login, officer, trustees[:3], [], agenda[:1])
    meeting = meeting_of(db)
    assert [a.trustee_id for a in meeting.attendees_by(Attendance.ABSENT)] == [trustees[3].id]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"present": []}, "Select the trustees present"),
        ({"applications": []}, "Select the applications the meeting considered"),
        ({"held_on": ["31", "2", "2026"]}, "Not a valid date value"),
        ({"apologies": "same"}, "either present or sent apologies"),
    ],
)
def test_a_meeting_needs_its_facts(db, client, login, officer, trustees, agenda, data, error):
    sign_in(login, officer)
    form = {"held_on": DATE, "present": [t.id for t in trustees], "applications": [agenda[0].id]}
    if data.get("apologies") == "same":
        data = {"apologies": [trustees[0].id]}
    form.update(data)
    response = client.post("/office/meetings/new", data=form)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BoardMeeting.id))) == 0


def test_only_applications_with_the_trustees_can_be_considered(
    db, client, login, hub, organisation, applicant, officer, trustees
):
    in_review = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    sign_in(login, officer)
    page = client.get("/office/meetings/new").get_data(as_text=True)
    assert in_review.reference not in page
    response = new_meeting(client, login, officer, trustees, [], [in_review])
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(BoardMeeting.id))) == 0
    with pytest.raises(WrongState, match="not with the trustees"):
        record_meeting(officer, in_review.submitted_at.date(), [trustees[0].id], [], [in_review.id])


def test_an_approval_decides_the_application_and_supersedes_its_online_vote(
    db, client, login, officer, trustees, agenda
):
    on_vote, _ = agenda
    new_meeting(client, login, officer, trustees, [], agenda)
    meeting = meeting_of(db)
    item = meeting.items[0]
    response = resolve(client, meeting, item, 3, 1, 0, minute="Approved with thanks.")
    assert response.status_code == 302
    db.session.expire_all()
    assert (item.result, item.approve, item.decline, item.abstain, item.minute) == (
        MeetingItemResult.APPROVED, 3, 1, 0, "Approved with thanks."
    )
    assert on_vote.state is State.APPROVED
    approve = db.session.scalar(
        select(ApplicationEvent).where(ApplicationEvent.application_id == on_vote.id, ApplicationEvent.kind == "approve")
    )
    assert approve.actor_id == officer.id
    vote = db.session.scalar(select(Vote).where(Vote.application_id == on_vote.id))
    assert (vote.status, vote.outcome) == (VoteStatus.SUPERSEDED, None) and vote.closed_at is not None
    assert "vote_superseded" in application_events(on_vote)
    letter = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == on_vote.id))
    assert letter.outcome is Choice.APPROVE
    assert resolve(client, meeting, item, 3, 1, 0).status_code == 409
    page = TextOf(client.get(f"/office/meetings/{meeting.id}").get_data(as_text=True)).text
    assert "3 for, 1 against, 0 abstaining" in page and "Approved with thanks." in page


def test_conflicts_at_a_meeting_are_recorded_and_not_counted(db, client, login, officer, trustees, agenda):
    _, plain = agenda
    new_meeting(client, login, officer, trustees[:3], [trustees[3]], [plain])
    meeting = meeting_of(db)
    item = meeting.items[0]
    # three present, one conflicted: two can vote, fewer than the quorum of three
    response = resolve(client, meeting, item, 2, 0, 0, conflicts={trustees[1]: "Their treasurer"})
    assert response.status_code == 302
    db.session.expire_all()
    assert item.result is MeetingItemResult.NOT_DECIDED
    assert [(c.trustee_id, c.reason) for c in item.conflicts] == [(trustees[1].id, "Their treasurer")]
    assert plain.state is State.WITH_TRUSTEES
    assert "meeting_conflict" in application_events(plain)


def test_more_votes_than_trustees_who_may_vote_is_refused(db, client, login, officer, trustees, agenda):
    new_meeting(client, login, officer, trustees[:3], [], agenda[1:])
    meeting = meeting_of(db)
    item = meeting.items[0]
    response = resolve(client, meeting, item, 2, 1, 0, conflicts={trustees[2]: "Relative"})
    assert response.status_code == 200
    assert "more than the 2 trustees present without a conflict" in response.get_data(as_text=True)
    response = resolve(client, meeting, item, -1, 1, 1)
    assert response.status_code == 200 and "For must be 0 or more" in response.get_data(as_text=True)
    db.session.expire_all()
    assert item.result is MeetingItemResult.PENDING and item.conflicts == []


def test_a_tie_needs_the_chairs_casting_vote(db, client, login, officer, trustees, agenda):
    _, plain = agenda
    new_meeting(client, login, officer, trustees, [], [plain])
    meeting = meeting_of(db)
    item = meeting.items[0]
    response = resolve(client, meeting, item, 2, 2, 0)
    assert response.status_code == 200 and "enter the chair" in response.get_data(as_text=True)
    assert resolve(client, meeting, item, 2, 2, 0, casting="decline").status_code == 302
    db.session.expire_all()
    assert (item.result, item.casting_vote, plain.state) == (MeetingItemResult.DECLINED, Choice.DECLINE, State.DECLINED)


def test_a_tie_with_the_chair_conflicted_is_deferred(db, client, login, officer, trustees, agenda):
    on_vote, _ = agenda
    new_meeting(client, login, officer, trustees, [], [on_vote])
    meeting = meeting_of(db)
    item = meeting.items[0]
    assert resolve(client, meeting, item, 1, 1, 1, conflicts={trustees[0]: "Chair of the applicant"}).status_code == 302
    db.session.expire_all()
    assert (item.result, on_vote.state) == (MeetingItemResult.DEFERRED, State.IN_REVIEW)
    vote = db.session.scalar(select(Vote).where(Vote.application_id == on_vote.id))
    assert vote.status is VoteStatus.DEFERRED
    assert db.session.scalar(select(func.count(DecisionLetter.id))) == 0


# The same rule: every combination below is decided as decide() says.
# (majority, present, conflicted, approve, decline, abstain, casting, expected)
RULE_CASES = [
    (Majority.SIMPLE, 4, 0, 2, 1, 1, None, MeetingItemResult.APPROVED),
    (Majority.SIMPLE, 4, 0, 1, 2, 0, None, MeetingItemResult.DECLINED),
    (Majority.SIMPLE, 4, 0, 1, 1, 0, None, MeetingItemResult.NOT_DECIDED),  # two voted, quorum three
    (Majority.SIMPLE, 4, 0, 0, 0, 3, "approve", MeetingItemResult.APPROVED),  # all abstain: casting vote
    (Majority.SIMPLE, 4, 1, 1, 1, 1, None, MeetingItemResult.DEFERRED),  # the chair conflicted
    (Majority.SIMPLE, 3, 1, 2, 0, 0, None, MeetingItemResult.NOT_DECIDED),  # quorum unreachable
    (Majority.TWO_THIRDS, 4, 0, 2, 1, 0, None, MeetingItemResult.APPROVED),
    (Majority.TWO_THIRDS, 4, 0, 2, 2, 0, None, MeetingItemResult.DECLINED),
    (Majority.UNANIMOUS, 4, 0, 3, 0, 1, None, MeetingItemResult.APPROVED),
    (Majority.UNANIMOUS, 4, 0, 3, 1, 0, None, MeetingItemResult.DECLINED),
]


@pytest.mark.parametrize("majority, present, conflicted, approve, decline, abstain, casting, expected", RULE_CASES)
def test_the_meeting_applies_the_same_rule(
    app, db, officer, trustees, agenda, monkeypatch, majority, present, conflicted, approve, decline, abstain,
    casting, expected,
):
    monkeypatch.setitem(app.config, "VOTE_MAJORITY", majority.value)
    _, plain = agenda
    meeting = record_meeting(officer, plain.submitted_at.date(), [t.id for t in trustees[:present]], [], [plain.id])
    item = meeting.items[0]
    resolution = Resolution(
        approve, decline, abstain, {t.id: "Connected" for t in trustees[:conflicted]},
        Choice(casting) if casting else None,
    )
    assert RESULTS[decide(meeting.rule, tally_of(item, resolution))] is expected
    assert record_resolution(item, officer, resolution) is expected
    db.session.commit()
    db.session.expire_all()
    assert item.result is expected
    state = {MeetingItemResult.APPROVED: State.APPROVED, MeetingItemResult.DECLINED: State.DECLINED,
             MeetingItemResult.DEFERRED: State.IN_REVIEW}.get(expected, State.WITH_TRUSTEES)
    assert plain.state is state


def test_a_fractional_quorum_is_fixed_for_the_board_on_the_day(
    app, db, officer, trustees, agenda, make_user, monkeypatch
):
    monkeypatch.setitem(app.config, "VOTE_QUORUM", "1/2")
    make_user(Role.TRUSTEE, name="Fifth Trustee")
    _, plain = agenda
    meeting = record_meeting(officer, plain.submitted_at.date(), [t.id for t in trustees[:3]], [], [plain.id])
    assert meeting.quorum == 3 and meeting.rule == VoteRule(3, Majority.SIMPLE)  # half of five, rounded up
    assert record_resolution(meeting.items[0], officer, Resolution(1, 1, 0, {})) is MeetingItemResult.NOT_DECIDED


def test_only_an_officer_records(db, officer, trustees, agenda):
    with pytest.raises(NotAllowed, match="Only the trust office records board meetings"):
        authorize(trustees[0], "record_meeting")


# Who may see and do what
ROLES = ("anonymous", "applicant", "officer", "trustee", "chair")


@pytest.mark.parametrize(
    "role, view, office_view, record, pack",
    [
        ("anonymous", 302, 302, 302, 302),
        ("applicant", 403, 403, 403, 403),
        ("officer", 200, 200, 200, 200),
        ("trustee", 200, 200, 403, 200),
        ("chair", 200, 200, 403, 200),
    ],
)
def test_access(db, client, login, officer, applicant, trustees, agenda, role, view, office_view, record, pack):
    new_meeting(client, login, officer, trustees, [], agenda)
    meeting = meeting_of(db)
    item = meeting.items[0]
    people = {"applicant": applicant, "officer": officer, "trustee": trustees[1], "chair": trustees[0]}
    if role == "anonymous":
        client.get("/sign-out")
        with client.session_transaction() as session:
            session.clear()
    else:
        sign_in(login, people[role])
    assert client.get(f"/trustees/meetings/{meeting.id}").status_code == view
    response = client.get(f"/office/meetings/{meeting.id}")
    assert response.status_code == office_view
    if office_view == 200:
        assert ("Record the resolution" in response.get_data(as_text=True)) is (role == "officer")
    assert client.get(f"/office/meetings/{meeting.id}/items/{item.id}").status_code == record
    assert client.post(f"/office/meetings/{meeting.id}/items/{item.id}", data={"approve": 3, "decline": 0, "abstain": 0}).status_code in {record, 302 if record == 200 else record}
    assert client.get(f"/office/meetings/{meeting.id}/board-pack.pdf").status_code == pack
    db.session.expire_all()
    assert (item.result is MeetingItemResult.APPROVED) is (role == "officer")


def test_a_meeting_or_item_that_does_not_exist_is_404(db, client, login, officer, trustees, agenda):
    new_meeting(client, login, officer, trustees, [], agenda[:1])
    meeting = meeting_of(db)
    assert client.get("/office/meetings/999").status_code == 404
    assert client.get(f"/office/meetings/{meeting.id}/items/999").status_code == 404
    other = db.session.scalar(select(MeetingItem))
    assert client.get(f"/office/meetings/{meeting.id + 1}/items/{other.id}").status_code == 404


# The agenda path: put to the trustees on a scheduled meeting's agenda, no online vote


def london_day(days: int = 0):
    return (utcnow().astimezone(LONDON) + timedelta(days=days)).date()


def fields(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def schedule(client, login, officer, days: int = 0) -> BoardMeeting:
    sign_in(login, officer)
    response = client.post("/office/meetings/schedule", data={"held_on": fields(london_day(days))})
    assert response.status_code == 302
    _db.session.expire_all()
    return _db.session.scalars(select(BoardMeeting).order_by(BoardMeeting.id.desc())).first()


def assessed(hub, organisation, applicant, officer, client, login, recommendation="approve"):
    """An application in review with the office's recommendation recorded."""
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer, answers=VOTE_ANSWERS)
    sign_in(login, officer)
    client.post(
        f"/office/applications/{application.id}/assessment",
        data={"assessment-recommendation": recommendation, "assessment-reasons": "Fills a gap in Corby."},
    )
    return application


def put_on_agenda(client, application, meeting, **data):
    return client.post(
        f"/office/applications/{application.id}/put-to-trustees",
        data={"route": "meeting", "meeting": meeting.id if meeting else "", **data},
    )


def record_attendance(client, meeting, present, apologies=()):
    return client.post(
        f"/office/meetings/{meeting.id}/attendance",
        data={"present": [t.id for t in present], "apologies": [t.id for t in apologies], "minutes": "Quorate."},
    )


def outbox_kinds(db) -> list[str]:
    return sorted(db.session.scalars(select(OutboxMessage.kind)))


def test_the_officer_puts_an_application_on_a_meetings_agenda(
    db, client, login, hub, organisation, applicant, officer, trustees
):
    meeting = schedule(client, login, officer, days=7)
    application = assessed(hub, organisation, applicant, officer, client, login)
    page = client.get(f"/office/applications/{application.id}/put-to-trustees").get_data(as_text=True)
    assert "At a board meeting" in page and london_day(7).strftime("%-d %B %Y") in page

    response = put_on_agenda(client, application, meeting)
    assert response.status_code == 302
    db.session.expire_all()
    assert application.state is State.WITH_TRUSTEES
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert "vote_opened" not in outbox_kinds(db)
    assert outbox_recipients("meeting_agenda") == sorted(t.email for t in trustees)
    assert outbox_kinds(db).count("put_on_agenda_office") == 1
    assert application_events(application)[-2:] == ["put_to_trustees", "meeting_agenda"]
    (item,) = meeting.items
    assert (item.application_id, item.result) == (application.id, MeetingItemResult.PENDING)

    office = TextOf(client.get(f"/office/applications/{application.id}").get_data(as_text=True)).text
    assert "On the agenda" in office and "Record a board meeting" not in office
    assert "Defer it" in client.get(f"/office/meetings/{meeting.id}").get_data(as_text=True)
    sign_in(login, trustees[1])
    mine = TextOf(client.get("/trustees").get_data(as_text=True)).text
    assert f"{application.reference}: {organisation.name}" in mine and "Download the board pack" in mine
    assert application.reference in " ".join(pages_of(client.get("/trustees/board-pack.pdf").data))
    assert client.get(f"/trustees/meetings/{meeting.id}").status_code == 200
    sign_in(login, applicant)
    assert client.get(f"/applications/{application.id}").status_code == 200
    assert client.get("/applications").status_code == 200


@pytest.mark.parametrize(
    "approve, decline, abstain, result, state",
    [
        (3, 1, 0, MeetingItemResult.APPROVED, State.APPROVED),
        (1, 2, 1, MeetingItemResult.DECLINED, State.DECLINED),
        (1, 1, 0, MeetingItemResult.NOT_DECIDED, State.WITH_TRUSTEES),  # two voted: below the quorum of 3
    ],
)
def test_the_meetings_resolution_decides_an_agenda_application(
    db, client, login, hub, organisation, applicant, officer, trustees, approve, decline, abstain, result, state
):
    meeting = schedule(client, login, officer)
    application = assessed(hub, organisation, applicant, officer, client, login)
    put_on_agenda(client, application, meeting)
    (item,) = meeting.items
    assert resolve(client, meeting, item, 3, 0, 0).status_code == 409  # attendance first
    assert record_attendance(client, meeting, trustees, []).status_code == 302
    response = resolve(client, meeting, item, approve, decline, abstain)
    assert response.status_code == 302
    db.session.expire_all()
    assert (item.result, application.state) == (result, state)
    assert (meeting.quorum, meeting.present_ids) == (3, {t.id for t in trustees})
    letter = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == application.id))
    assert (letter is not None) is (state is not State.WITH_TRUSTEES)
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert "vote_superseded" not in application_events(application)


def test_a_board_smaller_than_the_quorum_takes_it_to_a_meeting(
    db, client, login, hub, organisation, applicant, officer, chair, make_user
):
    board = [chair, make_user(Role.TRUSTEE, name="Trustee 1")]
    meeting = schedule(client, login, officer)
    application = assessed(hub, organisation, applicant, officer, client, login)
    page = TextOf(client.get(f"/office/applications/{application.id}/put-to-trustees").get_data(as_text=True)).text
    assert "fewer trustees than the quorum of 3" in page and "board meeting's agenda" in page
    deadline = fields(london_day(10))
    refused = client.post(f"/office/applications/{application.id}/put-to-trustees", data={"route": "vote", "deadline": deadline})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "There is a problem" in page and "fewer trustees than the quorum" in page
    assert f'value="{deadline[2]}"' in page  # the typed date is kept
    db.session.expire_all()
    assert application.state is State.IN_REVIEW

    assert put_on_agenda(client, application, meeting).status_code == 302
    db.session.expire_all()
    assert application.state is State.WITH_TRUSTEES
    board.append(make_user(Role.TRUSTEE, name="Trustee 2"))  # the board is quorate by the meeting
    db.session.commit()
    sign_in(login, officer)
    record_attendance(client, meeting, board)
    resolve(client, meeting, meeting.items[0], 2, 1, 0)
    db.session.expire_all()
    assert application.state is State.APPROVED


def test_an_agenda_application_can_be_deferred_from_the_meeting(
    db, client, login, hub, organisation, applicant, officer, trustees
):
    meeting = schedule(client, login, officer, days=3)
    application = assessed(hub, organisation, applicant, officer, client, login)
    put_on_agenda(client, application, meeting)
    (item,) = meeting.items
    url = f"/office/meetings/{meeting.id}/items/{item.id}/defer"
    empty = client.post(url, data={"reasons": "  "})
    assert empty.status_code == 200 and "Enter why the application is being deferred" in empty.get_data(as_text=True)
    assert client.post(url, data={"reasons": "The meeting wants a site visit first."}).status_code == 302
    db.session.expire_all()
    assert (application.state, item.result, item.minute) == (
        State.IN_REVIEW, MeetingItemResult.DEFERRED, "The meeting wants a site visit first."
    )
    assert "application_deferred" in outbox_kinds(db)
    assert client.post(url, data={"reasons": "Again"}).status_code == 409


def test_the_agenda_path_refuses_the_wrong_role_and_state(
    db, client, login, hub, organisation, applicant, officer, trustees, agenda
):
    meeting = schedule(client, login, officer)
    application = assessed(hub, organisation, applicant, officer, client, login)
    for person in (trustees[0], applicant):
        sign_in(login, person)
        assert put_on_agenda(client, application, meeting).status_code == 403
        assert client.get("/office/meetings/schedule").status_code == 403
    sign_in(login, officer)
    _, with_trustees = agenda
    response = put_on_agenda(client, with_trustees, meeting)
    assert response.status_code == 409
    db.session.expire_all()
    assert application.state is State.IN_REVIEW and meeting.items == []
    with pytest.raises(NotAllowed):
        authorize(trustees[1], Action.PUT_TO_TRUSTEES, application)


def test_a_held_or_later_meeting_refuses_what_does_not_fit(
    db, client, login, hub, organisation, applicant, officer, trustees
):
    later = schedule(client, login, officer, days=5)
    assert client.get(f"/office/meetings/{later.id}/attendance").status_code == 409  # not held yet
    past = client.post("/office/meetings/schedule", data={"held_on": fields(london_day(-1))})
    assert past.status_code == 200 and "today or in the future" in past.get_data(as_text=True)
    today = schedule(client, login, officer)
    record_attendance(client, today, trustees)
    application = assessed(hub, organisation, applicant, officer, client, login)
    page = client.get(f"/office/applications/{application.id}/put-to-trustees").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(\d+)"', page))  # the meetings offered, not the date boxes
    assert str(later.id) in offered and str(today.id) not in offered
    with pytest.raises(WrongState, match="has been held"):
        put_application_on_agenda(application, officer, today)
    db.session.rollback()
    assert record_attendance(client, today, trustees).status_code == 409


def test_without_a_scheduled_meeting_the_page_says_how_to_schedule_one(
    db, client, login, hub, organisation, applicant, officer, trustees
):
    application = assessed(hub, organisation, applicant, officer, client, login)
    page = client.get(f"/office/applications/{application.id}/put-to-trustees").get_data(as_text=True)
    assert "No board meeting is scheduled" in page and 'href="/office/meetings/schedule"' in page
    chosen = put_on_agenda(client, application, None)
    page = chosen.get_data(as_text=True)
    assert chosen.status_code == 200 and 'href="#route"' in page and 'href="#meeting"' not in page
    assert "No board meeting is scheduled: schedule one first, or choose an online vote" in page


def test_a_form_error_keeps_what_was_typed(db, client, login, hub, organisation, applicant, officer, trustees):
    schedule(client, login, officer, days=2)
    application = assessed(hub, organisation, applicant, officer, client, login)
    typed = fields(london_day(20))
    response = put_on_agenda(client, application, None, deadline=typed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose the board meeting whose agenda it goes on" in html
    assert re.search(r'value="meeting"\s+checked', html) or re.search(r'checked\s+[^>]*value="meeting"', html)
    assert f'value="{typed[2]}"' in html and f'value="{typed[0]}"' in html
    db.session.expire_all()
    assert application.state is State.IN_REVIEW


@pytest.mark.parametrize("who", ["trustee", "chair", "applicant", "admin who is not an officer"])
def test_only_an_officer_schedules_records_attendance_and_defers(
    db, client, login, hub, organisation, applicant, officer, trustees, make_user, who
):
    meeting = schedule(client, login, officer)
    application = assessed(hub, organisation, applicant, officer, client, login)
    put_on_agenda(client, application, meeting)
    (item,) = meeting.items
    person = {
        "trustee": trustees[1], "chair": trustees[0], "applicant": applicant,
        "admin who is not an officer": make_user(Role.ADMIN),
    }[who]
    sign_in(login, person)
    for url in ("/office/meetings/schedule", f"/office/meetings/{meeting.id}/attendance",
                f"/office/meetings/{meeting.id}/items/{item.id}/defer"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data={}).status_code == 403, url
    db.session.expire_all()
    assert application.state is State.WITH_TRUSTEES and item.result is MeetingItemResult.PENDING


def test_two_officers_recording_attendance_at_once_take_turns(app, db, client, login, officer, trustees, make_user):
    meeting = schedule(client, login, officer)
    other_officer = make_user(Role.OFFICER, name="Oscar Officer")
    meeting_id, ids = meeting.id, {"officer": officer.id, "other": other_officer.id}
    present = [trustee.id for trustee in trustees]
    db.session.commit()  # and read nothing more here: on SQLite this session would take the write lock
    first_holds_the_meeting, second_started = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        with app.app_context():
            record_meeting_attendance(_db.session.get(BoardMeeting, meeting_id), _db.session.get(User, ids["officer"]), present, [])
            first_holds_the_meeting.set()
            second_started.wait(5)
            time.sleep(0.3)  # the second is now waiting for the meeting, or would have read it unrecorded
            _db.session.commit()
            outcomes["first"] = "recorded"
            _db.session.remove()

    def second():
        first_holds_the_meeting.wait(5)
        with app.app_context():
            try:
                second_started.set()
                record_meeting_attendance(_db.session.get(BoardMeeting, meeting_id), _db.session.get(User, ids["other"]), present, [])
                _db.session.commit()
                outcomes["second"] = "recorded"
            except WrongState as refused:
                _db.session.rollback()
                outcomes["second"] = refused.description
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == {"first": "recorded", "second": "Who attended this meeting has already been recorded."}
    db.session.expire_all()
    assert len(db.session.get(BoardMeeting, meeting_id).attendees) == len(trustees)


def test_a_withdrawn_application_leaves_the_agenda(app, db, client, login, hub, organisation, applicant, officer, trustees):
    meeting = schedule(client, login, officer, days=2)
    application = assessed(hub, organisation, applicant, officer, client, login)
    client.get(put_on_agenda(client, application, meeting).headers["Location"])  # shows (and ends) its message
    sign_in(login, applicant)
    response = client.post(f"/applications/{application.id}/withdraw", data={"reason": "We have merged with another trust."})
    assert response.status_code == 302
    db.session.expire_all()
    assert application.state is State.WITHDRAWN and meeting.items == []
    sign_in(login, trustees[1])
    assert application.reference not in client.get(f"/trustees/meetings/{meeting.id}").get_data(as_text=True)


def test_an_item_the_meeting_could_not_decide_is_deferred_and_put_to_the_trustees_again(
    db, client, login, hub, organisation, applicant, officer, chair, make_user
):
    board = [chair, make_user(Role.TRUSTEE, name="Trustee 1")]  # below the quorum of 3
    meeting = schedule(client, login, officer)
    application = assessed(hub, organisation, applicant, officer, client, login)
    assert put_on_agenda(client, application, meeting).status_code == 302
    record_attendance(client, meeting, board)
    resolve(client, meeting, meeting.items[0], 2, 0, 0, minute="Not quorate.")
    db.session.expire_all()
    (item,) = meeting.items
    assert (item.result, application.state) == (MeetingItemResult.NOT_DECIDED, State.WITH_TRUSTEES)
    page = client.get(f"/office/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/office/meetings/{meeting.id}/items/{item.id}/defer" in page

    response = client.post(f"/office/meetings/{meeting.id}/items/{item.id}/defer", data={"reasons": "Needs a quorate board."})
    assert response.status_code == 302
    db.session.expire_all()
    assert (item.result, item.minute, item.approve) == (MeetingItemResult.DEFERRED, "Not quorate.\n\nNeeds a quorate board.", 2)
    assert application.state is State.IN_REVIEW
    later = schedule(client, login, officer, days=14)
    assert put_on_agenda(client, application, later).status_code == 302
    db.session.expire_all()
    assert application.state is State.WITH_TRUSTEES and len(later.items) == 1
    assert client.post(f"/office/meetings/{meeting.id}/items/{item.id}/defer", data={"reasons": "Again"}).status_code == 409


def _online_ballots(db, application, trustees):
    """Two trustees vote online (one for, one against) and leave the vote open."""
    vote = db.session.scalar(select(Vote).where(Vote.application_id == application.id))
    cast_ballot(vote, trustees[0], Choice.APPROVE)
    cast_ballot(vote, trustees[1], Choice.DECLINE)
    db.session.commit()
    assert vote.status is VoteStatus.OPEN


def _resolution_detail(db, application) -> str:
    return db.session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id, ApplicationEvent.kind == "meeting_resolution")
        .order_by(ApplicationEvent.sequence.desc())
    ).first().detail.text


OPEN_VOTE_WARNING = "The online vote on this application is still open: 2 trustees have voted; recording the meeting's decision closes it."


def test_the_office_is_warned_before_a_meeting_decides_an_application_on_an_open_vote(
    db, client, login, officer, trustees, agenda
):
    on_vote, plain = agenda
    _online_ballots(db, on_vote, trustees)
    new_meeting(client, login, officer, trustees, [], agenda)
    meeting = meeting_of(db)
    items = {item.application_id: item for item in meeting.items}
    for path in ("", "/defer"):
        warned = TextOf(client.get(f"/office/meetings/{meeting.id}/items/{items[on_vote.id].id}{path}").get_data(as_text=True)).text
        assert OPEN_VOTE_WARNING in warned
        unwarned = TextOf(client.get(f"/office/meetings/{meeting.id}/items/{items[plain.id].id}{path}").get_data(as_text=True)).text
        assert "online vote on this application is still open" not in unwarned


def test_the_audit_notes_the_online_vote_was_still_open_and_its_tally(db, client, login, officer, trustees, agenda):
    on_vote, plain = agenda
    _online_ballots(db, on_vote, trustees)
    new_meeting(client, login, officer, trustees, [], agenda)
    meeting = meeting_of(db)
    items = {item.application_id: item for item in meeting.items}
    assert resolve(client, meeting, items[on_vote.id], 3, 1, 0).status_code == 302
    assert resolve(client, meeting, items[plain.id], 3, 1, 0).status_code == 302
    db.session.expire_all()
    assert _resolution_detail(db, on_vote) == (
        "2026-12-03: Approved. 3 for, 1 against, 0 abstaining. "
        "The online vote was still open: 2 of 4 trustees had voted (1 for, 1 against, 0 abstaining)."
    )
    assert _resolution_detail(db, plain) == "2026-12-03: Approved. 3 for, 1 against, 0 abstaining"


def test_deferring_at_a_meeting_notes_the_open_online_vote_too(db, client, login, officer, trustees, agenda):
    on_vote, _ = agenda
    _online_ballots(db, on_vote, trustees)
    new_meeting(client, login, officer, trustees, [], agenda)
    meeting = meeting_of(db)
    item = next(item for item in meeting.items if item.application_id == on_vote.id)
    response = client.post(f"/office/meetings/{meeting.id}/items/{item.id}/defer", data={"reasons": "More information needed."})
    assert response.status_code == 302
    db.session.expire_all()
    assert _resolution_detail(db, on_vote) == (
        "2026-12-03: Deferred. The online vote was still open: 2 of 4 trustees had voted (1 for, 1 against, 0 abstaining)."
    )

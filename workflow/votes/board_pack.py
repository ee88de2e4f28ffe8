"""The board pack: one PDF of the applications before the trustees, with the office's
recommendation and the answers, a contents page and page numbers."""

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..applications.lifecycle import State
from ..applications.models import Application
from ..extensions import db
from ..letters.render import render_pdf
from ..types import utcnow
from .models import BoardMeeting, MeetingItem, MeetingItemResult, Vote, VoteStatus
from .queries import recommendations

PACK_CSS = """
@page { size: A4; margin: 20mm 18mm 22mm;
        @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; } }
body { font-family: sans-serif; font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 20pt; } h2 { font-size: 15pt; } h3 { font-size: 12pt; margin-bottom: 2mm; }
.application { break-before: page; }
.contents a { color: inherit; text-decoration: none; }
.contents a::after { content: leader(".") " page " target-counter(attr(href), page); }
.contents li { margin-bottom: 2mm; }
dl { margin: 0 0 4mm; } dt { font-weight: bold; margin-top: 2mm; } dd { margin: 0 0 0 6mm; }
.recommendation { border-left: 4px solid #1d70b8; padding-left: 4mm; }
"""


def applications_before_the_trustees() -> list:
    """The applications before the trustees: those on an open vote, by deadline, then those
    only on a meeting's agenda, by the meeting's date."""
    votes = db.session.scalars(
        select(Vote)
        .where(Vote.status == VoteStatus.OPEN)
        .options(joinedload(Vote.application))
        .order_by(Vote.deadline, Vote.id)
    )
    on_vote = [vote.application for vote in votes]
    agenda = db.session.scalars(
        select(MeetingItem)
        .join(Application, Application.id == MeetingItem.application_id)
        .join(BoardMeeting, BoardMeeting.id == MeetingItem.meeting_id)
        .where(MeetingItem.result == MeetingItemResult.PENDING, Application.state == State.WITH_TRUSTEES)
        .options(joinedload(MeetingItem.application))
        .order_by(BoardMeeting.held_on, MeetingItem.id)
    )
    on_agenda = [item.application for item in agenda]
    return list({application.id: application for application in [*on_vote, *on_agenda]}.values())


def board_pack_pdf(applications, title: str) -> bytes:
    """Render the pack for these applications (in this order)."""
    applications = list(applications)
    html = render_template(
        "votes/board_pack.html",
        title=title,
        applications=applications,
        assessments=recommendations(a.id for a in applications),
        generated_at=utcnow(),
    )
    return render_pdf(
        html,
        static_folder=current_app.static_folder,
        title=title,
        base_stylesheet=False,
        stylesheets=[PACK_CSS],
    )


def open_votes_pack() -> bytes:
    """The pack of every application on an open vote or a meeting's agenda."""
    return board_pack_pdf(applications_before_the_trustees(), "Board pack: applications on an open vote or an agenda")


def meeting_pack(meeting: BoardMeeting) -> bytes:
    """The pack of a meeting's agenda."""
    return board_pack_pdf(
        [item.application for item in meeting.items],
        f"Board pack: meeting on {meeting.held_on.strftime('%-d %B %Y')}",
    )

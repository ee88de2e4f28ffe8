"""Board meetings (scheduled and recorded), the board pack and the register of interests
(routes on the votes blueprint)."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..policy import authorize, can
from ..types import london_today
from . import board_pack, interests, meetings
from .blueprint import bp
from .forms import AttendanceForm, CloseForm, DeferForm, InterestForm, MeetingForm, ScheduleMeetingForm, resolution_form
from .meetings import Resolution
from .models import Attendance, BoardMeeting, MeetingItem, TrusteeInterest
from .queries import board
from .rule import Choice


def _meeting(meeting_id: int, action: str) -> BoardMeeting:
    """The meeting, once the signed-in person may take `action` on it."""
    meeting = db.get_or_404(BoardMeeting, meeting_id)
    authorize(current_user, action, meeting)
    return meeting


def _item(meeting_id: int, item_id: int, action: str) -> MeetingItem:
    """The meeting's item, once the signed-in person may take `action` on it."""
    item = db.get_or_404(MeetingItem, item_id)
    if item.meeting_id != meeting_id:
        abort(404)
    authorize(current_user, action, item)
    return item


def _meeting_page() -> str:
    """Which of the meeting page's two addresses the signed-in person follows: the office's or the trustees'."""
    return "votes.meeting" if can("work_in_office") else "votes.trustee_meeting"


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/office/meetings")
@login_required
def meetings_list():
    authorize(current_user, "board")
    return render_template(
        "votes/meetings.html", meetings=meetings.meetings(), today=london_today(), meeting_page=_meeting_page()
    )


@bp.route("/office/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting():
    authorize(current_user, "record_meeting")
    applications = meetings.applications_with_trustees()
    form = MeetingForm()
    form.set_trustees(board())
    form.applications.choices = [(a.id, f"{a.reference}: {a.organisation.name}") for a in applications]
    if form.validate_on_submit():
        meeting = meetings.record_meeting(
            current_user,
            form.held_on.data,
            form.present.data,
            form.apologies.data or [],
            form.applications.data,
            form.minutes.data or "",
        )
        flash("The meeting has been recorded. Now record its resolution on each application.", "success")
        return redirect(url_for("votes.meeting", meeting_id=meeting.id))
    return render_template("votes/meeting_new.html", form=form, applications=applications)


@bp.route("/office/meetings/schedule", methods=["GET", "POST"])
@login_required
def schedule_meeting():
    authorize(current_user, "schedule_meeting")
    form = ScheduleMeetingForm()
    if form.validate_on_submit():
        meeting = meetings.schedule_meeting(current_user, form.held_on.data)
        flash(
            f"The board meeting on {meeting.held_on.strftime('%-d %B %Y')} is scheduled. Put applications on "
            "its agenda from their “Put to the trustees” page.",
            "success",
        )
        return redirect(url_for("votes.meeting", meeting_id=meeting.id))
    return render_template("votes/meeting_schedule.html", form=form)


@bp.route("/office/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
@login_required
def meeting_attendance(meeting_id: int):
    meeting = _meeting(meeting_id, "record_attendance")
    form = AttendanceForm()
    form.set_trustees(board())
    if form.validate_on_submit():
        meetings.record_attendance(meeting, current_user, form.present.data, form.apologies.data or [], form.minutes.data or "")
        flash("Who attended has been recorded. Now record the meeting's resolution on each application.", "success")
        return redirect(url_for("votes.meeting", meeting_id=meeting.id))
    return render_template("votes/meeting_attendance.html", form=form, meeting=meeting)


@bp.route("/trustees/meetings/<int:meeting_id>", endpoint="trustee_meeting")
@bp.route("/office/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    meeting = _meeting(meeting_id, "board")
    back = ("votes.meetings_list", "Back to board meetings") if can("work_in_office") else ("votes.my_votes", "Back to votes")
    return render_template(
        "votes/meeting.html", meeting=meeting, Attendance=Attendance, today=london_today(), back=back
    )


@bp.route("/office/meetings/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
@login_required
def meeting_item(meeting_id: int, item_id: int):
    item = _item(meeting_id, item_id, "resolve")
    present = [a.trustee for a in item.meeting.attendees_by(Attendance.PRESENT)]
    form = resolution_form(present)
    if form.validate_on_submit():
        resolution = Resolution(
            approve=form.approve.data,
            decline=form.decline.data,
            abstain=form.abstain.data,
            conflicts={t.id: field.data.strip() for t, field in zip(present, form.conflict_fields) if (field.data or "").strip()},
            casting=Choice(form.casting.data) if form.casting.data else None,
            minute=form.minute.data or "",
        )
        problem = meetings.problem_with(item, resolution)
        if problem is None:
            result = meetings.record_resolution(item, current_user, resolution)
            flash(f"{item.application.reference}: {result.label.lower()}.", "success")
            return redirect(url_for("votes.meeting", meeting_id=meeting_id))
        form.approve.errors = [*form.approve.errors, problem]
    return render_template(
        "votes/meeting_item.html", item=item, meeting=item.meeting, form=form,
        open_vote_warning=meetings.open_vote_warning(item.application),
    )


@bp.route("/office/meetings/<int:meeting_id>/items/<int:item_id>/defer", methods=["GET", "POST"])
@login_required
def meeting_item_defer(meeting_id: int, item_id: int):
    item = _item(meeting_id, item_id, "defer_item")
    form = DeferForm()
    if form.validate_on_submit():
        meetings.defer_item(item, current_user, form.reasons.data)
        flash(f"{item.application.reference} has been deferred and is back with the trust office for review.", "success")
        return redirect(url_for("votes.meeting", meeting_id=meeting_id))
    return render_template(
        "votes/meeting_item_defer.html", item=item, meeting=item.meeting, form=form,
        open_vote_warning=meetings.open_vote_warning(item.application),
    )


@bp.route("/office/meetings/<int:meeting_id>/board-pack.pdf")
@login_required
def meeting_pack(meeting_id: int):
    meeting = _meeting(meeting_id, "board")
    return _pdf(board_pack.meeting_pack(meeting), f"board-pack-{meeting.held_on.isoformat()}.pdf")


@bp.route("/trustees/board-pack.pdf")
@login_required
def open_votes_pack():
    authorize(current_user, "board")
    return _pdf(board_pack.open_votes_pack(), "board-pack.pdf")


@bp.route("/trustees/interests", methods=["GET", "POST"])
@login_required
def my_interests():
    authorize(current_user, "keep_interests")
    form = InterestForm()
    if form.validate_on_submit():
        interest = interests.add_interest(current_user, form.organisation_name.data, form.connection.data or "")
        flash(f"{interest.organisation_name} has been added to your register of interests.", "success")
        return redirect(url_for("votes.my_interests"))
    return render_template(
        "votes/interests.html", form=form, interests=interests.interests_of(current_user), remove_form=CloseForm()
    )


@bp.route("/trustees/interests/<int:interest_id>/remove", methods=["POST"])
@login_required
def remove_interest(interest_id: int):
    interest = db.get_or_404(TrusteeInterest, interest_id)
    authorize(current_user, "remove_interest", interest)
    interests.remove_interest(interest)
    flash(f"{interest.organisation_name} has been removed from your register of interests.", "success")
    return redirect(url_for("votes.my_interests"))

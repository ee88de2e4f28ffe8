"""The trustees' pages: their votes, one vote, and its actions."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..policy import authorize, can
from ..types import utcnow
from . import operations
from .blueprint import bp
from .forms import BallotForm, CastingVoteForm, CloseForm, ConflictForm, DeferForm
from .interests import flagged_members, likely_conflicts
from .meetings import upcoming_meetings
from .queries import recommendations, trustee_votes, vote_or_404
from .rule import Choice, Result

CLOSED_MESSAGES = {
    Result.APPROVED: "The vote has closed: the application is approved.",
    Result.DECLINED: "The vote has closed: the application is declined.",
    Result.AWAITING_CASTING_VOTE: "The votes are tied: the chair has been asked for a casting vote.",
    Result.DEFER: "The vote could not be decided, so the application has been deferred.",
}

OUTCOME_TAGS = {Choice.APPROVE: ("Approved", "green"), Choice.DECLINE: ("Declined", "red")}
OVERDUE_TAG = ("Overdue", "orange")


@bp.app_template_global()
def vote_tag_of(vote) -> tuple[str, str]:
    """The vote's tag, as (label, colour): its decision once decided, overdue while open past
    its deadline without a result, otherwise its status."""
    if vote.outcome is not None:
        return OUTCOME_TAGS[vote.outcome]
    if vote.is_open and vote.overdue:
        return OVERDUE_TAG
    return vote.status.label, vote.status.colour


def _vote(vote_id: int, action: str):
    """The vote, once the signed-in person may take `action` on it (404, 403 or 409 otherwise)."""
    vote = vote_or_404(vote_id)
    authorize(current_user, action, vote)
    return vote


def _render_vote(vote, form=None, **forms):
    """The vote page, with any form that failed validation in place of its blank one."""
    ballot = vote.ballot_of(current_user)
    ballot_data = {"choice": ballot.choice.value, "comment": ballot.comment} if ballot else {}
    context = {
        "conflict_form": ConflictForm(formdata=None),
        "ballot_form": BallotForm(formdata=None, data=ballot_data),
        "casting_form": CastingVoteForm(formdata=None),
        "close_form": CloseForm(formdata=None),
        "defer_form": DeferForm(formdata=None),
    }
    context.update(forms)
    flags = likely_conflicts(vote.application.organisation, [m.trustee_id for m in vote.members]) if vote.is_open else {}
    return render_template(
        "votes/vote.html",
        vote=vote,
        application=vote.application,
        assessment=recommendations([vote.application_id]).get(vote.application_id),
        my_ballot=ballot,
        flags=flags,
        flagged=flagged_members(vote, flags),
        now=utcnow(),
        form=form,
        **context,
    )


def _back(vote):
    return redirect(url_for("votes.vote", vote_id=vote.id))


@bp.route("/trustees")
@login_required
def my_votes():
    authorize(current_user, "trustee_pages")
    upcoming = [(meeting, meeting.agenda) for meeting in upcoming_meetings() if meeting.agenda]
    return render_template("votes/my_votes.html", votes=trustee_votes(current_user), upcoming=upcoming, now=utcnow())


@bp.route("/trustees/votes/<int:vote_id>")
@login_required
def vote(vote_id: int):
    return _render_vote(_vote(vote_id, "read_vote"))


@bp.route("/trustees/votes/<int:vote_id>/conflict", methods=["POST"])
@login_required
def conflict(vote_id: int):
    vote = _vote(vote_id, "declare_conflict")
    form = ConflictForm()
    if not form.validate():
        return _render_vote(vote, form=form, conflict_form=form)
    operations.declare_conflict(vote, current_user, form.reason.data)
    flash("Your conflict of interest has been recorded. You will not vote on this application.", "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/ballot", methods=["POST"])
@login_required
def ballot(vote_id: int):
    vote = _vote(vote_id, "ballot")
    form = BallotForm()
    if not form.validate():
        return _render_vote(vote, form=form, ballot_form=form)
    operations.cast_ballot(vote, current_user, Choice(form.choice.data), form.comment.data or "")
    flash("Your vote has been recorded.", "success")
    if vote.everyone_voted and vote.result in CLOSED_MESSAGES and not can("casting_vote", vote):
        flash(CLOSED_MESSAGES[vote.result], "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/casting-vote", methods=["POST"])
@login_required
def casting_vote(vote_id: int):
    vote = _vote(vote_id, "casting_vote")
    form = CastingVoteForm()
    if not form.validate():
        return _render_vote(vote, form=form, casting_form=form)
    result = operations.cast_casting_vote(vote, current_user, Choice(form.casting_choice.data))
    flash(CLOSED_MESSAGES.get(result, "Your casting vote has been recorded."), "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/close", methods=["POST"])
@login_required
def close(vote_id: int):
    vote = _vote(vote_id, "close_vote")
    form = CloseForm()
    if not form.validate():
        abort(400)
    result = operations.close_vote(vote, current_user)
    flash(CLOSED_MESSAGES[result], "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/defer", methods=["POST"])
@login_required
def defer(vote_id: int):
    vote = _vote(vote_id, "defer_vote")
    form = DeferForm()
    if not form.validate():
        return _render_vote(vote, form=form, defer_form=form)
    operations.defer_application(vote.application, current_user, form.reasons.data)
    flash("The application has been deferred and is back with the trust office for review.", "success")
    return _back(vote)

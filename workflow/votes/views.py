"""The trustees' pages: their votes, one vote, and its actions."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from jinja2 import TemplateNotFound

from ..errors import NotAllowed
from ..types import utcnow
from . import operations
from .blueprint import bp
from .forms import BallotForm, CastingVoteForm, CloseForm, ConflictForm, DeferForm
from .interests import flagged_members, likely_conflicts
from .meetings import upcoming_meetings
from .queries import recommendations, trustee_votes, vote_or_404
from .rule import Choice, Result

ANSWERS_TEMPLATE = "applications/_answers.html"

CLOSED_MESSAGES = {
    Result.APPROVED: "The vote has closed: the application is approved.",
    Result.DECLINED: "The vote has closed: the application is declined.",
    Result.AWAITING_CASTING_VOTE: "The votes are tied: the chair has been asked for a casting vote.",
    Result.DEFER: "The vote could not be decided, so the application has been deferred.",
}


def _require_trustee() -> None:
    if not current_user.is_trustee:
        raise NotAllowed("This page is for the trustees.")


def _readable_vote(vote_id: int):
    """The vote, for a trustee or the trust office; 404 if its application is not theirs to see."""
    if not (current_user.is_trustee or current_user.is_staff):
        raise NotAllowed("Only the trustees and the trust office can see the trustees' votes.")
    vote = vote_or_404(vote_id)
    if not vote.application.can_view(current_user):
        abort(404)
    return vote


def _answers_template_exists() -> bool:
    try:
        current_app.jinja_env.get_template(ANSWERS_TEMPLATE)
    except TemplateNotFound:
        return False
    return True


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
        answers_macro=_answers_template_exists(),
        form=form,
        **context,
    )


def _back(vote):
    return redirect(url_for("votes.vote", vote_id=vote.id))


@bp.route("/trustees")
@login_required
def my_votes():
    _require_trustee()
    upcoming = [(meeting, meeting.agenda) for meeting in upcoming_meetings() if meeting.agenda]
    return render_template("votes/my_votes.html", votes=trustee_votes(current_user), upcoming=upcoming, now=utcnow())


@bp.route("/trustees/votes/<int:vote_id>")
@login_required
def vote(vote_id: int):
    return _render_vote(_readable_vote(vote_id))


@bp.route("/trustees/votes/<int:vote_id>/conflict", methods=["POST"])
@login_required
def conflict(vote_id: int):
    vote = _readable_vote(vote_id)
    operations.check_conflict(vote, current_user)
    form = ConflictForm()
    if not form.validate():
        return _render_vote(vote, form=form, conflict_form=form)
    operations.declare_conflict(vote, current_user, form.reason.data)
    flash("Your conflict of interest has been recorded. You will not vote on this application.", "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/ballot", methods=["POST"])
@login_required
def ballot(vote_id: int):
    vote = _readable_vote(vote_id)
    operations.check_ballot(vote, current_user)
    form = BallotForm()
    if not form.validate():
        return _render_vote(vote, form=form, ballot_form=form)
    operations.cast_ballot(vote, current_user, Choice(form.choice.data), form.comment.data or "")
    flash("Your vote has been recorded.", "success")
    if vote.everyone_voted and vote.result in CLOSED_MESSAGES and not vote.can_cast_deciding_vote(current_user):
        flash(CLOSED_MESSAGES[vote.result], "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/casting-vote", methods=["POST"])
@login_required
def casting_vote(vote_id: int):
    vote = _readable_vote(vote_id)
    operations.check_casting_vote(vote, current_user)
    form = CastingVoteForm()
    if not form.validate():
        return _render_vote(vote, form=form, casting_form=form)
    result = operations.cast_casting_vote(vote, current_user, Choice(form.casting_choice.data))
    flash(CLOSED_MESSAGES.get(result, "Your casting vote has been recorded."), "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/close", methods=["POST"])
@login_required
def close(vote_id: int):
    vote = _readable_vote(vote_id)
    form = CloseForm()
    if not form.validate():
        abort(400)
    result = operations.close_vote(vote, current_user)
    flash(CLOSED_MESSAGES[result], "success")
    return _back(vote)


@bp.route("/trustees/votes/<int:vote_id>/defer", methods=["POST"])
@login_required
def defer(vote_id: int):
    vote = _readable_vote(vote_id)
    operations.check_defer(vote, current_user)
    form = DeferForm()
    if not form.validate():
        return _render_vote(vote, form=form, defer_form=form)
    operations.defer_application(vote.application, current_user, form.reasons.data)
    flash("The application has been deferred and is back with the trust office for review.", "success")
    return _back(vote)

"""The organisation profile page, kept by the people who act for the organisation."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.sessions import safe_next
from ..errors import NotAllowed
from ..extensions import db
from .forms import ProfileForm
from .models import Organisation
from .operations import can_edit_profile, update_profile

bp = Blueprint("organisations", __name__)


@bp.route("/organisation", defaults={"organisation_id": None}, methods=["GET", "POST"])
@bp.route("/organisation/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def profile(organisation_id: int | None):
    if not current_user.is_applicant:
        raise NotAllowed("Organisation profiles are kept by the organisations that apply.")
    if organisation_id is None:
        memberships = current_user.memberships
        if len(memberships) != 1:
            return render_template("organisations/choose.html", memberships=memberships)
        organisation_id = memberships[0].organisation_id
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not can_edit_profile(organisation, current_user):
        abort(404)

    next_url = safe_next(request.values.get("next"))
    form = ProfileForm(data=None if request.method == "POST" else organisation.profile())
    if form.validate_on_submit():
        update_profile(organisation, current_user, form.profile_data())
        flash("Your organisation's profile has been saved.", "success")
        return redirect(next_url or url_for("applications.home"))
    return render_template("organisations/profile.html", organisation=organisation, form=form, next_url=next_url)

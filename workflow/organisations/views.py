"""The organisation profile page, kept by the people who act for the organisation."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.sessions import safe_next
from ..policy import authorize
from .forms import ProfileForm
from .operations import named_or_only_organisation, update_profile

bp = Blueprint("organisations", __name__)


@bp.route("/organisation", defaults={"organisation_id": None}, methods=["GET", "POST"])
@bp.route("/organisation/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def profile(organisation_id: int | None):
    """The profile of the organisation named, or of the only one the person acts for (else they choose)."""
    organisation = named_or_only_organisation(current_user, organisation_id)
    if organisation is None:
        authorize(current_user, "choose_organisation")
        return render_template("organisations/choose.html", memberships=current_user.memberships)
    authorize(current_user, "edit_profile", organisation)

    next_url = safe_next(request.values.get("next"))
    form = ProfileForm(data=None if request.method == "POST" else organisation.profile())
    if form.validate_on_submit():
        update_profile(organisation, form.profile_data())
        flash("Your organisation's profile has been saved.", "success")
        return redirect(next_url or url_for("applications.home"))
    return render_template("organisations/profile.html", organisation=organisation, form=form, next_url=next_url)

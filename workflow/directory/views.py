"""The public partner directory, a partner's own entry, and its partnerships."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..forms import EmptyForm
from ..hubs.models import Hub
from ..organisations.models import Organisation
from ..policy import authorize, can
from ..types import utcnow
from .forms import EntryForm, FilterForm, HideForm
from .models import Partnership
from .operations import set_hidden, update_entry
from .partnerships import directory_entry, local_day, partnerships_of, renew_partnership
from .queries import AGE_GROUP_LABELS, GENRE_LABELS, filtered, listing_for

bp = Blueprint("directory", __name__)


@bp.route("/partners")
def partners():
    """Approved partners who agreed to be listed, with filters."""
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    form = FilterForm(request.args, hubs)
    filters = form.filters()
    return render_template(
        "directory/partners.html", form=form, filters=filters, listings=filtered(filters),
        age_labels=AGE_GROUP_LABELS, genre_labels=GENRE_LABELS,
    )


@bp.route("/partners/<int:organisation_id>")
def partner(organisation_id: int):
    listing = listing_for(organisation_id, include_hidden=can("see_hidden_entries")) or abort(404)
    return render_template(
        "directory/partner.html", listing=listing, age_labels=AGE_GROUP_LABELS, genre_labels=GENRE_LABELS,
        hide_form=HideForm(), show_form=EmptyForm(),
    )


@bp.route("/partners/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    authorize(current_user, "edit_entry", organisation)
    entry = directory_entry(organisation)
    form = EntryForm(obj=entry)
    if form.validate_on_submit():
        update_entry(
            organisation, description=form.description.data or "",
            website=form.website.data or "", public_email=form.public_email.data or "",
        )
        flash("Your directory entry has been saved.", "success")
        return redirect(url_for("directory.partnerships"))
    return render_template("directory/edit.html", organisation=organisation, form=form)


@bp.route("/partners/<int:organisation_id>/hide", methods=["POST"])
@login_required
def hide(organisation_id: int):
    authorize(current_user, "hide_entry")
    organisation = db.get_or_404(Organisation, organisation_id)
    form = HideForm()
    if form.validate_on_submit():
        set_hidden(organisation, current_user, True, form.reason.data or "")
        flash(f"{organisation.name} is hidden from the directory.", "success")
    return redirect(url_for("directory.partner", organisation_id=organisation.id))


@bp.route("/partners/<int:organisation_id>/show", methods=["POST"])
@login_required
def show(organisation_id: int):
    authorize(current_user, "hide_entry")
    organisation = db.get_or_404(Organisation, organisation_id)
    if EmptyForm().validate_on_submit():
        set_hidden(organisation, current_user, False)
        flash(f"{organisation.name} is shown in the directory again.", "success")
    return redirect(url_for("directory.partner", organisation_id=organisation.id))


@bp.route("/partnerships")
@login_required
def partnerships():
    """The partner's partnerships: their terms, renewal and directory entry."""
    authorize(current_user, "see_partnerships")
    return render_template(
        "directory/partnerships.html", partnerships=partnerships_of(current_user.organisation_ids),
        today=local_day(utcnow()), renew_form=EmptyForm(),
    )


@bp.route("/partnerships/<int:partnership_id>/renew", methods=["POST"])
@login_required
def renew(partnership_id: int):
    partnership = db.get_or_404(Partnership, partnership_id)
    authorize(current_user, "renew", partnership)
    draft = renew_partnership(partnership, current_user)
    flash("Your renewal has started from your last answers. Check each section, add your documents and submit.", "success")
    return redirect(url_for("applications.show", application_id=draft.id))

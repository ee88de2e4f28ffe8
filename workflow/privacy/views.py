"""Downloading an organisation's data, and the page for what anonymising erased."""

import os
from datetime import datetime

from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user, login_required

from ..errors import NotAllowed
from ..extensions import db
from ..organisations.models import Organisation
from ..types import london, utcnow
from .export import export_archive

bp = Blueprint("privacy", __name__)


@bp.route("/organisation/export", defaults={"organisation_id": None})
@bp.route("/organisation/<int:organisation_id>/export")
@login_required
def export(organisation_id: int | None):
    """All of one organisation's data as a ZIP, for the people who act for it."""
    if not current_user.is_applicant:
        raise NotAllowed("Only the people who act for an organisation can download its data.")
    if organisation_id is None:
        if len(current_user.memberships) != 1:
            return render_template("privacy/choose.html", memberships=current_user.memberships)
        organisation_id = current_user.memberships[0].organisation_id
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not current_user.is_member_of(organisation.id):
        abort(404)
    archive = export_archive(organisation)
    response = send_file(
        archive, mimetype="application/zip", as_attachment=True, conditional=False,
        download_name=f"organisation-{organisation.id}-data-{utcnow():%Y-%m-%d}.zip",
    )
    response.content_length = os.fstat(archive.fileno()).st_size
    return response


def erased_page(title: str, what: str, erased: datetime, still: str = ""):
    """410, with a page saying what anonymising erased, when, and what still stands."""
    message = (
        "Declined and withdrawn applications are anonymised after a set time, as the privacy notice explains. "
        f"{what} erased on {london(erased):%-d %B %Y}. {still}"
    ).strip()
    return render_template("errors/error.html", title=title, message=message, status=410), 410

"""Downloading an organisation's data, and the page for what anonymising erased."""

import os
from datetime import datetime

from flask import Blueprint, render_template, send_file
from flask_login import current_user, login_required

from ..organisations.operations import named_or_only_organisation
from ..policy import authorize
from ..types import london, utcnow
from .export import export_archive

bp = Blueprint("privacy", __name__)


@bp.route("/organisation/export", defaults={"organisation_id": None})
@bp.route("/organisation/<int:organisation_id>/export")
@login_required
def export(organisation_id: int | None):
    """All of one organisation's data as a ZIP, for the people who act for it."""
    organisation = named_or_only_organisation(current_user, organisation_id)
    if organisation is None:
        authorize(current_user, "choose_organisation")
        return render_template("privacy/choose.html", memberships=current_user.memberships)
    authorize(current_user, "export_data", organisation)
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

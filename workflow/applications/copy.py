"""A copy of what an applicant submitted, as a PDF."""

from flask import current_app, render_template

from ..letters.render import render_pdf
from ..types import utcnow
from .models import Application


def submission_copy_pdf(application: Application) -> bytes:
    """The application's answers, as they stand, rendered to a tagged PDF."""
    html = render_template("applications/copy.html", application=application, made_at=utcnow())
    return render_pdf(
        html,
        static_folder=current_app.static_folder,
        title=f"Application {application.reference}: a copy of what was submitted",
        base_stylesheet=True,
    )

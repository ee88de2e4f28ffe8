"""A copy of what an applicant submitted, as a PDF."""

from flask import current_app, render_template

from ..letters.render import render_pdf
from ..types import utcnow
from .models import Application


def submission_copy_html(application: Application) -> str:
    """The application's answers, as they stand, as the page the PDF is made from."""
    return render_template("applications/copy.html", application=application, made_at=utcnow())


def submission_copy_pdf(application: Application) -> bytes:
    """The application's answers, as they stand, rendered to a tagged PDF (its title from the page)."""
    return render_pdf(submission_copy_html(application), static_folder=current_app.static_folder)

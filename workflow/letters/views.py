"""The decision letter: the trust office edits, previews and issues it; the organisation downloads it."""

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..applications.models import Application
from ..errors import NotAllowed
from ..extensions import db
from .forms import FREE_PARAGRAPH_MAX, FreeParagraphForm, IssueForm
from .operations import OUTCOME_WORDS, issue_letter, preview_pdf, save_free_paragraph

bp = Blueprint("letters", __name__)


def _office_letter(application_id: int):
    """The application and its letter, for the trust office's staff only."""
    if not current_user.is_staff:
        raise NotAllowed("Decision letters are prepared and issued by the trust office's staff.")
    application = db.get_or_404(Application, application_id)
    if application.letter is None or not application.can_view(current_user):
        abort(404)
    return application, application.letter


def _filename(application: Application, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", application.reference or f"application-{application.id}") + suffix


def _pdf(pdf: bytes, filename: str, *, attachment: bool, etag: str | None = None) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if etag:
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache"
        return response.make_conditional(request)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(application, letter, *, paragraph_form=None, issue_form=None):
    paragraph_form = paragraph_form or FreeParagraphForm(formdata=None, free_paragraph=letter.free_paragraph)
    issue_form = issue_form or IssueForm(formdata=None)
    shown = paragraph_form if paragraph_form.errors else issue_form
    return render_template(
        "letters/edit.html",
        application=application,
        letter=letter,
        outcome_word=OUTCOME_WORDS[letter.outcome],
        paragraph_form=paragraph_form,
        issue_form=issue_form,
        form=shown,
        max_length=FREE_PARAGRAPH_MAX,
    )


@bp.route("/office/applications/<int:application_id>/letter", methods=["GET", "POST"])
@login_required
def edit(application_id: int):
    """The letter's status, its free paragraph, a preview and the issue button."""
    application, letter = _office_letter(application_id)
    form = FreeParagraphForm()
    if form.validate_on_submit():
        save_free_paragraph(letter, current_user, form.free_paragraph.data)
        flash("The conditions or feedback have been saved. Preview the letter to check it.", "success")
        return redirect(url_for("letters.edit", application_id=application.id))
    return _page(application, letter, paragraph_form=form if form.is_submitted() else None)


@bp.post("/office/applications/<int:application_id>/letter/issue")
@login_required
def issue(application_id: int):
    application, letter = _office_letter(application_id)
    form = IssueForm()
    if form.validate_on_submit():
        issue_letter(letter, current_user)
        flash(f"The decision letter for {application.reference} has been issued and the organisation emailed.", "success")
        return redirect(url_for("letters.edit", application_id=application.id))
    return _page(application, letter, issue_form=form)


@bp.route("/office/applications/<int:application_id>/letter/preview.pdf")
@login_required
def preview(application_id: int):
    """The letter as it would be issued now (the stored letter once issued)."""
    application, letter = _office_letter(application_id)
    return _pdf(preview_pdf(letter), _filename(application, "-decision-preview.pdf"), attachment=False)


@bp.route("/applications/<int:application_id>/letter.pdf")
@login_required
def download(application_id: int):
    """The issued letter: always the stored bytes, for whoever may see the application."""
    application = db.get_or_404(Application, application_id)
    letter = application.letter
    if letter is None or not letter.can_download(current_user):
        abort(404)
    return _pdf(letter.pdf, _filename(application, "-decision.pdf"), attachment=True, etag=letter.pdf_sha256)

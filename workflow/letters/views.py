"""The decision letter: the trust office edits, previews and issues it; the organisation downloads it."""

import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts import limits
from ..applications.models import Application
from ..extensions import db
from ..hubs.models import Hub
from ..policy import authorize
from ..privacy.views import erased_page
from ..votes.rule import Choice
from .defaults import default_template_body
from .forms import (
    FREE_PARAGRAPH_MAX,
    FreeParagraphForm,
    IssueForm,
    TemplateForm,
    VerifyCodeForm,
    VerifyUploadForm,
)
from .models import LetterTemplate, display_code
from .operations import (
    OUTCOME_WORDS,
    issue_letter,
    preview_pdf,
    save_free_paragraph,
    save_template_version,
    template_preview_pdf,
    template_versions,
)
from .templating import FIELDS
from .verification import normalise_code, verify_code, verify_pdf

bp = Blueprint("letters", __name__)


def _letter(application_id: int, action: str):
    """The application and its letter, once the signed-in person may take `action` on the letter."""
    application = db.get_or_404(Application, application_id)
    letter = application.letter or abort(404)
    authorize(current_user, action, letter)
    return application, letter


def _erased(letter):
    return erased_page(
        "This decision letter has been erased", "This letter's file was", letter.erased_at,
        "Its digest is kept, so a copy you saved can still be checked on the 'Check a decision letter' page.",
    )


def _filename(application: Application, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", application.reference or f"application-{application.id}") + suffix


def _pdf(pdf: bytes, filename: str, *, attachment: bool, etag: str | None = None) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if etag:
        response.set_etag(etag)
        return response.make_conditional(request)
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
    application, letter = _letter(application_id, "edit_letter" if request.method == "POST" else "prepare_letter")
    form = FreeParagraphForm()
    if form.validate_on_submit():
        save_free_paragraph(letter, current_user, form.free_paragraph.data)
        flash("The conditions or feedback have been saved. Preview the letter to check it.", "success")
        return redirect(url_for("letters.edit", application_id=application.id))
    return _page(application, letter, paragraph_form=form if form.is_submitted() else None)


@bp.post("/office/applications/<int:application_id>/letter/issue")
@login_required
def issue(application_id: int):
    application, letter = _letter(application_id, "issue_letter")
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
    application, letter = _letter(application_id, "prepare_letter")
    if letter.erased_at:
        return _erased(letter)
    return _pdf(preview_pdf(letter), _filename(application, "-decision-preview.pdf"), attachment=False)


@bp.route("/applications/<int:application_id>/letter.pdf")
@login_required
def download(application_id: int):
    """The issued letter: always the stored bytes, for whoever may see the application."""
    application, letter = _letter(application_id, "download_letter")
    if letter.erased_at:
        return _erased(letter)
    return _pdf(letter.pdf, _filename(application, "-decision.pdf"), attachment=True, etag=letter.pdf_sha256)


# Letter templates: admins only


def _hub_and_outcome(hub_id: int, outcome: str) -> tuple[Hub, Choice]:
    hub = db.get_or_404(Hub, hub_id)
    chosen = next((choice for choice in OUTCOME_WORDS if choice.value == outcome), None)
    if chosen is None:
        abort(404)
    return hub, chosen


@bp.route("/admin/letters")
@login_required
def templates():
    """Each hub's approval and decline templates, with their newest version."""
    authorize(current_user, "edit_letter_template")
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    return render_template(
        "letters/admin_templates.html",
        rows=[(hub, outcome, template_versions(hub.id, outcome)) for hub in hubs for outcome in OUTCOME_WORDS],
        outcome_words=OUTCOME_WORDS,
    )


@bp.route("/admin/letters/<int:hub_id>/<outcome>", methods=["GET", "POST"])
@login_required
def edit_template(hub_id: int, outcome: str):
    """Edit the template: preview with sample details, or save it as a new version."""
    authorize(current_user, "edit_letter_template")
    hub, chosen = _hub_and_outcome(hub_id, outcome)
    versions = template_versions(hub.id, chosen)
    form = TemplateForm()
    if form.validate_on_submit():
        if form.preview.data:
            pdf = template_preview_pdf(hub, chosen, form.body.data.replace("\r\n", "\n"))
            return _pdf(pdf, f"{hub.reference_prefix}-{chosen.value}-sample.pdf", attachment=False)
        template = save_template_version(hub, chosen, form.body.data, current_user)
        flash(f"Version {template.version} is saved. Letters drafted from now on use it.", "success")
        return redirect(url_for("letters.edit_template", hub_id=hub.id, outcome=chosen.value))
    if not form.is_submitted():
        form.body.data = versions[0].body if versions else default_template_body(chosen)
    return render_template(
        "letters/admin_edit.html", hub=hub, outcome=chosen, outcome_word=OUTCOME_WORDS[chosen],
        versions=versions, form=form, fields=FIELDS,
    )


def _version(hub_id: int, outcome: str, version: int) -> tuple[Hub, Choice, LetterTemplate]:
    hub, chosen = _hub_and_outcome(hub_id, outcome)
    template = db.session.scalar(
        select(LetterTemplate).where(
            LetterTemplate.hub_id == hub.id, LetterTemplate.outcome == chosen, LetterTemplate.version == version
        )
    )
    if template is None:
        abort(404)
    return hub, chosen, template


@bp.route("/admin/letters/<int:hub_id>/<outcome>/<int:version>")
@login_required
def template_version(hub_id: int, outcome: str, version: int):
    """One kept version of a template, as it was saved."""
    authorize(current_user, "edit_letter_template")
    hub, chosen, template = _version(hub_id, outcome, version)
    return render_template(
        "letters/admin_version.html", hub=hub, outcome=chosen, outcome_word=OUTCOME_WORDS[chosen], template=template
    )


@bp.route("/admin/letters/<int:hub_id>/<outcome>/<int:version>/preview.pdf")
@login_required
def template_preview(hub_id: int, outcome: str, version: int):
    """A kept version rendered with sample details."""
    authorize(current_user, "edit_letter_template")
    hub, chosen, template = _version(hub_id, outcome, version)
    pdf = template_preview_pdf(hub, chosen, template.body)
    return _pdf(pdf, f"{hub.reference_prefix}-{chosen.value}-v{version}-sample.pdf", attachment=False)


# Public: is this letter genuine?


@bp.route("/verify", methods=["GET", "POST"])
@limits.per_address(limits.LETTER_CHECKS, methods=("GET", "POST"))
def verify():
    """Check a letter by its code (GET) or its PDF (POST): what it says it is about, who issued it and when."""
    code_form = VerifyCodeForm(request.args, meta={"csrf": False})
    upload_form = VerifyUploadForm()
    checked, by_file, found = False, False, None
    if request.method == "POST":
        if upload_form.validate_on_submit():
            checked, by_file, found = True, True, verify_pdf(upload_form.letter.data.read())
    elif "code" in request.args and code_form.validate():
        checked, found = True, verify_code(code_form.code.data)
    if checked:
        limits.count()
    shown = upload_form if upload_form.errors else code_form
    return render_template(
        "letters/verify.html", code_form=code_form, upload_form=upload_form, form=shown, checked=checked,
        by_file=by_file, found=found,
        code=display_code(normalise_code(code_form.code.data or "")) if checked and not by_file else "",
    )

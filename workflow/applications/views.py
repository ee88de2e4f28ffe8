"""The applicant's pages: their applications, the form's sections, submitting, and after."""

from flask import (
    Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import FieldList
from wtforms.validators import ValidationError

from ..errors import WrongState
from ..extensions import csrf, db, login_manager
from ..forms import EmptyForm, MessageForm
from ..hubs.models import Hub
from ..organisations.operations import profile_errors
from ..policy import SectionOf, authorize
from ..privacy.views import erased_page
from .copy import submission_copy_pdf
from .documents import document_path
from .forms import RespondForm, StartForm, WithdrawForm, as_choices
from .held import answered_by_mark, hold_answers, mark_owner, take_held_answers
from .lifecycle import Action, State
from .models import Application, Document
from .operations import (
    applications_for,
    latest_request,
    respond_to_request,
    save_section,
    send_message,
    start_application,
    submit_application,
    withdraw_application,
)
from .sections import (
    COMPLETED,
    TASK_STATUSES,
    build_form,
    get_section,
    incomplete_sections,
    section_rows,
    section_status,
    sections_of,
    summaries,
)
from .versions import bring_up_to_date

bp = Blueprint("applications", __name__)

STATE_COLOURS = {
    State.DRAFT: "grey",
    State.SUBMITTED: None,
    State.IN_REVIEW: "teal",
    State.INFO_REQUESTED: "orange",
    State.WITH_TRUSTEES: "purple",
    State.APPROVED: "green",
    State.DECLINED: "red",
    State.WITHDRAWN: "grey",
}

NEXT_STEPS = {
    State.DRAFT: "Not sent yet. Complete each section, check your answers, then submit.",
    State.SUBMITTED: "The trust office has your application. An officer will start reviewing it soon.",
    State.IN_REVIEW: "An officer is reviewing your application. They may message you or ask for more information.",
    State.INFO_REQUESTED: "The trust office has asked you for more information. Update the sections they named, then send your response.",
    State.WITH_TRUSTEES: "Your application is with the trustees, who decide whether to approve it. We will write to you with their decision.",
    State.APPROVED: "The trustees approved your application. Your decision letter says what happens next.",
    State.DECLINED: "The trustees did not approve your application. Your decision letter explains their decision.",
    State.WITHDRAWN: "This application was withdrawn. Nothing more will happen to it.",
}


@bp.app_template_global()
def answer_summaries(application: Application):
    """Every section's questions and answers (for templates/applications/_answers.html)."""
    return summaries(application)


@bp.app_template_global()
def state_colour(state: State) -> str | None:
    return STATE_COLOURS.get(state)


@bp.app_template_global()
def session_timeout_seconds() -> int:
    """How long a session lasts without a request, for the timeout warning."""
    idle = current_app.config.get("SESSION_IDLE_MINUTES")
    if idle:
        return int(idle) * 60
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return int(lifetime.total_seconds() if hasattr(lifetime, "total_seconds") else lifetime)


def _member_application(application_id: int, action: str = "read") -> Application:
    """The application, if the signed-in person may take `action` on it for the organisation that applied."""
    application = db.get_or_404(Application, application_id)
    authorize(current_user, action, application)
    return application


def _section(application: Application, key: str):
    """The form's section of this key, once the person may change it now (404 for no such section)."""
    section = get_section(application, key) or abort(404)
    authorize(current_user, "edit_section", SectionOf(application, key, section.title))
    return section


def _up_to_date(application: Application) -> None:
    """Move a draft to its hub's current form, telling the applicant what changed."""
    change = bring_up_to_date(application, current_user)
    if change:
        flash(
            "The application form has changed since you last saved. Your answers are kept. "
            f"{change.summary}.",
            "info",
        )


def _request_context(application: Application) -> dict:
    """What the office asked for, while it waits for an answer."""
    if application.state is not State.INFO_REQUESTED:
        return {"request_event": None, "reopened": []}
    reopened = [section for section in sections_of(application) if section.key in (application.reopened_sections or [])]
    return {"request_event": latest_request(application), "reopened": reopened}


@bp.route("/applications")
@login_required
def home():
    authorize(current_user, "start")
    return _home_page(_start_form(_hubs(), chosen=request.args.get("hub")))


def _hubs() -> list[Hub]:
    return list(db.session.scalars(select(Hub).order_by(Hub.name)))


def _home_page(form: StartForm):
    applications = applications_for(current_user)
    return render_template(
        "applications/home.html",
        applications=applications,
        requests={a.id: _request_context(a) for a in applications},
        next_steps=NEXT_STEPS,
        form=form,
    )


def _start_form(hubs, chosen: str | None = None) -> StartForm:
    """The start form; the hub whose slug is `chosen` (arriving from its page) is selected already."""
    form = StartForm()
    form.hub.choices = as_choices(
        (str(hub.id), hub.name if hub.is_open() else f"{hub.name} (closed at the moment: you can still prepare a draft)")
        for hub in hubs
    )
    form.organisation.choices = as_choices((str(m.organisation_id), m.organisation.name) for m in current_user.memberships)
    if len(form.organisation.choices) == 1 and not form.organisation.data:
        form.organisation.data = form.organisation.choices[0].value
    hub = next((hub for hub in hubs if hub.slug == chosen), None)
    if hub is not None and not form.hub.data:
        form.hub.data = str(hub.id)
    return form


@bp.route("/applications/new", methods=["POST"])
@login_required
def start():
    authorize(current_user, "start")
    form = _start_form(_hubs())
    if not form.validate_on_submit():
        return _home_page(form)
    hub = db.session.get(Hub, int(form.hub.data))
    membership = next(m for m in current_user.memberships if str(m.organisation_id) == form.organisation.data)
    application = start_application(current_user, membership.organisation, hub)
    return redirect(url_for("applications.show", application_id=application.id))


@bp.route("/applications/<int:application_id>")
@login_required
def show(application_id: int):
    application = _member_application(application_id)
    if application.state is State.DRAFT:
        _up_to_date(application)  # only its organisation's members see a draft
        tasks = [(section, section_status(application, section.key)) for section in sections_of(application)]
        return render_template(
            "applications/task_list.html",
            application=application,
            tasks=tasks,
            task_statuses=TASK_STATUSES,
            completed=sum(1 for _, status in tasks if status == COMPLETED),
        )
    return render_template(
        "applications/overview.html",
        application=application,
        next_step=NEXT_STEPS[application.state],
        message_form=MessageForm(),
        Action=Action,
        **_request_context(application),
    )


def _after_section_saved(application: Application):
    if application.state is State.INFO_REQUESTED:
        return redirect(url_for("applications.respond", application_id=application.id))
    return redirect(url_for("applications.show", application_id=application.id))


def _section_page(application, section, form, version: int, status: int = 200, **context):
    return render_template(
        "applications/section.html", application=application, section=section, form=form, version=version,
        held_for=answered_by_mark(current_user, application, section.key), **context,
    ), status


@bp.get("/applications/<int:application_id>/sections/<key>")
@login_required
def section(application_id: int, key: str):
    application = db.get_or_404(Application, application_id)
    section = _section(application, key)
    _up_to_date(application)
    section = get_section(application, key)
    if section is None:
        return redirect(url_for("applications.show", application_id=application.id))
    if section.is_organisation:
        return render_template(
            "applications/organisation_section.html",
            application=application,
            section=section,
            rows=section_rows(application, key),
            errors=profile_errors(application.organisation),
        )
    row = application.section(key)
    held = take_held_answers(request.args.get("held"), application, key, current_user)
    if held is not None:
        return _section_page(
            application, section, build_form(application, key, formdata=held),
            held.get("version", default=0, type=int), restored=True,
        )
    return _section_page(application, section, build_form(application, key), row.version if row else 0)


def _csrf_refusal() -> CSRFError | None:
    """Why the posted CSRF token is refused, or None if it is good (or CSRF is off)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as error:
        return CSRFError(str(error))
    return None


def _hold_and_sign_in(application_id: int, key: str, refusal: CSRFError | None):
    """The session (or the page) expired: keep what was posted for its author, then sign in again.

    Without a genuine mark of the person who loaded the page nothing is kept: a bad
    token is refused as any other, and a signed-out visitor is asked to sign in.
    """
    owner = mark_owner(request.form.get("held_for"), application_id, key)
    signed_in = current_user.is_authenticated
    if owner is None or (signed_in and owner != current_user.id):
        if refusal is not None:
            raise refusal
        return login_manager.unauthorized()
    token = hold_answers(owner, application_id, key, request.form)
    back = url_for("applications.section", application_id=application_id, key=key, held=token)
    flash(
        "Your answers have not been saved yet because this page had expired. "
        + ("" if signed_in else "Sign in again, then ")
        + "check your answers and save them.",
        "info",
    )
    return redirect(back if signed_in else url_for(login_manager.login_view, next=back))


@bp.post("/applications/<int:application_id>/sections/<key>")
@csrf.exempt
def save_section_answers(application_id: int, key: str):
    """Save a section. CSRF is checked here, after a refused save's answers are held."""
    refusal = _csrf_refusal()
    if refusal is not None or not current_user.is_authenticated:
        return _hold_and_sign_in(application_id, key, refusal)
    application = db.get_or_404(Application, application_id)
    section = _section(application, key)
    if section.is_organisation:
        raise WrongState("This section is filled in from your organisation's profile: change the profile instead.")

    posted = CombinedMultiDict([request.form, request.files])
    adding, removing = request.form.get("add_item"), request.form.get("remove_item")
    if removing:
        posted = MultiDict([(name, value) for name, value in posted.items(multi=True) if not name.startswith(f"{removing}-")])
    loaded_version = request.form.get("version", default=-1, type=int)
    result = save_section(application, key, posted, current_user, loaded_version)
    if result.conflict:
        return _section_page(
            application, section, build_form(application, key, formdata=request.form), result.version, 409,
            conflict=application.section(key), theirs=section_rows(application, key),
        )
    if adding or removing:
        return _section_page(application, section, _with_item_added(build_form(application, key), adding), result.version)
    if not result.errors:
        flash(f"“{section.title}” is complete.", "success")
        return _after_section_saved(application)
    if "later" in request.form:
        flash(f"Your answers to “{section.title}” are saved. The section is not complete yet.", "success")
        return _after_section_saved(application)
    form = build_form(application, key, formdata=request.form)
    form.show_errors(result.errors)
    return _section_page(application, section, form, result.version, saved_with_errors=True)


def _with_item_added(form, name: str | None):
    """The form with a blank item added to its "add another" group `name`, if it has room."""
    group = form._fields.get(name or "")
    if isinstance(group, FieldList) and len(group.entries) < (group.max_entries or 0):
        group.append_entry()
    return form


@bp.route("/applications/<int:application_id>/check")
@login_required
def check(application_id: int):
    application = _member_application(application_id)
    if application.state is not State.DRAFT:
        return redirect(url_for("applications.show", application_id=application.id))
    return render_template(
        "applications/check.html",
        application=application,
        incomplete=incomplete_sections(application),
        form=EmptyForm(),
    )


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@login_required
def submit(application_id: int):
    application = _member_application(application_id, Action.SUBMIT)
    submit_application(application, current_user)
    return redirect(url_for("applications.submitted", application_id=application.id))


@bp.route("/applications/<int:application_id>/submitted")
@login_required
def submitted(application_id: int):
    application = _member_application(application_id)
    if application.submitted_at is None:
        return redirect(url_for("applications.show", application_id=application.id))
    return render_template("applications/submitted.html", application=application)


@bp.route("/applications/<int:application_id>/messages", methods=["GET", "POST"])
@login_required
def messages(application_id: int):
    application = _member_application(application_id, "message_office")
    form = MessageForm()
    if form.validate_on_submit():
        send_message(application, current_user, form.body.data)
        flash("Your message has been sent to the trust office.", "success")
        return redirect(url_for("applications.messages", application_id=application.id))
    return render_template("applications/messages.html", application=application, form=form)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(application_id: int):
    application = _member_application(application_id, Action.WITHDRAW)
    form = WithdrawForm()
    if form.validate_on_submit():
        withdraw_application(application, current_user, form.reason.data)
        flash("Your application has been withdrawn.", "success")
        return redirect(url_for("applications.show", application_id=application.id))
    return render_template("applications/withdraw.html", application=application, form=form)


@bp.route("/applications/<int:application_id>/respond", methods=["GET", "POST"])
@login_required
def respond(application_id: int):
    application = _member_application(application_id, Action.RESPOND)
    form = RespondForm()
    if form.validate_on_submit():
        respond_to_request(application, current_user, form.message.data)
        flash("Your response has been sent to the trust office.", "success")
        return redirect(url_for("applications.show", application_id=application.id))
    context = _request_context(application)
    return render_template(
        "applications/respond.html",
        application=application,
        form=form,
        statuses={section.key: section_status(application, section.key) for section in context["reopened"]},
        task_statuses=TASK_STATUSES,
        **context,
    )


@bp.route("/applications/<int:application_id>/copy.pdf")
@login_required
def copy_pdf(application_id: int):
    """A PDF copy of what was submitted, for the organisation's members and staff."""
    application = db.get_or_404(Application, application_id)
    authorize(current_user, "download_copy", application)
    if application.anonymised_at:
        return erased_page("This application has been anonymised", "Its answers were", application.anonymised_at)
    response = make_response(submission_copy_pdf(application))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{application.reference}-application.pdf"'
    return response


@bp.route("/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id: int, document_id: int):
    """A document of the application, as a download, for those who may see the application."""
    application = db.get_or_404(Application, application_id)
    authorize(current_user, "download_document", application)
    document = db.session.get(Document, document_id)
    if document is None or document.application_id != application.id:
        abort(404)
    path = document_path(document)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename, max_age=0
    )
    return response


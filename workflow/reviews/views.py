"""The trust office's pages: the queues and the work on one application (staff only)."""

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from ..applications.lifecycle import Action, State
from ..applications.models import Application
from ..applications.operations import send_message as message_applicant
from ..applications.revisions import answers_as_sent, compare, files_used, revisions_by_event
from ..applications.sections import listed_documents
from ..audit.operations import history
from ..extensions import db
from ..forms import EmptyForm, MessageForm
from ..types import utcnow
from ..policy import authorize, can
from ..votes.meetings import upcoming_meetings
from ..votes.models import BoardMeeting
from ..votes.operations import why_no_vote_can_open
from ..votes.queries import meeting_items_of
from ..words import counted
from . import operations
from .charts import bar_chart
from .export import export_lines
from .forms import (
    MEETING,
    AssignForm,
    BulkAssignForm,
    BulkPutToTrusteesForm,
    BulkRequestInformationForm,
    NoteForm,
    PutToTrusteesForm,
    QueueFilterForm,
    RequestInformationForm,
    assessment_form,
)
from .queries import (
    QUEUE_STATES,
    SORTS,
    assessment_for,
    district_names,
    hubs,
    notes_for,
    office_application_or_404,
    officers,
    queue_label,
    queue_page,
    revision_or_404,
    revisions_of,
    selected_applications,
)
from .snapshot import dashboard_figures

bp = Blueprint("reviews", __name__)

FILTER_ARGS = ("hub", "officer", "organisation_type", "district", "submitted_from", "submitted_to", "q", "sort")

EVENT_LABELS = {
    "started": "Application started",
    "section_updated": "Section saved",
    "document_uploaded": "Document uploaded",
    "submit": "Submitted",
    "take": "Taken for review",
    "assigned": "Assigned",
    "request_information": "Information requested",
    "respond": "Applicant responded",
    "message_sent": "Message sent",
    "assessment_recorded": "Assessment recorded",
    "note_added": "Internal note added",
    "put_to_trustees": "Put to the trustees",
    "vote_opened": "Trustees' vote opened",
    "meeting_agenda": "On a board meeting's agenda",
    "conflict_declared": "Conflict of interest declared",
    "ballot_cast": "Trustee voted",
    "ballot_changed": "Trustee changed their vote",
    "casting_vote_requested": "Chair asked for a casting vote",
    "casting_vote": "Chair's casting vote",
    "vote_overdue": "Vote overdue",
    "vote_closed": "Trustees' vote closed",
    "vote_withdrawn": "Vote ended: application withdrawn",
    "vote_deferred": "Vote ended: application deferred",
    "vote_superseded": "Vote ended: decided at a board meeting",
    "agenda_left": "Taken off a board meeting's agenda",
    "defer": "Deferred",
    "approve": "Approved",
    "decline": "Declined",
    "withdraw": "Withdrawn",
    "letter_issued": "Decision letter issued",
}


@bp.before_request
@login_required
def office_only():
    """Every office page is for the trust office's staff, refused by role before anything is
    loaded (so nobody else learns what exists); each view then asks for its own action."""
    authorize(current_user, "work_in_office")


@bp.app_template_filter("time_in_state")
def time_in_state(moment: datetime, now: datetime | None = None) -> str:
    """How long ago `moment` was, in words: "3 days", "5 hours", "less than an hour"."""
    seconds = max(0, ((now or utcnow()) - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600)):
        count = int(seconds // size)
        if count:
            return counted(count, unit)
    return "less than an hour"


@bp.app_template_filter("event_label")
def event_label(kind: str) -> str:
    """An audit event's kind in plain words."""
    return EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())


def _pagination(page, endpoint_args: dict) -> dict | None:
    """The GOV.UK pagination component's parameters for a page of a queue."""
    if page.pages <= 1:
        return None

    def href(number):
        return url_for("reviews.queue", page=number, **endpoint_args)

    shown = sorted({1, page.pages, page.page - 1, page.page, page.page + 1} & set(range(1, page.pages + 1)))
    items, last = [], 0
    for number in shown:
        if number - last > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.page})
        last = number
    return {
        "items": items,
        "previous": {"href": href(page.page - 1)} if page.page > 1 else None,
        "next": {"href": href(page.page + 1)} if page.page < page.pages else None,
    }


def _queue_state() -> State:
    try:
        state = State(request.args.get("state", State.SUBMITTED.value))
    except ValueError:
        abort(404)
    if state not in QUEUE_STATES:
        abort(404)
    return state


def _filters(people: list | None = None) -> QueueFilterForm:
    filters = QueueFilterForm(request.args)
    filters.set_choices(hubs(), officers() if people is None else people, district_names())
    filters.validate()  # an error shows beside its field; `criteria` ignores values that name nothing
    return filters


def _kept() -> dict:
    """The filters in the query string, to carry into the tabs, pages and export."""
    given = {name: request.args.getlist(name) for name in FILTER_ARGS}
    return {name: values for name, values in given.items() if any(values)}


@bp.route("/office")
def queue():
    """The queue of one state, with every queue's count under the same filters."""
    state = _queue_state()
    people = officers()
    filters = _filters(people)
    criteria = filters.criteria(state)
    page = queue_page(criteria, current_user, request.args.get("page", 1, type=int))
    kept = _kept()
    bulk = BulkAssignForm(formdata=None)
    bulk.set_choices(people)
    return render_template(
        "reviews/queue.html",
        state=state,
        tabs=[
            {
                "state": each,
                "label": queue_label(each),
                "count": page.counts[each],
                "href": url_for("reviews.queue", state=each.value, **kept),
            }
            for each in QUEUE_STATES
        ],
        queue_name=queue_label(state),
        page=page,
        filters=filters,
        sort_label=SORTS[criteria.sort],
        kept=kept,
        bulk_form=bulk,
        can_bulk=can("act_in_bulk"),
        export_href=url_for("reviews.export", state=state.value, **kept),
        pagination=_pagination(page, {"state": state.value, **kept}),
    )


@bp.route("/office/export.csv")
def export():
    """The filtered queue as a CSV file for a board report, streamed as it is read."""
    authorize(current_user, "export")
    state = _queue_state()
    criteria = _filters().criteria(state)
    filename = f"applications-{state.value}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(export_lines(criteria, current_user)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/office/dashboard")
def dashboard():
    """Key figures (as last counted) with charts drawn on the server, each beside its table."""
    shown = dashboard_figures()
    return render_template(
        "reviews/dashboard.html",
        figures=shown,
        charts={
            "state": bar_chart("chart-state", "Applications by state", [(s.label, n) for s, n in shown.by_state]),
            "month": bar_chart("chart-month", "Applications submitted by month", shown.by_month),
            "district": bar_chart("chart-district", "Partners by district", shown.partners_by_district),
            "type": bar_chart("chart-type", "Partners by type of organisation", shown.partners_by_type),
        },
    )


BULK_ACTIONS = {"assign", "request_information", "put_to_trustees"}


def _bulk_page(action: str, form, status: int = 200):
    return (
        render_template(
            "reviews/bulk.html",
            action=action,
            form=form,
            applications=selected_applications(form.selected.data or []),
        ),
        status,
    )


def _bulk_report(title: str, outcomes):
    return render_template(
        "reviews/bulk_report.html",
        title=title,
        done=[outcome for outcome in outcomes if outcome.done],
        refused=[outcome for outcome in outcomes if not outcome.done],
    )


@bp.post("/office/bulk")
def bulk():
    """A bulk action on the rows ticked in a queue: assign now, or ask for what the others need."""
    authorize(current_user, "act_in_bulk")
    action = request.form.get("action", "")
    if action not in BULK_ACTIONS:
        abort(400)
    if action == "assign":
        form = BulkAssignForm()
        form.set_choices(officers())
        if not form.validate_on_submit():
            return _bulk_page(action, form)
        outcomes = operations.assign_each(selected_applications(form.selected.data), current_user, form.person)
        return _bulk_report(f"Assigning to {form.person.name}", outcomes)
    form_class = BulkRequestInformationForm if action == "request_information" else BulkPutToTrusteesForm
    form = form_class(formdata=None)
    form.selected.data = request.form.getlist("selected", type=int)
    if not form.selected.data:
        form.selected.errors = ["Select at least one application"]
    return _bulk_page(action, form)


@bp.post("/office/bulk/request-information")
def bulk_request_information():
    authorize(current_user, "act_in_bulk")
    form = BulkRequestInformationForm()
    if not form.validate_on_submit():
        return _bulk_page("request_information", form)
    outcomes = operations.request_information_from_each(
        selected_applications(form.selected.data), current_user, form.sections.data, form.message.data
    )
    return _bulk_report("Requesting information", outcomes)


@bp.post("/office/bulk/put-to-trustees")
def bulk_put_to_trustees():
    authorize(current_user, "act_in_bulk")
    form = BulkPutToTrusteesForm()
    if not form.validate_on_submit():
        return _bulk_page("put_to_trustees", form)
    outcomes = operations.put_each_to_trustees(selected_applications(form.selected.data), current_user, form.deadline_at)
    return _bulk_report("Putting to the trustees", outcomes)


def _load(application_id: int, action: str = "review"):
    """The application, once the signed-in person may take `action` on it."""
    application = office_application_or_404(application_id)
    authorize(current_user, action, application)
    return application


def _to_application(application, anchor: str | None = None):
    return redirect(url_for("reviews.application", application_id=application.id, _anchor=anchor))


def _application_page(application, **forms):
    """The application page, with fresh forms except the one given: re-shown with its errors, it is
    the page's `form` (whose errors the title and the error summary tell)."""
    assessment = assessment_for(application)
    assign = forms.get("assign_form") or AssignForm(
        prefix="assign", formdata=None, data={"assignee": application.assigned_officer_id}
    )
    assign.set_choices(officers())
    items = meeting_items_of(application)
    events = history(application)
    revisions = revisions_of(application)
    return render_template(
        "reviews/application.html",
        application=application,
        assessment=assessment,
        assign_form=assign,
        assessment_form=forms.get("assessment_form")
        or assessment_form([c.title for c in application.hub.criteria], assessment, prefix="assessment", formdata=None),
        note_form=forms.get("note_form") or NoteForm(prefix="note", formdata=None),
        message_form=forms.get("message_form") or MessageForm(prefix="message", formdata=None),
        notes=notes_for(application),
        documents=listed_documents(application),
        meeting_items=items,
        events=events,
        revisions=revisions,
        event_revisions=revisions_by_event(events, revisions),
        form=next(iter(forms.values()), None),
        criterion_results=operations.CRITERION_RESULTS,
        section_titles=operations.section_titles(application),
    )


@bp.route("/office/applications/<int:application_id>")
def application(application_id: int):
    """Everything about one application, and what the officer can do with it now."""
    return _application_page(_load(application_id))


@bp.route("/office/applications/<int:application_id>/revisions/<int:number>")
def revision(application_id: int, number: int):
    """The answers as one submission or response sent them, in the words of the version they answered."""
    application = _load(application_id, "see_revisions")
    revision = revision_or_404(application, number)
    return render_template(
        "reviews/revision.html",
        application=application,
        revision=revision,
        summaries=answers_as_sent(revision),
        files=files_used(revision),
        revisions=revisions_of(application),
    )


@bp.route("/office/applications/<int:application_id>/revisions/<int:number>/changes")
def revision_changes(application_id: int, number: int):
    """What changed in a revision since an earlier one (`since`, by default the one before), question by question."""
    application = _load(application_id, "see_revisions")
    newer = revision_or_404(application, number)
    since = request.args.get("since", number - 1, type=int)
    if since >= number:
        abort(404)
    older = revision_or_404(application, since)
    return render_template(
        "reviews/revision_changes.html",
        application=application,
        comparison=compare(older, newer),
        revisions=revisions_of(application),
    )


@bp.post("/office/applications/<int:application_id>/take")
def take(application_id: int):
    application = _load(application_id, Action.TAKE)
    if not EmptyForm().validate_on_submit():
        abort(400)
    operations.take_application(application, current_user)
    flash(f"You have taken {application.reference}. It is now in review and assigned to you.", "success")
    return _to_application(application)


@bp.post("/office/applications/<int:application_id>/assign")
def assign(application_id: int):
    application = _load(application_id, "assign")
    form = AssignForm(prefix="assign")
    form.set_choices(officers())
    if not form.validate_on_submit():
        return _application_page(application, assign_form=form)
    assignee = form.person
    operations.assign_application(application, current_user, assignee)
    flash(f"{application.reference} is assigned to {assignee.name}.", "success")
    return _to_application(application)


@bp.route("/office/applications/<int:application_id>/request-information", methods=["GET", "POST"])
def request_information(application_id: int):
    application = _load(application_id, Action.REQUEST_INFORMATION)
    form = RequestInformationForm(application=application)
    if form.validate_on_submit():
        operations.request_information(application, current_user, form.sections.data, form.message.data)
        flash(f"Your request has been sent to {application.organisation.name}.", "success")
        return _to_application(application)
    return render_template("reviews/request_information.html", application=application, form=form)


@bp.post("/office/applications/<int:application_id>/assessment")
def assessment(application_id: int):
    application = _load(application_id, "assess")
    form = assessment_form([c.title for c in application.hub.criteria], prefix="assessment")
    if not form.validate_on_submit():
        return _application_page(application, assessment_form=form)
    operations.record_assessment(
        application, current_user, form.checklist(), form.chosen_recommendation, form.reasons.data or ""
    )
    flash("The assessment has been saved.", "success")
    return _to_application(application, "assessment")


@bp.route("/office/applications/<int:application_id>/put-to-trustees", methods=["GET", "POST"])
def put_to_trustees(application_id: int):
    application = _load(application_id, Action.PUT_TO_TRUSTEES)
    assessment = assessment_for(application)
    upcoming = upcoming_meetings()
    form = PutToTrusteesForm()
    form.set_meetings(upcoming, why_no_vote_can_open())
    if form.validate_on_submit():
        if form.route.data == MEETING:
            meeting = db.get_or_404(BoardMeeting, form.meeting.data)
            authorize(current_user, "add_to_agenda", meeting)
            operations.put_on_agenda(application, current_user, meeting)
            flash(
                f"{application.reference} is with the trustees, on the agenda of the board meeting on "
                f"{meeting.held_on.strftime('%-d %B %Y')}.",
                "success",
            )
        else:
            operations.put_to_trustees(application, current_user, form.deadline_at)
            flash(f"{application.reference} is with the trustees. Their vote is open.", "success")
        return _to_application(application)
    return render_template(
        "reviews/put_to_trustees.html",
        application=application,
        assessment=assessment,
        ready=operations.has_recommendation(assessment),
        form=form,
        upcoming=upcoming,
    )


@bp.post("/office/applications/<int:application_id>/notes")
def add_note(application_id: int):
    application = _load(application_id, "note")
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _application_page(application, note_form=form)
    operations.add_note(application, current_user, form.body.data)
    flash("Your note has been added.", "success")
    return _to_application(application, "notes")


@bp.post("/office/applications/<int:application_id>/messages")
def send_message(application_id: int):
    application = _load(application_id, "message_applicant")
    form = MessageForm(prefix="message")
    if not form.validate_on_submit():
        return _application_page(application, message_form=form)
    message_applicant(application, current_user, form.body.data)
    flash(f"Your message has been sent to {application.organisation.name}.", "success")
    return _to_application(application, "messages")


@bp.route("/office/drafts/<int:application_id>/messages", methods=["GET", "POST"])
def draft_messages(application_id: int):
    """Messages about an application not yet submitted: the office reads and answers them here.

    Its answers stay the organisation's own until it is submitted; once it is, its
    messages are on its office page.
    """
    application = db.get_or_404(Application, application_id)
    authorize(current_user, "message_applicant", application)
    if application.submitted_at is not None:
        return _to_application(application, "messages")
    form = MessageForm(prefix="message")
    if form.validate_on_submit():
        message_applicant(application, current_user, form.body.data)
        flash(f"Your message has been sent to {application.organisation.name}.", "success")
        return redirect(url_for("reviews.draft_messages", application_id=application.id))
    return render_template("reviews/messages.html", application=application, form=form)

"""Forms of the office's pages: one per action."""

from datetime import date, datetime, time, timedelta, timezone

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from ..applications.lifecycle import State
from ..organisations.models import OrganisationType
from ..types import LONDON, london_today
from ..widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from ..words import DateHint, example_date
from .models import Recommendation
from .operations import CRITERION_RESULTS, section_titles
from .queries import MINE, SORTS, UNASSIGNED, QueueFilter, officer_or_none

VOTE_DAYS = 14


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    """An id from a select, or None when it is blank or not a number."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DayField(DateField):
    """A GOV.UK day, month and year date that says plainly when it cannot be read."""

    def process_formdata(self, valuelist):
        # The widget shows the day, month and year typed: always three parts.
        self.raw_data = (list(valuelist) + ["", "", ""])[:3] if valuelist else None
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata([" ".join(part.strip() for part in valuelist)])
        except ValueError as error:
            raise ValueError(f"Enter a real date, for example {example_date(-30)}") from error


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string (GET, so no CSRF)."""

    class Meta:
        csrf = False

    hub = SelectField("Hub", coerce=_optional_int, validate_choice=False, widget=GovSelect())
    officer = SelectField("Assigned officer", validate_choice=False, widget=GovSelect())
    organisation_type = SelectField(
        "Type of organisation",
        choices=[SelectChoice("", "All types")] + [SelectChoice(kind.value, kind.label) for kind in OrganisationType],
        validate_choice=False,
        widget=GovSelect(),
    )
    district = SelectField("District", validate_choice=False, widget=GovSelect())
    submitted_from = DayField("Submitted on or after", format="%d %m %Y", widget=GovDateInput())
    submitted_to = DayField("Submitted on or before", format="%d %m %Y", widget=GovDateInput())
    q = StringField(
        "Reference or organisation", filters=[_strip], validators=[Length(max=200)], widget=GovTextInput()
    )
    sort = SelectField(
        "Order",
        choices=[SelectChoice(value, label) for value, label in SORTS.items()],
        validate_choice=False,
        widget=GovSelect(),
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def set_choices(self, hubs, officers, districts) -> None:
        self.hub.choices = [SelectChoice("", "All hubs")] + [SelectChoice(hub.id, hub.name) for hub in hubs]
        self.officer.choices = [
            SelectChoice("", "Anyone or no one"),
            SelectChoice(MINE, "Assigned to me"),
            SelectChoice(UNASSIGNED, "Not assigned"),
        ] + [SelectChoice(str(person.id), person.name) for person in officers]
        self.district.choices = [SelectChoice("", "All districts")] + [SelectChoice(name, name) for name in districts]

    def validate_submitted_to(self, field):
        if field.data and self.submitted_from.data and field.data < self.submitted_from.data:
            raise ValidationError("The second date must be the same as or after the first")

    def criteria(self, state: State) -> QueueFilter:
        """The filter these fields describe; values that name nothing are ignored."""
        hub_ids = {choice.value for choice in self.hub.choices}
        districts = {choice.value for choice in self.district.choices} - {""}
        officer = self.officer.data or None
        if officer not in (MINE, UNASSIGNED):
            officer = _optional_int(officer)
        try:
            organisation_type = OrganisationType(self.organisation_type.data)
        except ValueError:
            organisation_type = None
        dated = not (self.submitted_from.errors or self.submitted_to.errors)
        return QueueFilter(
            state=state,
            hub_id=self.hub.data if self.hub.data in hub_ids else None,
            officer=officer,
            search=(self.q.data or "")[:200],
            sort=self.sort.data if self.sort.data in SORTS else "oldest",
            organisation_type=organisation_type,
            district=self.district.data if self.district.data in districts else "",
            submitted_from=self.submitted_from.data if dated else None,
            submitted_to=self.submitted_to.data if dated else None,
        )


class SelectedForm(FlaskForm):
    """The applications ticked on a queue page, for a bulk action."""

    selected = SelectMultipleField(
        "Selected applications",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Select at least one application")],
    )


class ChoosesAnOfficer:
    """An `assignee` field listing the officers; `person` is the one chosen."""

    missing_officer = "Choose an officer"

    def set_choices(self, officers) -> None:
        self.assignee.choices = [SelectChoice("", "Choose an officer")] + [
            SelectChoice(person.id, person.name) for person in officers
        ]

    def validate_assignee(self, field):
        if officer_or_none(field.data) is None:
            raise ValidationError(self.missing_officer)

    @property
    def person(self):
        return officer_or_none(self.assignee.data)


class BulkAssignForm(ChoosesAnOfficer, SelectedForm):
    missing_officer = "Choose an officer to assign the selected applications to"
    assignee = SelectField(
        "Assign the selected applications to", coerce=_optional_int, validate_choice=False, widget=GovSelect()
    )


class AssignForm(ChoosesAnOfficer, FlaskForm):
    missing_officer = "Choose an officer to assign this application to"
    assignee = SelectField(
        "Assign to", coerce=_optional_int, validate_choice=False, widget=GovSelect()
    )
    submit = SubmitField("Assign", widget=GovSubmitInput())


class RequestInformationForm(FlaskForm):
    sections = SelectMultipleField(
        "Which sections should the applicant change?",
        description="Select all that apply. Only these sections will open for editing.",
        validators=[DataRequired("Select at least one section to reopen")],
        invalid_choice_message="Select sections from the list",
        widget=GovCheckboxesInput(),
    )
    message = TextAreaField(
        "Message to the applicant",
        description="Say what you need and why. The applicant sees this message.",
        filters=[_strip],
        validators=[DataRequired("Enter a message to the applicant"), Length(max=5000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections.choices = [SelectChoice(key, title) for key, title in section_titles(application).items()]


class AssessmentForm(FlaskForm):
    """The checklist against the hub's criteria, the recommendation and its reasons.

    Build it with `assessment_form`, which adds a pair of fields per criterion.
    """

    recommendation = RadioField(
        "Recommendation to the trustees",
        choices=[SelectChoice(choice.value, choice.label) for choice in Recommendation],
        validators=[Optional()],
        widget=GovRadioInput(),
    )
    reasons = TextAreaField(
        "Reasons for the recommendation",
        description="The trustees read these reasons with the application.",
        filters=[_strip],
        validators=[Length(max=5000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save assessment", widget=GovSubmitInput())

    criteria: list = []

    def criterion_fields(self):
        """(title, result field, note field) for each criterion, in the hub's order."""
        return [(title, self[f"met_{n}"], self[f"note_{n}"]) for n, title in enumerate(self.criteria, 1)]

    def checklist(self) -> dict:
        """The checklist as stored: criterion title to result ("yes", "partly", "no" or "") and note."""
        return {title: {"met": met.data or "", "note": note.data or ""} for title, met, note in self.criterion_fields()}

    @property
    def chosen_recommendation(self) -> Recommendation | None:
        return Recommendation(self.recommendation.data) if self.recommendation.data else None


def assessment_form(criteria: list[str], assessment=None, **kwargs) -> AssessmentForm:
    """An assessment form for these criteria titles, filled from a recorded assessment."""

    class Form(AssessmentForm):
        pass

    Form.criteria = list(criteria)
    data = {}
    checklist = (assessment.checklist if assessment else None) or {}
    for n, title in enumerate(criteria, 1):
        setattr(
            Form,
            f"met_{n}",
            RadioField(
                title,
                choices=[SelectChoice(value, label) for value, label in CRITERION_RESULTS.items()],
                validators=[Optional()],
                widget=GovRadioInput(),
            ),
        )
        setattr(
            Form,
            f"note_{n}",
            TextAreaField(f"Note on “{title}” (optional)", filters=[_strip], validators=[Length(max=2000)], widget=GovTextArea()),
        )
        saved = checklist.get(title) or {}
        data[f"met_{n}"] = saved.get("met") or None
        data[f"note_{n}"] = saved.get("note", "")
    if assessment is not None:
        data["recommendation"] = assessment.recommendation.value if assessment.recommendation else None
        data["reasons"] = assessment.reasons
    return Form(data=data, **kwargs)


class DeadlineField(DateField):
    """A GOV.UK day, month and year date that says plainly when it cannot be read."""

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata([" ".join(part.strip() for part in valuelist)])
        except ValueError as error:
            raise ValueError(f"Enter the deadline as a real date, for example {example_date(14)}") from error


def _deadline_field() -> DeadlineField:
    return DeadlineField(
        "When does the trustees' vote close?",
        description=DateHint(14, "The vote closes at the end of this day. "),
        format="%d %m %Y",
        widget=GovDateInput(),
    )


def _check_deadline(field) -> None:
    if field.process_errors:
        raise StopValidation()
    if field.data is None:
        raise ValidationError("Enter the date the vote closes")
    if field.data <= london_today():
        raise ValidationError("The vote must close on a date in the future")


def _default_deadline() -> dict:
    return {"deadline": london_today() + timedelta(days=VOTE_DAYS)}


def _end_of_day(day: date) -> datetime:
    """The end of `day` in London, in UTC."""
    return datetime.combine(day, time(23, 59), LONDON).astimezone(timezone.utc)


VOTE, MEETING = "vote", "meeting"


class PutToTrusteesForm(FlaskForm):
    """How the trustees decide: an online vote until a deadline, or an upcoming board meeting.

    The view sets the meeting choices, and `vote_refusal` when the board cannot hold a vote.
    A post without a choice is an online vote, the choice checked on the page.
    """

    route = RadioField(
        "How will the trustees decide?",
        choices=[SelectChoice(VOTE, "An online vote"), SelectChoice(MEETING, "At a board meeting")],
        validators=[DataRequired("Choose an online vote or a board meeting")],
        widget=GovRadioInput(),
    )
    deadline = _deadline_field()
    meeting = SelectField(
        "Which board meeting?",
        description="The application goes on that meeting's agenda; the trustees decide it there.",
        coerce=_optional_int,
        validate_choice=False,
        widget=GovSelect(),
    )
    submit = SubmitField("Put to the trustees", widget=GovSubmitInput())
    vote_refusal: str | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("data", {**_default_deadline(), "route": VOTE})
        super().__init__(*args, **kwargs)

    def set_meetings(self, meetings, vote_refusal: str | None) -> None:
        """The upcoming meetings to choose from; why a vote cannot open, if it cannot."""
        self.meeting.choices = [("", "Choose a meeting")] + [
            (m.id, f"{m.held_on.strftime('%-d %B %Y')} ({len(m.items)} on the agenda)") for m in meetings
        ]
        self.vote_refusal = vote_refusal
        if vote_refusal and not self.is_submitted():
            self.route.data = MEETING

    def validate_route(self, field):
        if field.data == VOTE and self.vote_refusal:
            raise ValidationError(self.vote_refusal)
        if field.data == MEETING and not self._meeting_ids():
            raise ValidationError("No board meeting is scheduled: schedule one first, or choose an online vote")

    def _meeting_ids(self) -> set:
        return {value for value, _ in self.meeting.choices if value != ""}

    def validate_deadline(self, field):
        if self.route.data != VOTE:
            field.errors.clear()
            raise StopValidation()
        _check_deadline(field)

    def validate_meeting(self, field):
        if self.route.data != MEETING or not self._meeting_ids():
            raise StopValidation()
        if field.data not in self._meeting_ids():
            raise ValidationError("Choose the board meeting whose agenda it goes on")

    @property
    def deadline_at(self) -> datetime:
        return _end_of_day(self.deadline.data)


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Add an internal note",
        description="Only the trust office sees notes. The applicant and the trustees never do.",
        filters=[_strip],
        validators=[DataRequired("Enter the note"), Length(max=5000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())


class BulkRequestInformationForm(RequestInformationForm):
    """One request, with one message, for every selected application."""

    selected = SelectMultipleField(
        "Selected applications", coerce=int, validate_choice=False,
        validators=[DataRequired("Select at least one application")],
    )
    submit = SubmitField("Send the request to every selected applicant", widget=GovSubmitInput())


class BulkPutToTrusteesForm(FlaskForm):
    """One deadline for the votes on every selected application."""

    deadline = _deadline_field()
    selected = SelectMultipleField(
        "Selected applications", coerce=int, validate_choice=False,
        validators=[DataRequired("Select at least one application")],
    )
    submit = SubmitField("Put the selected applications to the trustees", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("data", _default_deadline())
        super().__init__(*args, **kwargs)

    def validate_deadline(self, field):
        _check_deadline(field)

    @property
    def deadline_at(self) -> datetime:
        return _end_of_day(self.deadline.data)

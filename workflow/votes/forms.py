"""The trustees' forms: a conflict, a ballot, the casting vote, closing and deferral;
a trustee's register of interests; the office's board meetings (scheduled, and recorded).

The fields' names differ between forms, as several share the vote page; the
buttons are in the templates.
"""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..types import london_today
from ..widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextInput,
)
from ..words import DateHint
from .rule import Choice

CHOICE_HINTS = {
    Choice.ABSTAIN.value: (
        "An abstention counts towards the quorum, not the result. You can change it only while the vote is open."
    ),
}


class ConflictForm(FlaskForm):
    reason = TextAreaField(
        "Your conflict of interest",
        description=(
            "For example, you work for the organisation or a close relative does."
            " The other trustees and the trust office will see what you write here."
        ),
        validators=[
            DataRequired("Enter your conflict of interest"),
            Length(max=1000, message="Your conflict of interest must be 1,000 characters or fewer"),
        ],
        widget=GovCharacterCount(),
    )


class BallotForm(FlaskForm):
    choice = RadioField(
        "How do you vote?",
        choices=[SelectChoice(choice.value, choice.label) for choice in Choice],
        validators=[InputRequired("Select approve, decline or abstain")],
        widget=GovRadioInput(hints=CHOICE_HINTS),
    )
    comment = TextAreaField(
        "Comment (optional)",
        description="The trust office and the other trustees see it; the applicant does not.",
        validators=[Optional(), Length(max=2000, message="Your comment must be 2,000 characters or fewer")],
        widget=GovCharacterCount(),
    )


class CastingVoteForm(FlaskForm):
    casting_choice = RadioField(
        "Your casting vote",
        choices=[
            SelectChoice(choice.value, choice.label) for choice in (Choice.APPROVE, Choice.DECLINE)
        ],
        validators=[InputRequired("Select approve or decline")],
        widget=GovRadioInput(),
    )


class DeferForm(FlaskForm):
    reasons = TextAreaField(
        "Why is it being deferred?",
        description="The application goes back to the trust office for review.",
        validators=[
            DataRequired("Enter why the application is being deferred"),
            Length(max=2000, message="The reasons must be 2,000 characters or fewer"),
        ],
        widget=GovCharacterCount(),
    )


class CloseForm(FlaskForm):
    """A POST-only button."""


class InterestForm(FlaskForm):
    organisation_name = StringField(
        "Organisation",
        description="Its name as it would appear on an application.",
        validators=[
            DataRequired("Enter the organisation's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
        widget=GovTextInput(),
    )
    connection = StringField(
        "How you are connected (optional)",
        description="For example, trustee, employee, or a close relative works there.",
        validators=[Optional(), Length(max=500, message="Your connection must be 500 characters or fewer")],
        widget=GovTextInput(),
    )


def _meeting_date(label: str, days_from_today: int) -> DateField:
    return DateField(
        label,
        format="%d %m %Y",
        description=DateHint(days_from_today),
        widget=GovDateInput(),
        validators=[InputRequired("Enter the date of the meeting")],
    )


class AttendanceForm(FlaskForm):
    """Who attended a meeting, and its minutes; the trustees' choices are set by the view."""

    present = SelectMultipleField(
        "Trustees present", coerce=int, widget=GovCheckboxesInput(),
        validators=[InputRequired("Select the trustees present")],
    )
    apologies = SelectMultipleField("Apologies", coerce=int, widget=GovCheckboxesInput(), validators=[Optional()])
    minutes = TextAreaField(
        "Minutes",
        validators=[Optional(), Length(max=20000, message="The minutes must be 20,000 characters or fewer")],
        widget=GovCharacterCount(),
    )

    def set_trustees(self, trustees) -> None:
        people = [(t.id, t.name + (" (chair)" if t.is_chair else "")) for t in trustees]
        self.present.choices = people
        self.apologies.choices = people

    def validate_apologies(self, field) -> None:
        if set(field.data or []) & set(self.present.data or []):
            raise ValidationError("A trustee is either present or sent apologies, not both")


class MeetingForm(AttendanceForm):
    """A board meeting recorded after it was held; the applications' choices are set by the view."""

    held_on = _meeting_date("Date of the meeting", -7)
    applications = SelectMultipleField(
        "Applications considered", coerce=int, widget=GovCheckboxesInput(),
        validators=[InputRequired("Select the applications the meeting considered")],
    )


class ScheduleMeetingForm(FlaskForm):
    """A board meeting to come, whose agenda the office fills as it puts applications to the trustees."""

    held_on = _meeting_date("When is the meeting?", 28)

    def validate_held_on(self, field) -> None:
        if field.data is not None and field.data < london_today():
            raise ValidationError("The meeting's date must be today or in the future")


def _count(label: str, message: str) -> IntegerField:
    return IntegerField(
        label,
        widget=GovTextInput(),
        validators=[InputRequired(message), NumberRange(min=0, message=f"{label} must be 0 or more")],
    )


class ResolutionForm(FlaskForm):
    """The counts on one item; a conflict field per trustee present is added by :func:`resolution_form`."""

    approve = _count("For", "Enter how many voted for")
    decline = _count("Against", "Enter how many voted against")
    abstain = _count("Abstaining", "Enter how many abstained")
    casting = RadioField(
        "The chair's casting vote, on a tie",
        choices=[SelectChoice("", "None"), SelectChoice("approve", "Approve"), SelectChoice("decline", "Decline")],
        default="",
        validators=[Optional()],
        widget=GovRadioInput(),
    )
    minute = TextAreaField(
        "Minute (optional)",
        validators=[Optional(), Length(max=5000, message="The minute must be 5,000 characters or fewer")],
        widget=GovCharacterCount(),
    )


def resolution_form(trustees, **kwargs) -> ResolutionForm:
    """The resolution form with one optional "conflict of interest" field per trustee present."""

    class Form(ResolutionForm):
        pass

    for trustee in trustees:
        setattr(
            Form,
            f"conflict_{trustee.id}",
            StringField(
                f"{trustee.name}: conflict of interest (leave empty if none)",
                validators=[Optional(), Length(max=1000, message="A conflict must be 1,000 characters or fewer")],
                widget=GovTextInput(),
            ),
        )
    form = Form(**kwargs)
    form.conflict_fields = [form[f"conflict_{trustee.id}"] for trustee in trustees]
    return form

"""The trustees' forms: a conflict, a ballot, the casting vote, closing and deferral.

The fields' names differ between forms, as several share the vote page; the
buttons are in the templates.
"""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .rule import Choice

CHOICE_LABELS = {
    Choice.APPROVE: "Approve",
    Choice.DECLINE: "Decline",
    Choice.ABSTAIN: "Abstain",
}


class ConflictForm(FlaskForm):
    reason = TextAreaField(
        "Your conflict of interest",
        description="For example, you work for the organisation or a close relative does.",
        validators=[
            DataRequired("Enter your conflict of interest"),
            Length(max=1000, message="Your conflict of interest must be 1,000 characters or fewer"),
        ],
        widget=GovCharacterCount(),
    )


class BallotForm(FlaskForm):
    choice = RadioField(
        "How do you vote?",
        choices=[SelectChoice(choice.value, CHOICE_LABELS[choice]) for choice in Choice],
        validators=[InputRequired("Select approve, decline or abstain")],
        widget=GovRadioInput(),
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
            SelectChoice(choice.value, CHOICE_LABELS[choice]) for choice in (Choice.APPROVE, Choice.DECLINE)
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

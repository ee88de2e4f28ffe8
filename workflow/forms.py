"""The forms every area shares: a button that posts, and a message between the office and an applicant."""

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from .widgets import GovSubmitInput, GovTextArea


def strip(value):
    """A WTForms filter: the text without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


class EmptyForm(FlaskForm):
    """A POST-only button, covered by CSRF."""


class MessageForm(FlaskForm):
    """One message; each page labels it for whom it is sent to."""

    body = TextAreaField(
        "Your message",
        filters=[strip],
        validators=[DataRequired("Enter a message"), Length(max=5000, message="Message must be 5,000 characters or fewer")],
        widget=GovTextArea(),
    )
    submit = SubmitField("Send message", widget=GovSubmitInput())

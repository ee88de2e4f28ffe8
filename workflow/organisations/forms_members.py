"""The form to invite a colleague."""

from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from ..widgets import GovEmailInput, GovSubmitInput


class InviteForm(FlaskForm):
    email = EmailField(
        "Your colleague's email address",
        widget=GovEmailInput(autocomplete="off"),
        validators=[
            InputRequired("Enter your colleague's email address"),
            Email("Enter an email address in the correct format, like name@example.org"),
            Length(max=254),
        ],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

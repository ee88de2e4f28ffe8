"""Sign-in and registration forms."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from .operations import email_taken


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(), validators=[InputRequired("Enter your email address")])
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class RegisterForm(FlaskForm):
    name = StringField("Your full name", widget=GovTextInput(), validators=[InputRequired("Enter your full name"), Length(max=200)])
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter your email address"),
            Email("Enter an email address in the correct format, like name@example.org"),
            Length(max=254),
        ],
    )
    organisation_name = StringField(
        "Name of your organisation",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the name of your organisation"), Length(max=200)],
    )
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        description="At least 12 characters.",
        validators=[
            InputRequired("Enter a password"),
            Length(min=12, max=200, message="Password must be between 12 and 200 characters"),
        ],
    )
    confirm = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"), EqualTo("password", "Passwords must match")],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def validate_email(self, field):
        if email_taken(field.data or ""):
            raise ValidationError("An account with this email address already exists: sign in instead")

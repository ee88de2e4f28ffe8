"""Sign-in and registration forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from .operations import email_taken


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in")


class RegisterForm(FlaskForm):
    name = StringField("Your full name", validators=[InputRequired("Enter your full name"), Length(max=200)])
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter your email address"),
            Email("Enter an email address in the correct format, like name@example.org"),
            Length(max=254),
        ],
    )
    organisation_name = StringField(
        "Name of your organisation",
        validators=[InputRequired("Enter the name of your organisation"), Length(max=200)],
    )
    password = PasswordField(
        "Create a password",
        description="At least 12 characters.",
        validators=[
            InputRequired("Enter a password"),
            Length(min=12, max=200, message="Password must be between 12 and 200 characters"),
        ],
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[InputRequired("Confirm your password"), EqualTo("password", "Passwords must match")],
    )
    submit = SubmitField("Create account")

    def validate_email(self, field):
        if email_taken(field.data or ""):
            raise ValidationError("An account with this email address already exists: sign in instead")

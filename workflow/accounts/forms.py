"""Sign-in, registration and account forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from ..widgets import (
    GovEmailInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from .passwords import MAX_LENGTH, password_problem

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def _email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        widget=GovEmailInput(),
        validators=[InputRequired("Enter your email address"), Email(EMAIL_FORMAT), Length(max=254)],
    )


def new_password(label: str = "Create a password") -> PasswordField:
    """A new password's box; forms with one check it by `PolicyMixin`, the one password policy."""
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description="At least 12 characters. A few unrelated words make a strong password that is easy to remember.",
        validators=[InputRequired("Enter a password"), Length(max=MAX_LENGTH)],
    )


def _confirm() -> PasswordField:
    return PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"), EqualTo("password", "Passwords must match")],
    )


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovEmailInput(), validators=[InputRequired("Enter your email address")])
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SignInLinkForm(FlaskForm):
    """Ask for a single-use link to sign in, when the password is paused for the account."""

    email = _email_field()
    submit = SubmitField("Email me a link to sign in", widget=GovSubmitInput())


class PolicyMixin:
    """Checks the new password against the policy, knowing the person's email and name."""

    def policy_context(self) -> dict:
        return {}

    def validate_password(self, field):
        problem = password_problem(field.data or "", **self.policy_context())
        if problem:
            raise ValidationError(problem)


class RegisterForm(PolicyMixin, FlaskForm):
    name = StringField("Your full name", widget=GovTextInput(), validators=[InputRequired("Enter your full name"), Length(max=200)])
    email = _email_field()
    organisation_name = StringField(
        "Name of your organisation",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the name of your organisation"), Length(max=200)],
    )
    password = new_password()
    confirm = _confirm()
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def policy_context(self) -> dict:
        return {"email": self.email.data or "", "name": self.name.data or ""}


class InvitedRegisterForm(PolicyMixin, FlaskForm):
    """An account for someone invited: the email address is the invitation's."""

    name = StringField("Your full name", widget=GovTextInput(), validators=[InputRequired("Enter your full name"), Length(max=200)])
    password = new_password()
    confirm = _confirm()
    submit = SubmitField("Create account and join", widget=GovSubmitInput())

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.invited_email = email

    def policy_context(self) -> dict:
        return {"email": self.invited_email, "name": self.name.data or ""}


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="The 6-digit code from your authenticator app, or one of your recovery codes.",
        validators=[InputRequired("Enter the code from your authenticator app"), Length(max=20)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EnrolForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="The 6-digit code your app shows for Consort.",
        validators=[InputRequired("Enter the 6-digit code from your authenticator app"), Length(max=20)],
    )
    submit = SubmitField("Turn on two-factor sign-in", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = _email_field()
    submit = SubmitField("Send the link", widget=GovSubmitInput())


class ResetPasswordForm(PolicyMixin, FlaskForm):
    """A new password for this user (by a reset link, or subclassed for a change or an invitation)."""

    password = new_password("New password")
    confirm = _confirm()
    submit = SubmitField("Set the new password", widget=GovSubmitInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def policy_context(self) -> dict:
        return {"email": self.user.email, "name": self.user.name} if self.user else {}


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[InputRequired("Enter your current password")]
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = _email_field("New email address")
    submit = SubmitField("Send a link to the new address", widget=GovSubmitInput())


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    submit = SubmitField("Continue", widget=GovSubmitInput())

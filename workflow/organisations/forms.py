"""The organisation profile form, with the UK formats its numbers and postcode follow."""

import re
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, Length, Optional, ValidationError

from ..applications.forms import ChoiceField, Required, RequiredIf, as_choices
from ..widgets import GovEmailInput, GovSubmitInput, GovTextArea, GovTextInput
from .models import ORGANISATION_TYPE_LABELS, OrganisationType

POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2})$")
CHARITY_NUMBER = re.compile(r"^\d{6,8}$")
COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")
PHONE = re.compile(r"^(\+44|0044|0)\d{9,10}$")


def normalise_postcode(value: str | None) -> str:
    """Upper case with one space before the last three characters: 'nn16 8aa' -> 'NN16 8AA'."""
    compact = re.sub(r"\s+", "", value or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def is_postcode(value: str | None) -> bool:
    return bool(POSTCODE.match(re.sub(r"\s+", "", value or "").upper()))


def normalise_number(value: str | None) -> str:
    """A charity or company number without spaces, in upper case."""
    return re.sub(r"\s+", "", value or "").upper()


def normalise_phone(value: str | None) -> str:
    """Digits (and a leading +) only; '+44 (0)7700 900982' -> '+447700900982'."""
    compact = re.sub(r"[\s\-().]", "", value or "")
    return re.sub(r"^(\+44|0044)0", r"\1", compact)


def normalise_website(value: str | None) -> str:
    """A web address with its scheme: 'www.example.org' -> 'https://www.example.org'."""
    value = (value or "").strip()
    if value and "://" not in value:
        value = f"https://{value}"
    return value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ProfileForm(FlaskForm):
    """What the organisation's profile holds; it fills section 1 of every application."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [_strip, *unbound_field.kwargs.get("filters", [])]
            return unbound_field.bind(form=form, filters=filters, **options)

    name = StringField(
        "Legal name of the organisation",
        description="As registered, if your organisation is registered.",
        widget=GovTextInput(),
        validators=[Required("Enter the legal name of your organisation"), Length(max=200)],
    )
    organisation_type = ChoiceField(
        "What type of organisation is it?",
        choices=as_choices((kind.value, ORGANISATION_TYPE_LABELS[kind]) for kind in OrganisationType),
        validators=[Required("Select the type of organisation")],
    )
    type_other = StringField(
        "Say what type of organisation it is",
        widget=GovTextInput(),
        validators=[RequiredIf("organisation_type", "other", "Say what type of organisation it is"), Length(max=200)],
    )
    charity_number = StringField(
        "Registered charity number",
        description="6 to 8 digits. Needed for registered charities and CIOs.",
        widget=GovTextInput(),
        validators=[Length(max=20)],
    )
    company_number = StringField(
        "Company number",
        description="8 characters, for example 01234567 or SC123456. Needed for CICs and companies limited by guarantee.",
        widget=GovTextInput(),
        validators=[Length(max=20)],
    )
    address = TextAreaField(
        "Address",
        description="Building and street.",
        widget=GovTextArea(),
        validators=[Required("Enter the first line of your organisation's address"), Length(max=500)],
    )
    town = StringField(
        "Town or city", widget=GovTextInput(),
        validators=[Required("Enter the town or city"), Length(max=100)],
    )
    postcode = StringField(
        "Postcode", widget=GovTextInput(),
        validators=[Required("Enter the postcode"), Length(max=10)],
    )
    website = StringField(
        "Website (optional)", widget=GovTextInput(),
        validators=[Optional(), Length(max=300)],
    )
    contact_name = StringField(
        "Full name", widget=GovTextInput(),
        validators=[Required("Enter the main contact's full name"), Length(max=200)],
    )
    contact_role = StringField(
        "Role in the organisation", description="For example, director or secretary.", widget=GovTextInput(),
        validators=[Required("Enter the main contact's role in the organisation"), Length(max=200)],
    )
    contact_email = EmailField(
        "Email address", widget=GovEmailInput(),
        validators=[
            Required("Enter the main contact's email address"),
            Email("Enter an email address in the correct format, like name@example.org"),
            Length(max=254),
        ],
    )
    contact_phone = StringField(
        "Phone number", description="For example, 01632 960 001 or 07700 900 982.", widget=GovTextInput(),
        validators=[Required("Enter the main contact's phone number"), Length(max=40)],
    )
    safeguarding_lead = StringField(
        "Safeguarding lead",
        description="The full name of the person responsible for safeguarding in your organisation.",
        widget=GovTextInput(),
        validators=[Required("Enter the name of your safeguarding lead"), Length(max=200)],
    )
    submit = SubmitField("Save profile", widget=GovSubmitInput())

    def _kind(self) -> OrganisationType | None:
        try:
            return OrganisationType(self.organisation_type.data)
        except ValueError:
            return None

    def validate_charity_number(self, field):
        kind = self._kind()
        if not field.data:
            if kind and kind.needs_charity_number:
                raise ValidationError(f"Enter the registered charity number: a {kind.label.lower()} has one")
            return
        if not CHARITY_NUMBER.match(normalise_number(field.data)):
            raise ValidationError("Charity number must be 6 to 8 digits, like 1234567")

    def validate_company_number(self, field):
        kind = self._kind()
        if not field.data:
            if kind and kind.needs_company_number:
                raise ValidationError("Enter the company number: a company or CIC has one")
            return
        if not COMPANY_NUMBER.match(normalise_number(field.data)):
            raise ValidationError("Company number must be 8 characters, like 01234567 or SC123456")

    def validate_postcode(self, field):
        if not is_postcode(field.data):
            raise ValidationError("Enter a real UK postcode, like NN16 8AA")

    def validate_website(self, field):
        address = normalise_website(field.data)
        parts = urlsplit(address)
        if parts.scheme not in {"http", "https"} or "." not in parts.netloc or " " in address:
            raise ValidationError("Enter a web address in the correct format, like https://www.example.org")

    def validate_contact_phone(self, field):
        if not PHONE.match(normalise_phone(field.data)):
            raise ValidationError("Enter a UK phone number, like 01632 960 001 or 07700 900 982")

    def profile_data(self) -> dict:
        """The cleaned answers, as `update_profile` takes them."""
        data = {name: self[name].data or "" for name in (
            "name", "organisation_type", "type_other", "charity_number", "company_number", "address",
            "town", "website", "contact_name", "contact_role", "contact_email", "contact_phone",
            "safeguarding_lead",
        )}
        data["postcode"] = normalise_postcode(self.postcode.data)
        data["charity_number"] = normalise_number(self.charity_number.data)
        data["company_number"] = normalise_number(self.company_number.data)
        data["website"] = normalise_website(self.website.data)
        data["contact_email"] = data["contact_email"].lower()
        return data

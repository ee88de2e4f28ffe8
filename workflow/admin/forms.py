"""Forms for the administration pages."""


from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..accounts.forms import ResetPasswordForm, new_password
from ..accounts.models import Role
from ..applications.forms import as_choices
from ..hubs.images import MAX_IMAGE_BYTES, ImageRefused, checked_image
from ..hubs.operations import SLUG_PATTERN, prefix_taken, slug_for, slug_taken
from ..votes.rule import Majority, parse_quorum
from ..widgets import (
    GovCheckboxInput,
    GovCheckboxesInput,
    GovDateInput,
    GovEmailInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from ..words import DateHint
from .operations import ROLE_LABELS

ROLE_CHOICES = as_choices((role.value, ROLE_LABELS[role]) for role in (Role.OFFICER, Role.ADMIN, Role.TRUSTEE, Role.CHAIR))
MAJORITY_CHOICES = as_choices([
    (Majority.SIMPLE.value, "Simple majority (the chair has a casting vote on a tie)"),
    (Majority.TWO_THIRDS.value, "Two thirds of those voting for or against"),
    (Majority.UNANIMOUS.value, "Unanimous"),
])


def lines(text: str | None) -> list[str]:
    """Non-empty lines of a text box, without duplicates, in order."""
    seen: list[str] = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.strip() and line.strip() not in seen:
            seen.append(line.strip())
    return seen


def goal_blocks(text: str | None) -> list[tuple[str, str]]:
    """Goals typed as paragraphs: the first line is the goal, the rest its description."""
    goals = []
    for block in (text or "").replace("\r\n", "\n").split("\n\n"):
        rows = [row.strip() for row in block.strip().split("\n") if row.strip()]
        if rows and rows[0][:300] not in [title for title, _ in goals]:
            goals.append((rows[0][:300], " ".join(rows[1:])))
    return goals


def _area(label: str, description: str = "", rows: int = 5, required: str | None = None) -> TextAreaField:
    validators = [InputRequired(required)] if required else [Optional()]
    return TextAreaField(label, description=description, widget=GovTextArea(), validators=validators + [Length(max=20000)])


def _reference_prefix() -> StringField:
    return StringField(
        "Reference prefix",
        description="Capital letters, for example NMEH. It begins every new reference.",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter a reference prefix"),
            Regexp(r"^[A-Z]{2,12}$", message="Reference prefix must be 2 to 12 capital letters"),
        ],
    )


def stripped(value):
    """Typed text without the spaces around it (so spaces alone count as nothing typed)."""
    return value.strip() if isinstance(value, str) else value


class HubForm(FlaskForm):
    name = StringField(
        "Name of the hub", filters=[stripped], widget=GovTextInput(),
        validators=[DataRequired("Enter the hub's name"), Length(max=200)],
    )
    introduction = _area("Introduction", "Shown at the top of the hub's public page. Leave a blank line between paragraphs.", required="Enter an introduction")
    goals = _area(
        "Goals",
        "One goal per paragraph: the goal on the first line, its description on the lines below. Leave a blank line between goals.",
        required="Enter at least one goal",
    )
    commitments = _area("What partners commit to")
    how_to_apply = _area("How to apply")
    contact = _area("How to contact the trust office")
    districts = _area("Districts", "One district per line.", required="Enter at least one district")
    criteria = _area("Assessment criteria", "One criterion per line.", required="Enter at least one criterion")
    address = _area("Address on the letterhead", "One line of the address per line.")
    charity_number = StringField("Charity number", widget=GovTextInput(), validators=[Optional(), Length(max=20)])
    company_number = StringField("Company number", widget=GovTextInput(), validators=[Optional(), Length(max=20)])
    reference_prefix = _reference_prefix()
    partnership_term_years = IntegerField(
        "Partnership term, in years",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the partnership term in years"), NumberRange(1, 10, "Partnership term must be between 1 and 10 years")],
    )
    open_all_year = BooleanField("Applications are open all year (otherwise only during the rounds below)", widget=GovCheckboxInput())
    submit = SubmitField("Save the hub", widget=GovSubmitInput())

    def __init__(self, *args, hub_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub_id = hub_id

    def validate_goals(self, field):
        if not goal_blocks(field.data):
            raise ValidationError("Enter at least one goal")

    def validate_reference_prefix(self, field):
        if prefix_taken(field.data, other_than=self.hub_id):
            raise ValidationError(f"Another hub already uses the reference prefix {field.data}. Enter a different one")


class NewHubForm(FlaskForm):
    name = StringField(
        "Name of the hub", filters=[stripped], widget=GovTextInput(),
        validators=[DataRequired("Enter the hub's name"), Length(max=200)],
    )
    slug = StringField(
        "Web address",
        description="The end of the hub's public page address, /hubs/…: lower-case letters, numbers and hyphens, "
        "for example north-county. Leave it empty to make it from the name.",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=60, message="Web address must be 60 characters or fewer"),
            Regexp(SLUG_PATTERN, message="Web address must be lower-case letters, numbers and single hyphens between them"),
        ],
    )
    lead_organisation = StringField(
        "Lead organisation", description="The organisation that runs the hub and whose trustees decide.",
        filters=[stripped], widget=GovTextInput(),
        validators=[DataRequired("Enter the lead organisation"), Length(max=200)],
    )
    reference_prefix = _reference_prefix()
    submit = SubmitField("Add the hub", widget=GovSubmitInput())

    #: The web address the hub gets: as typed, else made from the name (set by validate).
    chosen_slug = ""

    def validate_reference_prefix(self, field):
        if prefix_taken(field.data):
            raise ValidationError(f"Another hub already uses the reference prefix {field.data}. Enter a different one")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        typed = (self.slug.data or "").strip()
        if self.slug.errors or not self.name.data:
            return False
        self.chosen_slug = typed or slug_for(self.name.data)
        if not self.chosen_slug:
            self.slug.errors.append("Enter a web address: the hub's name has no letters or numbers to make one from")
        elif slug_taken(self.chosen_slug):
            self.slug.errors.append(f"Another hub already has the web address /hubs/{self.chosen_slug}. Enter a different one")
        return valid and not self.slug.errors


class HubImageForm(FlaskForm):
    image = FileField(
        "Upload an image", description="A PNG, JPEG or SVG image, 1 MB or smaller.",
        widget=GovFileInput(), validators=[FileRequired("Select an image")],
    )
    submit = SubmitField("Upload the image", widget=GovSubmitInput())

    #: The checked bytes of the upload (set by validate_image).
    image_bytes = b""

    def validate_image(self, field):
        data = field.data.stream.read(MAX_IMAGE_BYTES + 1)
        try:
            checked_image(data)
        except ImageRefused as refusal:
            raise ValidationError(str(refusal)) from None
        self.image_bytes = data


class RoundForm(FlaskForm):
    name = StringField("Name of the round", description="For example, Spring 2027", widget=GovTextInput(), validators=[InputRequired("Enter a name for the round"), Length(max=100)])
    opens_on = DateField("Opening date", format="%d %m %Y", description=DateHint(30, "Applications open at the start of this day. "), widget=GovDateInput(), validators=[InputRequired("Enter the opening date")])
    closes_on = DateField("Closing date", format="%d %m %Y", description=DateHint(60, "Applications close at the end of this day. "), widget=GovDateInput(), validators=[InputRequired("Enter the closing date")])
    submit = SubmitField("Add the round", widget=GovSubmitInput())

    def validate_closes_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError("Closing date must be the same as or after the opening date")


class InviteForm(FlaskForm):
    name = StringField("Full name", widget=GovTextInput(), validators=[InputRequired("Enter their full name"), Length(max=200)])
    email = EmailField(
        "Email address", widget=GovEmailInput(autocomplete="off"),
        validators=[InputRequired("Enter their email address"), Email("Enter an email address in the correct format, like name@example.org"), Length(max=254)],
    )
    roles = SelectMultipleField("Roles", choices=ROLE_CHOICES, widget=GovCheckboxesInput(), validators=[InputRequired("Choose at least one role")])
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class RolesForm(FlaskForm):
    roles = SelectMultipleField("Roles", choices=ROLE_CHOICES, widget=GovCheckboxesInput(), validators=[InputRequired("Choose at least one role")])
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class SettingsForm(FlaskForm):
    vote_quorum = StringField(
        "Quorum",
        description="How many trustees must vote, abstentions included: a number (3) or a share of the board (1/2 or 50%).",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the quorum"), Length(max=10)],
    )
    vote_majority = RadioField("Majority needed to approve", choices=MAJORITY_CHOICES, widget=GovRadioInput(), validators=[InputRequired("Choose the majority needed")])
    vote_reminder_days = IntegerField(
        "Remind trustees this many days before a vote closes", widget=GovTextInput(),
        validators=[InputRequired("Enter the number of days"), NumberRange(0, 60, "Enter a number of days from 0 to 60")],
    )
    partnership_reminder_days = IntegerField(
        "Remind the trust office this many days before a partnership ends", widget=GovTextInput(),
        validators=[InputRequired("Enter the number of days"), NumberRange(1, 730, "Enter a number of days from 1 to 730")],
    )
    anonymise_after_days = IntegerField(
        "Anonymise declined and withdrawn applications after this many days", widget=GovTextInput(),
        validators=[InputRequired("Enter the number of days"), NumberRange(30, 3650, "Enter a number of days from 30 to 3650")],
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def validate_vote_quorum(self, field):
        try:
            parse_quorum(field.data)
        except ValueError:
            raise ValidationError("Enter the quorum as a number of trustees, like 3, or a share of the board, like 1/2 or 50%") from None


class SetPasswordForm(ResetPasswordForm):
    """An invited member of staff or the board sets their first password, under the one password policy."""

    password = new_password()
    submit = SubmitField("Set password", widget=GovSubmitInput())


def hub_values(form: HubForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "introduction": form.introduction.data or "",
        "commitments": form.commitments.data or "",
        "how_to_apply": form.how_to_apply.data or "",
        "contact": form.contact.data or "",
        "address": form.address.data or "",
        "charity_number": (form.charity_number.data or "").strip(),
        "company_number": (form.company_number.data or "").strip(),
        "reference_prefix": form.reference_prefix.data.strip(),
        "partnership_term_years": form.partnership_term_years.data,
        "open_all_year": bool(form.open_all_year.data),
    }


def hub_form_data(hub) -> dict:
    return {
        **{name: getattr(hub, name) for name in (
            "name", "introduction", "commitments", "how_to_apply", "contact", "address",
            "charity_number", "company_number", "reference_prefix", "partnership_term_years", "open_all_year",
        )},
        "goals": "\n\n".join(f"{g.title}\n{g.description}".strip() for g in hub.goals),
        "districts": "\n".join(d.name for d in hub.districts),
        "criteria": "\n".join(c.title for c in hub.criteria),
    }



"""The application form's sections as FlaskForms, and the fields and checks they share.

Section forms are built from saved answers or from a POST alike (both are form
data), so what was typed is shown back exactly, valid or not. Each section form
knows how to draw its own fields with the GOV.UK components (`rendered_fields`),
including "Other, say what" boxes revealed under the choice they belong to.
"""

import re
from datetime import date

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, Field, FileField, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from ..types import london, utcnow
from ..widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from ..words import DateHint

YES_NO = [("yes", "Yes"), ("no", "No")]
WORDS_PER_ANSWER = 300


# --- Checks and widgets shared by every form -------------------------------------


class GovConfirmInput(GovCheckboxInput):
    """A single checkbox that may sit under a question of its own (a fieldset legend)."""

    def map_gov_params(self, field, **kwargs):
        fieldset = kwargs.get("params", {}).get("fieldset")
        params = super().map_gov_params(field, **kwargs)
        if fieldset:
            params["fieldset"] = fieldset
        return params


def _question(text: str) -> dict:
    return {"fieldset": {"legend": {"text": text, "classes": "govuk-fieldset__legend--s"}}}



class Required:
    """An answer is needed: text that is not blank, a choice, a ticked box."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        value = field.data
        if isinstance(value, str):
            value = value.strip()
        if not value:
            raise StopValidation(self.message)


class RequiredIf:
    """Required when another field holds (or includes) a given value."""

    def __init__(self, other: str, value: str, message: str):
        self.other, self.value, self.message = other, value, message

    def __call__(self, form, field):
        chosen = form[self.other].data
        chosen = chosen if isinstance(chosen, list | tuple) else [chosen]
        if self.value in chosen and not (field.data or "").strip():
            raise StopValidation(self.message)


class WordLimit:
    """No more than `limit` words, counted as the live counter counts them."""

    def __init__(self, limit: int, name: str):
        self.limit, self.name = limit, name

    def __call__(self, form, field):
        if count_words(field.data) > self.limit:
            raise ValidationError(f"{self.name} must be {self.limit} words or fewer")


def count_words(text: str | None) -> int:
    return len((text or "").split())


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class _Pairs:
    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The choices as (value, label) pairs."""
        return [(choice.value, choice.label) for choice in self.choices]


class ChoiceField(_Pairs, RadioField):
    """Radios whose 'nothing chosen' error comes from `Required`, not a generic message."""

    widget = GovRadioInput()

    def pre_validate(self, form):
        if self.data and self.data not in {value for value, _ in self.pairs}:
            raise ValidationError("Select one of the options")


class CheckboxesField(_Pairs, SelectMultipleField):
    """Checkboxes; a stale or forged value gets a plain-words error."""

    widget = GovCheckboxesInput()

    def pre_validate(self, form):
        allowed = {value for value, _ in self.pairs}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError("Select from the options shown")


class DayMonthYearField(Field):
    """Day, month and year boxes; the parts are kept as typed, the date parsed if real."""

    widget = GovDateInput()

    def process_formdata(self, valuelist):
        parts = [str(value).strip() for value in valuelist][:3]
        self.raw_data = parts + [""] * (3 - len(parts))
        self.data = _parse_date(self.raw_data)

    def _value(self):
        return " ".join(self.raw_data or [])


def _parse_date(parts: list[str]) -> date | None:
    day, month, year = parts
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


class FutureDate:
    """A real date, after today (in the UK), with GOV.UK's messages for each slip."""

    def __init__(self, name: str, missing: str):
        self.name, self.missing = name, missing

    def __call__(self, form, field):
        day, month, year = field.raw_data or ["", "", ""]
        absent = [label for label, part in (("day", day), ("month", month), ("year", year)) if not part]
        if len(absent) == 3:
            raise StopValidation(self.missing)
        if absent:
            raise StopValidation(f"{self.name} must include a {' and '.join(absent)}")
        if year.isdigit() and len(year) != 4:
            raise StopValidation("Year must include 4 numbers")
        if field.data is None:
            raise StopValidation(f"{self.name} must be a real date")
        if field.data <= london(utcnow()).date():
            raise StopValidation(f"{self.name} must be in the future")


MONEY = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


def parse_pounds(text: str | None) -> float | None:
    """An amount typed as '1500', '£1,500' or '1500.50', or None if it is not one."""
    cleaned = (text or "").strip().lstrip("£").strip()
    if not MONEY.match(cleaned):
        return None
    return float(cleaned.replace(",", ""))


def pounds(text: str | None) -> str:
    """An amount as people read it: £1,500 or £1,500.50."""
    amount = parse_pounds(text)
    if amount is None:
        return text or ""
    return f"£{amount:,.0f}" if amount == int(amount) else f"£{amount:,.2f}"


# --- The base of every section form ---------------------------------------------


class SectionForm(FlaskForm):
    """A section of the application form.

    PARAMS: extra GOV.UK macro parameters per field (rows, word limits, classes).
    REVEALS: a field shown under one choice of another, as {child: (parent, value)}.
    """

    PARAMS: dict[str, dict] = {}
    REVEALS: dict[str, tuple[str, str]] = {}
    intro: str = ""

    class Meta:
        csrf = False  # CSRFProtect checks every POST before the view runs

    def answer_fields(self) -> list[Field]:
        """The fields whose answers are saved (every field but file uploads)."""
        return [field for field in self if not isinstance(field, FileField)]

    def file_fields(self) -> list[FileField]:
        return [field for field in self if isinstance(field, FileField)]

    @staticmethod
    def upload_name(field: FileField) -> str:
        """An upload as its error messages name it: "The safeguarding policy" for "Safeguarding policy (optional)"."""
        label = field.label.text.removesuffix(" (optional)")
        return f"The {label[:1].lower()}{label[1:]}"

    def field_params(self, field: Field) -> dict:
        """The field's GOV.UK parameters: each question in bold, then the section's own."""
        params = dict(self.PARAMS.get(field.name, {}))
        if isinstance(field, CheckboxesField | ChoiceField | DayMonthYearField):
            params.setdefault("fieldset", {"legend": {"text": field.label.text, "classes": "govuk-fieldset__legend--s"}})
        elif not isinstance(field, BooleanField) and field.name not in self.REVEALS:
            params.setdefault("label", {"text": field.label.text, "classes": "govuk-label--s"})
        if isinstance(field, CheckboxesField) and not field.description:
            params.setdefault("hint", {"text": "Select all that apply."})
        if isinstance(field, ChoiceField) and field.pairs == YES_NO:
            params.setdefault("classes", "govuk-radios--inline")
        return params

    def render_field(self, field: Field) -> Markup:
        """The field drawn with its GOV.UK component, with any revealed box inside."""
        params = self.field_params(field)
        revealed = {value: self[child] for child, (parent, value) in self.REVEALS.items() if parent == field.name}
        if revealed:
            params["items"] = [
                {"conditional": {"html": self.render_field(revealed[value])}} if value in revealed else {}
                for value, _ in field.pairs
            ]
        return field(params=params)

    def rendered_fields(self) -> list[Markup]:
        """Every top-level field of the section, in order, as HTML."""
        return [self.render_field(field) for field in self if field.name not in self.REVEALS]


def _words_params(limit: int = WORDS_PER_ANSWER, rows: int = 8) -> dict:
    return {"maxwords": limit, "rows": rows}


def _text(label: str, message: str, *, description: str = "", limit: int = WORDS_PER_ANSWER, name: str = "Your answer"):
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        validators=[Required(message), WordLimit(limit, name), Length(max=limit * 30)],
    )


def _other(label: str, parent: str, message: str) -> StringField:
    return StringField(
        label, widget=GovTextInput(), validators=[RequiredIf(parent, "other", message), Length(max=200)]
    )


# --- The sections (SPEC 3) ------------------------------------------------------

AGE_GROUPS = [("early_years", "Early years (under 5)"), ("5_to_18", "5 to 18"), ("adults", "Adults")]

GENRES = [
    ("classical", "Classical and orchestral"),
    ("jazz", "Jazz"),
    ("rock_pop", "Rock and pop"),
    ("folk", "Folk and traditional"),
    ("world", "World music (for example Asian, African, Caribbean)"),
    ("digital", "Digital, electronic and music technology"),
    ("singing", "Singing and choirs"),
    ("bands", "Brass, wind and steel bands"),
    ("songwriting", "Composition and songwriting"),
    ("sen", "Music for children with special educational needs"),
    ("other", "Other"),
]

SETTINGS = [
    ("schools", "Schools and academies"),
    ("special_schools", "Special schools and alternative provision"),
    ("early_years", "Nurseries and early years settings"),
    ("community", "Community venues"),
    ("online", "Online"),
    ("other", "Other"),
]

CORE_ROLES = [
    ("whole_class", "Whole-class ensemble teaching in schools"),
    ("progression", "Progression: lessons and ensembles beyond the classroom"),
    ("singing", "Singing for every child, in and out of school"),
    ("ensembles", "Ensembles and chances to perform"),
    ("partnerships", "Supporting schools and local partnerships"),
    ("inclusion", "Inclusion: reaching children who face barriers to music"),
]

EXTENSION_ROLES = [
    ("training", "Training and support for school staff and music teachers"),
    ("instruments", "Lending instruments and equipment"),
    ("events", "Large-scale events and performances for young people"),
    ("talent", "Pathways for young people with exceptional talent"),
    ("send", "Specialist music for children with special educational needs and disabilities"),
    ("early_years", "Music in the early years"),
]

CONTRIBUTIONS = [
    ("space", "Rehearsal, teaching or performance space"),
    ("tutor_time", "Tutor or practitioner time"),
    ("instruments", "Instruments or equipment"),
    ("training", "Training for others"),
    ("other", "Other"),
]


class OfferForm(SectionForm):
    intro = "Tell us what your organisation does and who it works with."
    PARAMS = {"description": _words_params(rows=10)}
    REVEALS = {"genres_other": ("genres", "other"), "settings_other": ("settings", "other")}

    description = _text(
        "Describe what your organisation offers",
        "Describe what your organisation offers",
        description="For example the activities you run, how often, and who takes part.",
        name="Description",
    )
    age_groups = CheckboxesField(
        "Which age groups do you work with?", choices=as_choices(AGE_GROUPS),
        validators=[Required("Select at least one age group")],
    )
    genres = CheckboxesField(
        "Which genres and activities do you offer?", choices=as_choices(GENRES),
        validators=[Required("Select at least one genre or activity")],
    )
    genres_other = _other("Other genres or activities", "genres", "Say which other genres or activities you offer")
    settings = CheckboxesField(
        "Where do you work?", choices=as_choices(SETTINGS),
        validators=[Required("Select at least one place you work")],
    )
    settings_other = _other("Other places", "settings", "Say where else you work")
    districts = CheckboxesField(
        "Which districts do you serve?", choices=[],
        validators=[Required("Select at least one district")],
    )


class GoalsForm(SectionForm):
    intro = "Partners commit to the hub's goals. Tell us which of them your work supports."
    PARAMS = {"how": _words_params()}

    goals = CheckboxesField(
        "Which of the hub's goals does your organisation support?", choices=[],
        validators=[Required("Select at least one of the hub's goals")],
    )
    how = _text(
        "How does your work support these goals?",
        "Say how your work supports the goals you selected",
        name="How your work supports the goals",
    )

    def __init__(self, *args, goal_hints: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal_hints = goal_hints or {}

    def field_params(self, field: Field) -> dict:
        params = super().field_params(field)
        if field.name == "goals":
            params["items"] = [
                {"hint": {"text": self.goal_hints[value]}} if self.goal_hints.get(value) else {}
                for value, _ in field.pairs
            ]
        return params


class NationalPlanForm(SectionForm):
    intro = (
        "The National Plan for Music Education gives hubs core roles and extension roles. "
        "Tell us which of them you could help to deliver."
    )

    core_roles = CheckboxesField("Core roles you could help to deliver", choices=as_choices(CORE_ROLES))
    extension_roles = CheckboxesField("Extension roles you could help to deliver", choices=as_choices(EXTENSION_ROLES))
    commissioning = ChoiceField(
        "Do you want to be considered when the hub commissions work for these roles?",
        choices=as_choices(YES_NO),
        description="Partners may be paid to deliver commissioned work. Being a partner itself is unpaid.",
        validators=[Required("Select yes if you want to be considered for commissioning")],
    )

    def validate_core_roles(self, field):
        if not field.data and not self.extension_roles.data:
            raise ValidationError("Select at least one core or extension role")


class ComplementarityForm(SectionForm):
    intro = "Partners add something the hub's existing partners do not already offer."
    PARAMS = {"complementarity": _words_params()}

    complementarity = _text(
        "How does your offer complement the hub's existing partners?",
        "Say how your offer complements the hub's existing partners",
        description="For example an age group, genre, district or group of young people that is not reached yet.",
        name="Your answer",
    )


class InKindForm(SectionForm):
    intro = "Partners do not pay to join the hub. Instead they contribute support in kind."
    PARAMS = {
        "in_kind_description": _words_params(limit=200, rows=6),
        "estimated_value": {"prefix": {"text": "£"}, "classes": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": False},
    }
    REVEALS = {"contributions_other": ("contributions", "other")}

    contributions = CheckboxesField(
        "What will you contribute?", choices=as_choices(CONTRIBUTIONS),
        validators=[Required("Select at least one thing you will contribute")],
    )
    contributions_other = _other("Other contribution", "contributions", "Say what else you will contribute")
    in_kind_description = _text(
        "Describe your contribution",
        "Describe what you will contribute",
        description="For example how many hours of tutor time a term, or which rooms and when.",
        limit=200,
        name="Description of your contribution",
    )
    estimated_value = StringField(
        "Estimated value each year (optional)",
        description="In pounds, for example 1500.",
        widget=GovTextInput(),
        validators=[Length(max=30)],
    )

    def validate_estimated_value(self, field):
        if (field.data or "").strip() and parse_pounds(field.data) is None:
            raise ValidationError("Estimated value must be an amount in pounds, like 1500 or 1,500.50")


DOCUMENT_HINT = "A PDF, Word (.docx) or OpenDocument (.odt) file, 10 MB or smaller."


class DocumentsForm(SectionForm):
    """Policies and documents. `documents` maps each upload field to its current Document."""

    intro = "Upload your policies. We check each file and keep it with your application."
    PARAMS = {"dbs_confirmed": _question("DBS checks")}
    REQUIRED_UPLOADS = {
        "safeguarding_policy": "Upload your safeguarding policy",
        "insurance_certificate": "Upload your public liability insurance certificate",
    }

    safeguarding_policy = FileField("Safeguarding policy", widget=GovFileInput())
    insurance_certificate = FileField("Public liability insurance certificate", widget=GovFileInput())
    insurance_expiry = DayMonthYearField(
        "When does your public liability insurance expire?",
        description=DateHint(365),
        validators=[FutureDate("Insurance expiry date", "Enter the date your public liability insurance expires")],
    )
    equality_policy = FileField("Equality policy (optional)", widget=GovFileInput())
    dbs_confirmed = BooleanField(
        "Everyone who works with children or vulnerable adults for us has an enhanced DBS check",
        widget=GovConfirmInput(),
        validators=[Required("Confirm that everyone who works with children has an enhanced DBS check")],
    )

    def __init__(self, *args, documents: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = documents or {}

    def field_params(self, field: Field) -> dict:
        params = super().field_params(field)
        if isinstance(field, FileField):
            current = self.documents.get(field.name)
            hint = escape(DOCUMENT_HINT)
            if current is not None:
                hint = Markup("You uploaded <strong>{}</strong>. Choose a new file only to replace it. {}").format(
                    current.filename, hint
                )
            params["hint"] = {"html": hint}
        return params

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, message in self.REQUIRED_UPLOADS.items():
            if name not in self.documents and not self[name].errors:
                self[name].errors = [message]
                valid = False
        return valid


class DeclarationsForm(SectionForm):
    intro = "Read the hub's partner commitments, then make these declarations."
    PARAMS = {
        "information_true": _question("Your information"),
        "agrees_commitments": _question("The partner commitments"),
    }

    information_true = BooleanField(
        "The information in this application is true and complete, as far as I know",
        widget=GovConfirmInput(),
        validators=[Required("Confirm that the information in this application is true")],
    )
    agrees_commitments = BooleanField(
        "We agree to the partner commitments: we will contribute in kind, pay no fee, "
        "and complement the hub's existing partners",
        widget=GovConfirmInput(),
        validators=[Required("Confirm that you agree to the partner commitments")],
    )
    directory_consent = ChoiceField(
        "If we approve your application, may we list your organisation in the public directory of partners?",
        choices=as_choices(YES_NO),
        description="The directory shows your organisation's name, type, website, districts, age groups and genres.",
        validators=[Required("Select yes if we may list your organisation in the public directory")],
    )


# --- Forms for the applicant's other actions ------------------------------------


class StartForm(FlaskForm):
    """Choose the hub (and, for people acting for several, the organisation) to apply to."""

    hub = ChoiceField("Which hub do you want to apply to?", choices=[], validators=[Required("Select a hub")])
    organisation = ChoiceField(
        "Which organisation is applying?", choices=[], validators=[Required("Select the organisation")]
    )


class RespondForm(FlaskForm):
    message = TextAreaField(
        "Your response to the trust office",
        description="Say what you have changed, or answer the trust office's questions.",
        widget=GovTextArea(),
        validators=[
            Required("Enter your response to the trust office"),
            Length(max=5000, message="Response must be 5,000 characters or fewer"),
        ],
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why are you withdrawing the application?",
        widget=GovTextArea(),
        validators=[
            Required("Say why you are withdrawing the application"),
            Length(max=2000, message="Reason must be 2,000 characters or fewer"),
        ],
    )

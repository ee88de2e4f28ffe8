"""The fields and checks the application form's questions share, and the applicant's other forms.

The sections themselves are data (each hub's form version); `questions.py` makes their
forms out of the fields here.
"""

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from ..widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


# --- Checks and widgets shared by every form -------------------------------------


class GovConfirmInput(GovCheckboxInput):
    """A single checkbox that may sit under a question of its own (a fieldset legend)."""

    def map_gov_params(self, field, **kwargs):
        fieldset = kwargs.get("params", {}).get("fieldset")
        params = super().map_gov_params(field, **kwargs)
        if fieldset:
            params["fieldset"] = fieldset
        return params


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

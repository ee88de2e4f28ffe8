"""A form section's questions as a WTForms form, drawn with the GOV.UK components.

Each section of a form version becomes a form class once per worker (`section_form`),
cached by the version's fingerprint; an instance is built from form data, saved
answers and posts alike, so what was typed is shown back exactly, valid or not.

A question shown only when an earlier answer in the same section holds is drawn
inside that answer's conditional reveal (the GOV.UK pattern) and checked only when
the answer holds; one that depends on another section is left out while its
condition does not hold. "Add another" groups follow the GOV.UK pattern without
script: each item is a fieldset, with buttons to add an item and to remove one.
"""

import re
from threading import Lock

from flask import render_template
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, Field, FieldList, FileField, Form, FormField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from ..hubs.definition import FILE_KINDS, Condition, Question, Section
from ..widgets import (
    GovCharacterCount,
    GovEmailInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
    draw,
)
from ..types import london, utcnow
from ..words import DateHint
from .forms import (
    YES_NO,
    CheckboxesField,
    ChoiceField,
    DayMonthYearField,
    GovConfirmInput,
    Required,
    RequiredIf,
    WordLimit,
    as_choices,
    parse_pounds,
)

FILE_NAMES = {"pdf": "PDF", "docx": "Word (.docx)", "odt": "OpenDocument (.odt)"}
PHONE = re.compile(r"^(\+44\s?|0)[\d\s()-]{9,16}$")
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBSITE = re.compile(r"^(https?://)?([a-z0-9-]+\.)+[a-z]{2,}(/\S*)?$", re.IGNORECASE)
ADDRESS_PARTS = ("Address line 1", "Address line 2 (optional)", "Town or city", "Postcode")


# --- Checks of the simple types ---------------------------------------------------


class Pattern:
    """Text that, if given, matches a pattern (after tidying), or the message."""

    def __init__(self, pattern: re.Pattern, message: str, tidy=str.strip):
        self.pattern, self.message, self.tidy = pattern, message, tidy

    def __call__(self, form, field):
        text = self.tidy(field.data or "")
        if text and not self.pattern.match(text):
            raise ValidationError(self.message)


class WholeNumber:
    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form, field):
        text = (field.data or "").strip().replace(",", "")
        if not text:
            return
        name = self.question.error_name or "Your answer"
        if not re.fullmatch(r"-?\d{1,13}", text):
            raise ValidationError(f"{name} must be a whole number, like 12")
        low, high = self.question.minimum, self.question.maximum
        if low is not None and int(text) < low:
            raise ValidationError(f"{name} must be {low:,} or more")
        if high is not None and int(text) > high:
            raise ValidationError(f"{name} must be {high:,} or less")


class Pounds:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, form, field):
        if (field.data or "").strip() and parse_pounds(field.data) is None:
            raise ValidationError(f"{self.name} must be an amount in pounds, like 1500 or 1,500.50")


class DateCheck:
    """A real date (after or before today where asked), with GOV.UK's message for each slip."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form, field):
        name = self.question.error_name or "The date"
        day, month, year = (list(field.raw_data or []) + ["", "", ""])[:3]
        absent = [label for label, part in (("day", day), ("month", month), ("year", year)) if not part]
        if len(absent) == 3:
            if self.question.required:
                raise StopValidation(self.question.required)
            return
        if absent:
            raise StopValidation(f"{name} must include a {' and '.join(absent)}")
        if year.isdigit() and len(year) != 4:
            raise StopValidation("Year must include 4 numbers")
        if field.data is None:
            raise StopValidation(f"{name} must be a real date")
        today = london(utcnow()).date()
        if self.question.when == "future" and field.data <= today:
            raise StopValidation(f"{name} must be in the future")
        if self.question.when == "past" and field.data > today:
            raise StopValidation(f"{name} must be today or in the past")


class AddressField(Field):
    """The GOV.UK address pattern: line 1, line 2, town and postcode, kept as typed."""

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question

    def process_formdata(self, valuelist):
        parts = [str(value).strip() for value in valuelist][:4]
        self.raw_data = parts + [""] * (4 - len(parts))
        self.data = self.raw_data

    def _value(self):
        return self.raw_data or ["", "", "", ""]

    def pre_validate(self, form):
        line_1, _, town, postcode = self.data or ["", "", "", ""]
        if not any(self.data or []):
            if self.question.required:
                raise StopValidation(self.question.required)
            return
        if not line_1:
            raise StopValidation("Enter address line 1, typically the building and street")
        if not town:
            raise StopValidation("Enter town or city")
        if not POSTCODE.match(postcode.upper().replace("  ", " ")):
            raise StopValidation("Enter a full UK postcode")

    def __call__(self, **kwargs):
        values = self._value()
        params = {
            "id": self.id, "name": self.name, "legend": self.label.text, "hint": self.description or "",
            "error": self.errors[0] if self.errors else "", "values": list(values), "parts": list(ADDRESS_PARTS),
        }
        return draw("applications/_address.html", params)


# --- One field per question -------------------------------------------------------


def _required(question: Question) -> list:
    return [Required(question.required)] if question.required else []


def _text_field(question: Question, label: str, validators: list, widget=None) -> StringField:
    return StringField(label, description=question.hint, widget=widget or GovTextInput(), validators=validators)


def _choice_hints(question: Question) -> dict[str, str]:
    return {choice.value: choice.hint for choice in question.choices if choice.hint}


def make_field(question: Question) -> Field:
    """The WTForms field that asks `question`."""
    kind, label, required = question.type, question.label, _required(question)
    if kind == "text":
        return _text_field(question, label, required + [Length(max=question.max_length, message=f"{question.error_name or 'Your answer'} must be {question.max_length:,} characters or fewer")])
    if kind == "long_text":
        return TextAreaField(
            label, description=question.hint, widget=GovCharacterCount(),
            validators=required + [WordLimit(question.words, question.error_name or "Your answer"), Length(max=question.words * 30)],
        )
    if kind == "number":
        return _text_field(question, label, required + [Length(max=20), WholeNumber(question)])
    if kind == "money":
        return _text_field(question, label, required + [Length(max=30), Pounds(question.error_name or "The amount")])
    if kind == "date":
        hint = DateHint(question.example_days, f"{question.hint} " if question.hint else "") if question.example_days else question.hint
        return DayMonthYearField(label, description=hint, validators=[DateCheck(question)])
    if kind == "yes_no":
        return ChoiceField(label, description=question.hint, choices=as_choices(YES_NO), validators=required)
    if kind == "choice" and question.widget == "select":
        return SelectChoiceField(label, description=question.hint, choices=[], validators=required)
    if kind == "choice":
        return ChoiceField(label, description=question.hint, choices=[], validators=required, widget=GovRadioInput(_choice_hints(question)))
    if kind == "choices":
        return CheckboxesField(label, description=question.hint, choices=[], validators=required)
    if kind == "email":
        return _text_field(question, label, required + [Length(max=254), Pattern(EMAIL, "Enter an email address in the correct format, like name@example.com")], GovEmailInput(autocomplete="off"))
    if kind == "phone":
        return _text_field(question, label, required + [Length(max=30), Pattern(PHONE, "Enter a UK telephone number, like 01632 960 001 or +44 808 157 0192")])
    if kind == "website":
        return _text_field(question, label, required + [Length(max=300), Pattern(WEBSITE, "Enter a website address in the correct format, like www.example.org")])
    if kind == "postcode":
        return _text_field(question, label, required + [Length(max=10), Pattern(POSTCODE, "Enter a full UK postcode, like NN1 1AA", lambda text: text.strip().upper())])
    if kind == "address":
        return AddressField(label, description=question.hint, question=question)
    if kind == "file":
        return FileField(label, description=question.hint, widget=GovFileInput())
    if kind == "declaration":
        return BooleanField(label, description=question.hint, widget=GovConfirmInput(), validators=required)
    if kind == "group":
        return FieldList(FormField(_item_form(question), label=question.item_name), label=label, min_entries=1, max_entries=question.maximum)
    raise ValueError(f"No field for questions of type {kind}")


class SelectChoiceField(ChoiceField):
    """One choice from a long list, as a GOV.UK select with a first, empty option."""

    widget = GovSelect()

    def iter_choices(self):
        yield ("", "Choose one", not self.data, {})
        yield from super().iter_choices()


class _ItemForm(Form):
    """The questions of one item of an "add another" group."""

    question: Question


def _item_form(question: Question) -> type[Form]:
    fields = {inner.key: make_field(inner) for inner in question.questions}
    return type(f"Item_{question.key}", (_ItemForm,), {"question": question, **fields})


# --- The form of one section ------------------------------------------------------


def holds(condition: Condition | None, answers: dict) -> bool:
    """Whether a condition holds for these answers (a list holds when it includes the value)."""
    if condition is None:
        return True
    value = answers.get(condition.question)
    if isinstance(value, list):
        return condition.equals in value
    return str(value or "") == condition.equals


def _field_params(question: Question) -> dict:
    """The GOV.UK parameters of a question's field: its label or legend in bold, then its type's own."""
    kind = question.type
    legend = {"legend": {"text": question.label, "classes": "govuk-fieldset__legend--s"}}
    if kind in ("choice", "choices", "yes_no", "date") and not (kind == "choice" and question.widget == "select"):
        params = {"fieldset": legend}
    elif kind == "declaration":
        params = {"fieldset": {"legend": {"text": question.legend, "classes": "govuk-fieldset__legend--s"}}} if question.legend else {}
    elif kind in ("group", "address"):
        params = {}
    else:
        params = {"label": {"text": question.label, "classes": "govuk-label--s"}}
    if kind == "choices" and not question.hint:
        params["hint"] = {"text": "Select all that apply."}
    if kind == "yes_no":
        params["classes"] = "govuk-radios--inline"
    if kind == "long_text":
        params.update({"maxwords": question.words, "rows": question.rows})
    if kind == "money":
        params.update({"prefix": {"text": "£"}, "classes": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": False})
    if kind == "number":
        params.update({"classes": "govuk-input--width-10", "inputmode": "numeric", "spellcheck": False})
    if kind == "phone":
        params.update({"type": "tel", "autocomplete": "off", "classes": "govuk-input--width-20"})
    if kind == "website":
        params.update({"spellcheck": False, "autocomplete": "url"})
    if kind == "postcode":
        params.update({"classes": "govuk-input--width-10", "autocomplete": "postal-code"})
    return params


class SectionForm(FlaskForm):
    """The form of one section; built by `section_form`, which sets `section` and the fields."""

    section: Section
    reveals: dict[str, tuple[str, str]] = {}  # a field shown under one choice of another: {child: (parent, value)}
    conditions: dict[str, Condition] = {}  # same-section conditions, by the field they hide
    _asked: dict[str, Question] = {}  # the section's questions, by key (no question key starts with "_")
    _own_choices: dict[str, list] = {}  # the choices of each choice question not drawn from the hub's lists

    class Meta:
        csrf = False  # CSRFProtect checks every POST before the view runs

    def __init__(self, formdata=None, *, hub=None, documents=None, known: dict | None = None, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.documents = documents or {}
        for question in self.section.questions:
            if question.shows_when and question.shows_when.question not in self._fields and not holds(question.shows_when, known or {}):
                for name in (question.key, question.other_key):
                    if name and name in self._fields:
                        del self[name]
        self._choices_from(hub)

    def _choices_from(self, hub) -> None:
        for question in self.section.questions:
            if question.type not in ("choice", "choices") or question.key not in self._fields:
                continue
            form_field = self[question.key]
            if question.choices_from == "goals":
                goals = hub.goals if hub else []
                form_field.choices = as_choices((goal.title, goal.title) for goal in goals)
                form_field.item_hints = {goal.title: goal.description for goal in goals if goal.description}
            elif question.choices_from == "districts":
                form_field.choices = as_choices((district.name, district.name) for district in (hub.districts if hub else []))
            else:
                form_field.choices = list(self._own_choices[question.key])

    @property
    def intro(self) -> str:
        return self.section.intro

    def question(self, name: str) -> Question | None:
        return self._asked.get(name)

    def answer_fields(self) -> list[Field]:
        """The fields whose answers are saved (every field but file uploads)."""
        return [field for field in self if not isinstance(field, FileField)]

    def file_fields(self) -> list[FileField]:
        return [field for field in self if isinstance(field, FileField)]

    def current_values(self) -> dict:
        return {name: form_field.data for name, form_field in self._fields.items()}

    def skipped(self) -> set[str]:
        """The fields not asked now: under a same-section condition that does not hold."""
        if not self.conditions:
            return set()
        values = self.current_values()
        skipped = {name for name, condition in self.conditions.items() if not holds(condition, values)}
        return skipped | {child for child, (parent, _) in self.reveals.items() if parent in skipped}

    @staticmethod
    def upload_name(field: FileField) -> str:
        """An upload as its error messages name it: "The safeguarding policy" for "Safeguarding policy (optional)"."""
        label = field.label.text.removesuffix(" (optional)")
        return f"The {label[:1].lower()}{label[1:]}"

    def validate(self, extra_validators=None) -> bool:
        skipped = self.skipped()
        valid = True
        for name, form_field in self._fields.items():
            if name in skipped:
                form_field.errors = []
            elif isinstance(form_field, FieldList):
                valid &= self._validate_group(form_field)
            elif not form_field.validate(self):
                valid = False
        return self._at_least_one(skipped) & self._uploads(skipped) & valid

    def _at_least_one(self, skipped: set[str]) -> bool:
        names = [name for name in self.section.at_least_one_of if name in self._fields and name not in skipped]
        if not names or any(_answered(self[name].data) for name in names):
            return True
        if not self[names[0]].errors:
            self[names[0]].errors = [self.section.at_least_one_message]
        return False

    def _validate_group(self, field: FieldList) -> bool:
        """Check each item answered (blank ones are not kept), then the number of items."""
        question = self.question(field.name)
        filled = [entry for entry in field.entries if _item_answered(entry)]
        items_valid = all([entry.validate(self) for entry in filled])
        if not items_valid:
            field.errors = [entry.errors if entry in filled else {} for entry in field.entries]
            return False
        wanted = max(question.minimum, 1 if question.required else 0)
        if len(filled) < wanted:
            field.errors = [question.required or f"Add at least {wanted} {question.item_name}"]
            return False
        field.errors = []
        return True

    def _uploads(self, skipped: set[str]) -> bool:
        valid = True
        for question in self.section.questions:
            if question.type == "file" and question.required and question.key in self._fields and question.key not in skipped:
                if question.key not in self.documents and not self[question.key].errors:
                    self[question.key].errors = [question.required]
                    valid = False
        return valid

    def show_errors(self, errors: dict) -> None:
        """Put saved errors back on their fields, those of group items included."""
        for name, messages in errors.items():
            if name not in self._fields:
                continue
            if messages and isinstance(messages[0], dict):
                for entry, entry_errors in zip(self[name].entries, messages, strict=False):
                    for inner, inner_messages in entry_errors.items():
                        entry.form[inner].errors = list(inner_messages)
            else:
                self[name].errors = list(messages)

    def field_params(self, field: Field) -> dict:
        question = self.question(field.name)
        if question is None:  # an "Other" box
            return {"label": {"text": field.label.text}}
        params = _field_params(question)
        hints = getattr(field, "item_hints", None) or (_choice_hints(question) if question.type == "choices" else None)
        if hints:
            params["items"] = [{"hint": {"text": hints[value]}} if hints.get(value) else {} for value, _ in field.pairs]
        if question.type == "file":
            params["hint"] = {"html": self._file_hint(question)}
        return params

    def _file_hint(self, question: Question) -> Markup:
        kinds = [FILE_NAMES[kind] for kind in question.kinds or FILE_KINDS]
        listed = kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"
        article = "An" if listed[0] in "AEIOU" else "A"
        hint = escape(f"{question.hint} " if question.hint else "") + escape(f"{article} {listed} file, {question.max_mb} MB or smaller.")
        current = self.documents.get(question.key)
        if current is not None:
            hint = Markup("You uploaded <strong>{}</strong>. Choose a new file only to replace it. {}").format(current.filename, hint)
        return hint

    def render_field(self, field: Field) -> Markup:
        """The field drawn with its GOV.UK component, with any revealed question inside."""
        if isinstance(field, FieldList):
            return self._render_group(field)
        params = self.field_params(field)
        revealed: dict[str, list] = {}
        for child, (parent, value) in self.reveals.items():
            if parent == field.name and child in self._fields:
                revealed.setdefault(value, []).append(self[child])
        if revealed:
            items = params.get("items") or [{} for _ in field.pairs]
            if isinstance(field, BooleanField):
                items = [{}]
                pairs = [("y", "")]
            else:
                pairs = field.pairs
            params["items"] = [
                {**item, "conditional": {"html": Markup("").join(self.render_field(child) for child in revealed[value])}}
                if value in revealed else item
                for item, (value, _) in zip(items, pairs, strict=False)
            ]
        return field(params=params)

    def _render_group(self, field: FieldList) -> Markup:
        question = self.question(field.name)
        items = []
        for n, entry in enumerate(field.entries, start=1):
            inner = [
                entry.form[part.key](params=_field_params(part)) for part in question.questions
            ]
            items.append({"number": n, "id": entry.id, "fields": inner})
        return Markup(render_template(
            "applications/_group.html", question=question, field=field, items=items,
            can_add=len(field.entries) < question.maximum,
        ))

    def rendered_fields(self) -> list[Markup]:
        """Every top-level field of the section, in order, as HTML."""
        return [self.render_field(field) for field in self if field.name not in self.reveals]


def _answered(value) -> bool:
    if isinstance(value, list):
        return any(_answered(item) for item in value)
    if isinstance(value, dict):
        return any(_answered(item) for item in value.values())
    return bool(str(value or "").strip()) and value is not False


def _item_answered(entry) -> bool:
    return any(_answered(entry.form[name].raw_data or entry.form[name].data) for name in entry.form._fields)


_classes: dict[tuple[str, str], type[SectionForm]] = {}
_lock = Lock()


def section_form(fingerprint: str, section: Section) -> type[SectionForm]:
    """The form class of a section of the form version with this fingerprint, made once per worker."""
    key = (fingerprint, section.key)
    made = _classes.get(key)
    if made is not None:
        return made
    fields, reveals, conditions = {}, {}, {}
    asked = {question.key: question for question in section.questions}
    for question in section.questions:
        fields[question.key] = make_field(question)
        if question.other:
            fields[question.other_key] = StringField(
                question.other.label, widget=GovTextInput(),
                validators=([RequiredIf(question.key, "other", question.other.required)] if question.other.required else []) + [Length(max=200)],
            )
            reveals[question.other_key] = (question.key, "other")
        condition = question.shows_when
        if condition and condition.question in asked:
            conditions[question.key] = condition
            parent = asked[condition.question]
            if parent.type in ("choices", "yes_no", "declaration") or (parent.type == "choice" and parent.widget != "select"):
                reveals[question.key] = (condition.question, condition.equals)
    own_choices = {
        question.key: as_choices((choice.value, choice.label) for choice in question.choices)
        for question in section.questions if question.type in ("choice", "choices") and not question.choices_from
    }
    made = type(
        f"Section_{section.key}", (SectionForm,),
        {"section": section, "reveals": reveals, "conditions": conditions, "_asked": asked, "_own_choices": own_choices, **fields},
    )
    with _lock:
        _classes.setdefault(key, made)
        if len(_classes) > 512:
            _classes.pop(next(iter(_classes)))
    return made

"""The application form's sections, in order, and what each one's answers say.

Answers are stored as they were typed: a string per field, a list for checkboxes
and for the day, month and year of a date, a document id for an upload. A form
is always built from answers the same way, whether they come from the database
or from a POST, so what someone typed is shown back to them unchanged.

Section 1 ("organisation") is never typed: it shows the organisation's profile
while the application can change, and a snapshot of it taken at submission.
"""

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FileField, TextAreaField

from ..organisations.models import ORGANISATION_TYPE_LABELS, OrganisationType
from ..organisations.operations import profile_errors
from .documents import human_size
from .forms import (
    CheckboxesField,
    ChoiceField,
    ComplementarityForm,
    DayMonthYearField,
    DeclarationsForm,
    DocumentsForm,
    GoalsForm,
    InKindForm,
    NationalPlanForm,
    OfferForm,
    SectionForm,
    as_choices,
    pounds,
)
from .lifecycle import State
from .models import Application, Document

ANSWER_MAX_CHARS = 20_000
OPTIONAL_PROFILE_ROWS = {"charity_number", "company_number", "website"}


@dataclass(frozen=True)
class Section:
    """One page of the application form."""

    key: str
    title: str
    form_class: type[SectionForm] | None  # None: filled from the organisation's profile
    hint: str = ""


SECTIONS: list[Section] = [
    Section("organisation", "Your organisation", None, "Filled in from your organisation's profile"),
    Section("offer", "What you offer", OfferForm),
    Section("goals", "Hub goals", GoalsForm),
    Section("national_plan", "National Plan roles", NationalPlanForm),
    Section("complementarity", "How you complement existing partners", ComplementarityForm),
    Section("in_kind", "In-kind contribution", InKindForm),
    Section("documents", "Policies and documents", DocumentsForm),
    Section("declarations", "Declarations", DeclarationsForm),
]
SECTION_KEYS = [section.key for section in SECTIONS]
_BY_KEY = {section.key: section for section in SECTIONS}

NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"
STATUS_LABELS = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", COMPLETED: "Completed"}
# Each status as the GOV.UK task list shows it: completed as text, the others as tags.
TASK_STATUSES = {
    NOT_STARTED: {"tag": {"text": STATUS_LABELS[NOT_STARTED], "classes": "govuk-tag--blue"}},
    IN_PROGRESS: {"tag": {"text": STATUS_LABELS[IN_PROGRESS], "classes": "govuk-tag--teal"}},
    COMPLETED: {"text": STATUS_LABELS[COMPLETED]},
}


def get_section(key: str) -> Section | None:
    return _BY_KEY.get(key)


# --- Answers and forms ----------------------------------------------------------


def to_formdata(answers: dict) -> MultiDict:
    """Saved answers as form data, to build a form from."""
    data = MultiDict()
    for name, value in (answers or {}).items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, "" if item is None else str(item))
    return data


def answers_from(form: SectionForm) -> dict:
    """What was typed into a form, as answers to store (uploads excluded)."""
    answers = {}
    for form_field in form.answer_fields():
        raw = [str(value)[:ANSWER_MAX_CHARS] for value in (form_field.raw_data or [])]
        if isinstance(form_field, CheckboxesField | DayMonthYearField):
            answers[form_field.name] = raw
        else:
            answers[form_field.name] = raw[0] if raw else ""
    return answers


def documents_of(application: Application, answers: dict) -> dict[str, Document]:
    """The documents the answers point at, by upload field."""
    by_id = {str(document.id): document for document in application.documents}
    return {
        name: by_id[str(answers[name])]
        for name in DocumentsForm.REQUIRED_UPLOADS.keys() | {"equality_policy"}
        if str(answers.get(name, "")) in by_id
    }


def build_form(application: Application, key: str, *, formdata=None, answers: dict | None = None) -> SectionForm:
    """The section's form for this application's hub, from form data or saved answers."""
    section = _BY_KEY[key]
    if formdata is None:
        answers = application.answers(key) if answers is None else answers
        formdata = to_formdata(answers)
    hub = application.hub
    kwargs = {}
    if section.form_class is GoalsForm:
        kwargs["goal_hints"] = {goal.title: goal.description for goal in hub.goals}
    if section.form_class is DocumentsForm:
        kwargs["documents"] = documents_of(application, answers if answers is not None else application.answers(key))
    form = section.form_class(formdata=formdata, **kwargs)
    if section.form_class is OfferForm:
        form.districts.choices = as_choices((district.name, district.name) for district in hub.districts)
    if section.form_class is GoalsForm:
        form.goals.choices = as_choices((goal.title, goal.title) for goal in hub.goals)
    return form


def answer_errors(application: Application, key: str, answers: dict | None = None) -> dict[str, list[str]]:
    """What is missing or wrong in a section's answers; empty when it is complete."""
    if key == "organisation":
        if shows_live_profile(application):
            return profile_errors(application.organisation)
        return {}
    form = build_form(application, key, answers=answers)
    form.validate()
    return {name: list(errors) for name, errors in form.errors.items()}


def section_status(application: Application, key: str) -> str:
    """Not started, in progress, or completed (its answers are all there and valid)."""
    if key != "organisation" and not any(_answered(value) for value in application.answers(key).values()):
        return NOT_STARTED
    return IN_PROGRESS if answer_errors(application, key) else COMPLETED


def _answered(value) -> bool:
    return any(str(item).strip() for item in value) if isinstance(value, list) else bool(str(value or "").strip())


def incomplete_sections(application: Application, keys: list[str] | None = None) -> list[Section]:
    """The sections (of `keys`, or all) not yet complete and valid."""
    return [
        _BY_KEY[key] for key in (keys or SECTION_KEYS)
        if key in _BY_KEY and section_status(application, key) != COMPLETED
    ]


# --- The organisation section ---------------------------------------------------


def shows_live_profile(application: Application) -> bool:
    """Whether section 1 still follows the profile (it can change), or is a snapshot."""
    if application.state is State.DRAFT:
        return True
    return application.state is State.INFO_REQUESTED and "organisation" in (application.reopened_sections or [])


def organisation_answers(application: Application) -> dict:
    if shows_live_profile(application) or not application.answers("organisation"):
        return application.organisation.profile()
    return application.answers("organisation")


def _organisation_rows(answers: dict) -> list["Row"]:
    try:
        kind = OrganisationType(answers.get("organisation_type") or "")
        kind_text = answers.get("type_other") if kind is OrganisationType.OTHER else ORGANISATION_TYPE_LABELS[kind]
    except ValueError:
        kind_text = ""
    address = [*(answers.get("address") or "").splitlines(), answers.get("town", ""), answers.get("postcode", "")]
    contact = [answers.get(name, "") for name in ("contact_name", "contact_role", "contact_email", "contact_phone")]
    rows = [
        Row("name", "Legal name", [answers.get("name", "")]),
        Row("organisation_type", "Type of organisation", [kind_text or ""]),
        Row("charity_number", "Registered charity number", [answers.get("charity_number", "")]),
        Row("company_number", "Company number", [answers.get("company_number", "")]),
        Row("address", "Address", address),
        Row("website", "Website", [answers.get("website", "")]),
        Row("contact_name", "Main contact", contact),
        Row("safeguarding_lead", "Safeguarding lead", [answers.get("safeguarding_lead", "")]),
    ]
    for row in rows:
        row.lines = [line.strip() for line in row.lines if line and line.strip()]
    return [row for row in rows if row.lines or row.name not in OPTIONAL_PROFILE_ROWS]


# --- What the answers say, for check-your-answers, the office and the trustees ---


@dataclass
class Row:
    """One question and its answer, as lines of text (and the document, for an upload)."""

    name: str
    label: str
    lines: list[str]
    document: Document | None = None
    bulleted: bool = False  # a list of choices, shown as a bulleted list


@dataclass
class SectionSummary:
    section: Section
    rows: list[Row] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title


def _answer_lines(form: SectionForm, form_field) -> list[str]:
    if isinstance(form_field, FileField):
        document = getattr(form, "documents", {}).get(form_field.name)
        return [f"{document.filename} ({human_size(document.size)})"] if document else []
    if isinstance(form_field, CheckboxesField):
        labels = dict(form_field.pairs)
        others = {parent: form[child].data for child, (parent, _) in form.REVEALS.items()}
        lines = []
        for value in form_field.data or []:
            if value == "other" and (others.get(form_field.name) or "").strip():
                lines.append(f"Other: {others[form_field.name].strip()}")
            else:
                lines.append(labels.get(value, value))
        return lines
    if isinstance(form_field, ChoiceField):
        return [dict(form_field.pairs).get(form_field.data, form_field.data)] if form_field.data else []
    if isinstance(form_field, BooleanField):
        return ["Yes" if form_field.data else "No"]
    if isinstance(form_field, DayMonthYearField):
        if form_field.data:
            return [form_field.data.strftime("%-d %B %Y")]
        return ["/".join(form_field.raw_data)] if any(form_field.raw_data or []) else []
    if form_field.name == "estimated_value":
        return [pounds(form_field.data)] if (form_field.data or "").strip() else []
    text = (form_field.data or "").replace("\r\n", "\n").strip()
    if isinstance(form_field, TextAreaField):
        return text.split("\n") if text else []
    return [text] if text else []


def section_rows(application: Application, key: str, answers: dict | None = None) -> list[Row]:
    """A section's questions and answers, from `answers` or what is saved."""
    if key == "organisation":
        return _organisation_rows(answers if answers is not None else organisation_answers(application))
    form = build_form(application, key, answers=answers)
    documents = getattr(form, "documents", {})
    return [
        Row(
            form_field.name,
            form_field.label.text,
            _answer_lines(form, form_field),
            documents.get(form_field.name),
            bulleted=isinstance(form_field, CheckboxesField),
        )
        for form_field in form
        if form_field.name not in form.REVEALS
    ]


def summaries(application: Application) -> list[SectionSummary]:
    """Every section with its questions and answers, in order."""
    return [SectionSummary(section, section_rows(application, section.key)) for section in SECTIONS]


@dataclass
class ListedDocument:
    """An upload as the trust office lists it: under its question, current or replaced."""

    document: Document
    question: str
    replaced: bool


def listed_documents(application: Application) -> list[ListedDocument]:
    """Every upload of the application, the files the answers use now first, each oldest first."""
    form = build_form(application, "documents")
    current = {document.id for document in form.documents.values()}
    questions = {form_field.name: form_field.label.text for form_field in form.file_fields()}
    listed = [
        ListedDocument(document, questions.get(document.kind, document.kind), document.id not in current)
        for document in application.documents
    ]
    return sorted(listed, key=lambda entry: entry.replaced)

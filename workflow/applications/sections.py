"""The application form's sections, as the application's form version asks them, and what each one's answers say.

Answers are stored as they were typed, by question key: a string per field, a list
for checkboxes, the parts of a date or an address, a list of items (each a dict of
its answers) for an "add another" group, a document id for an upload. A form is always
built from answers the same way, whether they come from the database or from a POST,
so what someone typed is shown back to them unchanged.

The organisation section is never typed: it shows the organisation's profile while
the application can change, and a snapshot of it taken at submission.
"""

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, FileField, TextAreaField

from ..hubs.definition import FormDefinition, Question, Section, definition_of
from ..hubs.models import FormVersion
from ..organisations.models import ORGANISATION_TYPE_LABELS, OrganisationType
from ..organisations.operations import profile_errors
from .documents import human_size
from .forms import CheckboxesField, ChoiceField, DayMonthYearField, pounds
from .lifecycle import State
from .models import Application, Document
from .questions import AddressField, SectionForm, holds, section_form

ANSWER_MAX_CHARS = 20_000
OPTIONAL_PROFILE_ROWS = {"charity_number", "company_number", "website"}

NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"
STATUS_LABELS = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", COMPLETED: "Completed"}
# Each status as the GOV.UK task list shows it: completed as text, the others as tags.
TASK_STATUSES = {
    NOT_STARTED: {"tag": {"text": STATUS_LABELS[NOT_STARTED], "classes": "govuk-tag--blue"}},
    IN_PROGRESS: {"tag": {"text": STATUS_LABELS[IN_PROGRESS], "classes": "govuk-tag--teal"}},
    COMPLETED: {"text": STATUS_LABELS[COMPLETED]},
}


def form_of(application: Application) -> FormDefinition:
    """The form the application answers: its version's, parsed once per worker."""
    return definition_of(application.form_version)


def all_answers(application: Application) -> dict:
    """Every saved answer of the application, by question key."""
    merged = {}
    for row in application.sections:
        merged.update(row.answers or {})
    return merged


def sections_of(application: Application) -> list[Section]:
    """The sections the application is asked now: those whose condition holds."""
    answers = all_answers(application)
    return [section for section in form_of(application).sections if holds(section.shows_when, answers)]


def get_section(application: Application, key: str) -> Section | None:
    """The section of this key, if the application is asked it now."""
    return next((section for section in sections_of(application) if section.key == key), None)


# --- Answers and forms ----------------------------------------------------------


def to_formdata(answers: dict) -> MultiDict:
    """Saved answers as form data, to build a form from ("add another" items as name-0-part)."""
    data = MultiDict()
    for name, value in (answers or {}).items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for n, item in enumerate(value):
                for part, inner in to_formdata(item).items(multi=True):
                    data.add(f"{name}-{n}-{part}", inner)
            continue
        for item in value if isinstance(value, list) else [value]:
            data.add(name, "" if item is None else str(item))
    return data


def _raw(form_field) -> str | list:
    raw = [str(value)[:ANSWER_MAX_CHARS] for value in (form_field.raw_data or [])]
    if isinstance(form_field, CheckboxesField | DayMonthYearField | AddressField):
        return raw
    return raw[0] if raw else ""


def answers_from(form: SectionForm) -> dict:
    """What was typed into a form, as answers to store (uploads excluded, blank items dropped)."""
    answers = {}
    for form_field in form.answer_fields():
        if isinstance(form_field, FieldList):
            items = [{name: _raw(part) for name, part in entry.form._fields.items()} for entry in form_field.entries]
            answers[form_field.name] = [item for item in items if _filled(item)]
        else:
            answers[form_field.name] = _raw(form_field)
    return answers


def _filled(value) -> bool:
    if isinstance(value, dict):
        return any(_filled(item) for item in value.values())
    return any(str(item).strip() for item in value) if isinstance(value, list) else bool(str(value or "").strip())


def file_questions(application: Application) -> list[Question]:
    return _file_questions(form_of(application))


def _file_questions(definition: FormDefinition) -> list[Question]:
    return [question for _, question in definition.questions() if question.type == "file"]


def _documents(application: Application, definition: FormDefinition, answers: dict) -> dict[str, Document]:
    """The documents the answers point at, by upload question (read only when some answer points at one)."""
    pointing = {
        question.key: str(answers[question.key]) for question in _file_questions(definition) if answers.get(question.key)
    }
    if not pointing:
        return {}
    by_id = {str(document.id): document for document in application.documents}
    return {key: by_id[value] for key, value in pointing.items() if value in by_id}


def documents_of(application: Application, answers: dict) -> dict[str, Document]:
    """The documents the answers point at, by upload question."""
    return _documents(application, form_of(application), answers)


def _form(application: Application, version: FormVersion, key: str, formdata, answers: dict, known: dict) -> SectionForm:
    """A section's form as `version` asks it, with the application's hub and files."""
    definition = definition_of(version)
    form_class = section_form(version.fingerprint, definition.section(key))
    documents = _documents(application, definition, answers)
    return form_class(formdata=formdata, hub=application.hub, documents=documents, known=known)


def build_form(application: Application, key: str, *, formdata=None, answers: dict | None = None) -> SectionForm:
    """The section's form for this application, from form data or saved answers."""
    answers = application.answers(key) if answers is None else answers
    formdata = to_formdata(answers) if formdata is None else formdata
    return _form(application, application.form_version, key, formdata, answers, all_answers(application))


def answer_errors(application: Application, key: str, answers: dict | None = None) -> dict[str, list]:
    """What is missing or wrong in a section's answers; empty when it is complete."""
    section = form_of(application).section(key)
    if section.is_organisation:
        if shows_live_profile(application):
            return profile_errors(application.organisation)
        return {}
    form = build_form(application, key, answers=answers)
    form.validate()
    return {name: list(errors) for name, errors in form.errors.items() if errors}


def section_status(application: Application, key: str) -> str:
    """Not started, in progress, or completed (its answers are all there and valid)."""
    section = form_of(application).section(key)
    if not section.is_organisation and not any(_filled(value) for value in application.answers(key).values()):
        return NOT_STARTED
    return IN_PROGRESS if answer_errors(application, section.key) else COMPLETED


def incomplete_sections(application: Application, keys: list[str] | None = None) -> list[Section]:
    """The sections asked now (of `keys`, or all) not yet complete and valid."""
    return [
        section for section in sections_of(application)
        if (keys is None or section.key in keys) and section_status(application, section.key) != COMPLETED
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


def _lines(form: SectionForm, form_field, question: Question | None) -> list[str]:
    """An answer as lines of text, in the words of the form version that asked it."""
    if isinstance(form_field, FileField):
        document = form.documents.get(form_field.name)
        return [f"{document.filename} ({human_size(document.size)})"] if document else []
    if isinstance(form_field, FieldList):
        return [_item_line(question, entry) for entry in form_field.entries if _filled(entry.form.data)]
    if isinstance(form_field, CheckboxesField):
        labels = dict(form_field.pairs)
        other = form[question.other_key].data if question and question.other_key in form._fields else ""
        lines = []
        for value in form_field.data or []:
            if value == "other" and (other or "").strip():
                lines.append(f"Other: {other.strip()}")
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
    if isinstance(form_field, AddressField):
        return [part for part in form_field.data or [] if part]
    if question is not None and question.type == "money":
        return [pounds(form_field.data)] if (form_field.data or "").strip() else []
    text = (form_field.data or "").replace("\r\n", "\n").strip()
    if isinstance(form_field, TextAreaField):
        return text.split("\n") if text else []
    return [text] if text else []


def _item_line(question: Question, entry) -> str:
    parts = []
    for inner in question.questions:
        lines = _lines(entry.form, entry.form[inner.key], inner)
        if lines:
            parts.append(f"{inner.label}: {', '.join(lines)}")
    return "; ".join(parts)


def section_rows(application: Application, key: str, answers: dict | None = None) -> list[Row]:
    """A section's questions and answers, from `answers` or what is saved, in its version's words."""
    if form_of(application).section(key).is_organisation:
        return _organisation_rows(answers if answers is not None else organisation_answers(application))
    return _rows(build_form(application, key, answers=answers))


def _rows(form: SectionForm) -> list[Row]:
    skipped = form.skipped()
    return [
        Row(
            form_field.name,
            form_field.label.text,
            _lines(form, form_field, form.question(form_field.name)),
            form.documents.get(form_field.name),
            bulleted=isinstance(form_field, CheckboxesField | FieldList),
        )
        for form_field in form
        if form_field.name not in form.reveals or form.question(form_field.name) is not None
        if form_field.name not in skipped
    ]


def summaries(application: Application) -> list[SectionSummary]:
    """Every section asked, with its questions and answers, in order."""
    return [SectionSummary(section, section_rows(application, section.key)) for section in sections_of(application)]


def summaries_as_sent(application: Application, version: FormVersion, answers: dict[str, dict]) -> list[SectionSummary]:
    """Every section `answers` were asked in `version`, in its words: the answers as a revision
    keeps them (by section key, the organisation's as the snapshot sent), whatever the
    application's own version or answers are now."""
    known = {name: value for section in answers.values() for name, value in (section or {}).items()}
    shown = []
    for section in definition_of(version).sections:
        if not holds(section.shows_when, known):
            continue
        given = dict(answers.get(section.key) or {})
        if section.is_organisation:
            rows = _organisation_rows(given)
        else:
            rows = _rows(_form(application, version, section.key, to_formdata(given), given, known))
        shown.append(SectionSummary(section, rows))
    return shown


@dataclass
class ListedDocument:
    """An upload as the trust office lists it: under its question, current or replaced."""

    document: Document
    question: str
    replaced: bool


def listed_documents(application: Application) -> list[ListedDocument]:
    """Every upload of the application, the files the answers use now first, each oldest first."""
    answers = all_answers(application)
    current = {document.id for document in documents_of(application, answers).values()}
    questions = {question.key: question.label for question in file_questions(application)}
    listed = [
        ListedDocument(document, questions.get(document.kind, document.kind), document.id not in current)
        for document in application.documents
    ]
    return sorted(listed, key=lambda entry: entry.replaced)

"""Forty questions: a section asked by the hub's form version (data), against a fixed form class.

One section of 40 questions of every simple kind (short and long text, whole number,
money, date, yes/no, radios, a select, checkboxes, email, phone, website, postcode, a
declaration; one select draws its choices from the hub's districts and one set of
checkboxes from its goals). The data-driven path is the applicant's own section page
and its save, for a draft whose form version has that section. The baseline is the
same 40 fields as a WTForms class written here, the way sections were before forms
became data: drawn with the same GOV.UK widgets (workflow/widgets.py) into the same
page (templates/applications/section.html), its answers kept as typed, validated as
the section's save validates them, and stored under the same version check, behind
the same sign-in and policy. Both run in one app through the Flask test client
(server time, no network), alternating, on SQLite and PostgreSQL.
"""

import re
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import create_engine, event, text, update
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from config import BASE_DIR, TestConfig
from workflow import create_app
from workflow.accounts.operations import register_applicant
from workflow.applications.forms import (
    YES_NO,
    CheckboxesField,
    ChoiceField,
    DayMonthYearField,
    GovConfirmInput,
    Required,
    WordLimit,
    as_choices,
    parse_pounds,
)
from workflow.applications.held import answered_by_mark
from workflow.applications.models import Application, ApplicationSection
from workflow.applications.operations import start_application
from workflow.extensions import db
from workflow.hubs.operations import load_hubs, read_configuration
from workflow.policy import SectionOf, authorize
from workflow.types import utcnow
from workflow.widgets import GovCharacterCount, GovEmailInput, GovRadioInput, GovSelect, GovTextInput

from .report import summary_ms

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_NAME = "consort_bench_forms"
ROUNDS, QUICK_ROUNDS = 200, 10
WARM_UP = 3
TARGET = 1.1  # the data-driven path no slower than 1.1 times the fixed form
SECTION_KEY, FIXED_KEY = "forty", "fixed"
TITLE = "Forty questions"

# The 40 questions' kinds, in order ("select" is a one-choice question drawn as a select).
KINDS = [
    "text", "long_text", "number", "money", "date", "yes_no", "choice", "select", "choices", "email",
    "text", "long_text", "yes_no", "choice", "choices", "phone", "website", "postcode", "text", "money",
    "date", "number", "long_text", "yes_no", "choice", "select", "choices", "text", "email", "money",
    "date", "long_text", "number", "yes_no", "choice", "choices", "text", "long_text", "text", "declaration",
]
CHOICES = [("first", "The first choice"), ("second", "The second choice"), ("third", "The third choice"), ("fourth", "The fourth choice")]
DISTRICTS_AT, GOALS_AT = 26, 9  # the select drawing the hub's districts, the checkboxes drawing its goals
WORDS, ROWS = 250, 6
PHONE = re.compile(r"^(\+44\s?|0)[\d\s()-]{9,16}$")
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBSITE = re.compile(r"^(https?://)?([a-z0-9-]+\.)+[a-z]{2,}(/\S*)?$", re.IGNORECASE)


def _key(n: int) -> str:
    return f"q{n:02d}"


def _label(n: int, kind: str) -> str:
    return f"Question {n}: {kind.replace('_', ' ')}"


def _hint(n: int) -> str:
    return f"A hint for question {n}." if n % 3 == 0 else ""


def _required(n: int) -> str:
    return f"Answer question {n}"


# --- The data-driven section: the form version's definition ---------------------


def _question(n: int, kind: str) -> dict:
    question = {"key": _key(n), "type": "choice" if kind == "select" else kind, "label": _label(n, kind), "required": _required(n)}
    if _hint(n):
        question["hint"] = _hint(n)
    if kind == "long_text":
        question.update(words=WORDS, rows=ROWS)
    if kind == "select":
        question["widget"] = "select"
    if n == DISTRICTS_AT:
        question["choices_from"] = "districts"
    elif n == GOALS_AT:
        question["choices_from"] = "goals"
    elif kind in ("choice", "select", "choices"):
        question["choices"] = [{"value": value, "label": label} for value, label in CHOICES]
    return question


FORM = {
    "title": "Forty questions",
    "sections": [
        {"key": "organisation", "type": "organisation", "title": "Your organisation"},
        {"key": SECTION_KEY, "title": TITLE, "questions": [_question(n, kind) for n, kind in enumerate(KINDS, start=1)]},
    ],
}


# --- The baseline: the same forty questions as a fixed WTForms class -------------


class Check:
    """Text that, if given, passes `test`, or the message."""

    def __init__(self, test, message: str):
        self.test, self.message = test, message

    def __call__(self, form, field):
        typed = (field.data or "").strip()
        if typed and not self.test(typed):
            raise ValidationError(self.message)


class RealDate:
    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        parts = list(field.raw_data or [])
        if not any(parts):
            raise StopValidation(self.message)
        if field.data is None:
            raise StopValidation("The date must be a real date")


class SelectField(ChoiceField):
    """One choice from a list, as a GOV.UK select with a first, empty option."""

    widget = GovSelect()

    def iter_choices(self):
        yield ("", "Choose one", not self.data, {})
        yield from super().iter_choices()


def _fixed_field(n: int, kind: str) -> Field:
    label, hint, needed = _label(n, kind), _hint(n), Required(_required(n))
    if kind == "text":
        return StringField(label, description=hint, widget=GovTextInput(), validators=[needed, Length(max=200)])
    if kind == "long_text":
        return TextAreaField(label, description=hint, widget=GovCharacterCount(), validators=[needed, WordLimit(WORDS, "Your answer"), Length(max=WORDS * 30)])
    if kind == "number":
        return StringField(label, description=hint, widget=GovTextInput(), validators=[needed, Length(max=20), Check(lambda t: re.fullmatch(r"-?\d{1,13}", t.replace(",", "")), "Your answer must be a whole number, like 12")])
    if kind == "money":
        return StringField(label, description=hint, widget=GovTextInput(), validators=[needed, Length(max=30), Check(lambda t: parse_pounds(t) is not None, "The amount must be an amount in pounds")])
    if kind == "date":
        return DayMonthYearField(label, description=hint, validators=[RealDate(_required(n))])
    if kind == "yes_no":
        return ChoiceField(label, description=hint, choices=as_choices(YES_NO), validators=[needed])
    if kind == "choice":
        return ChoiceField(label, description=hint, choices=as_choices(CHOICES), validators=[needed], widget=GovRadioInput())
    if kind == "select":
        return SelectField(label, description=hint, choices=[] if n == DISTRICTS_AT else as_choices(CHOICES), validators=[needed])
    if kind == "choices":
        return CheckboxesField(label, description=hint, choices=[] if n == GOALS_AT else as_choices(CHOICES), validators=[needed])
    if kind == "email":
        return StringField(label, description=hint, widget=GovEmailInput(autocomplete="off"), validators=[needed, Length(max=254), Check(EMAIL.match, "Enter an email address in the correct format")])
    if kind == "phone":
        return StringField(label, description=hint, widget=GovTextInput(), validators=[needed, Length(max=30), Check(PHONE.match, "Enter a UK telephone number")])
    if kind == "website":
        return StringField(label, description=hint, widget=GovTextInput(), validators=[needed, Length(max=300), Check(WEBSITE.match, "Enter a website address in the correct format")])
    if kind == "postcode":
        return StringField(label, description=hint, widget=GovTextInput(), validators=[needed, Length(max=10), Check(lambda t: POSTCODE.match(t.upper()), "Enter a full UK postcode")])
    return BooleanField(label, description=hint, widget=GovConfirmInput(), validators=[needed])


def _fixed_params(kind: str) -> dict:
    """A field's own GOV.UK parameters, besides its label or legend."""
    return {
        "long_text": {"maxwords": WORDS, "rows": ROWS},
        "number": {"classes": "govuk-input--width-10", "inputmode": "numeric", "spellcheck": False},
        "money": {"prefix": {"text": "£"}, "classes": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": False},
        "yes_no": {"classes": "govuk-radios--inline"},
        "phone": {"type": "tel", "autocomplete": "off", "classes": "govuk-input--width-20"},
        "website": {"spellcheck": False, "autocomplete": "url"},
        "postcode": {"classes": "govuk-input--width-10", "autocomplete": "postal-code"},
    }.get(kind, {})


class FixedForm(FlaskForm):
    """Sections as they were written before forms became data: fields, and PARAMS per field."""

    PARAMS = {_key(n): _fixed_params(kind) for n, kind in enumerate(KINDS, start=1)}
    intro = ""

    class Meta:
        csrf = False

    def __init__(self, formdata=None, *, goal_hints: dict[str, str] | None = None, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.goal_hints = goal_hints or {}

    def answer_fields(self) -> list[Field]:
        return list(self)

    def file_fields(self) -> list[Field]:
        return []

    def field_params(self, field: Field) -> dict:
        params = dict(self.PARAMS.get(field.name, {}))
        if isinstance(field, SelectField):
            params["label"] = {"text": field.label.text, "classes": "govuk-label--s"}
        elif isinstance(field, CheckboxesField | ChoiceField | DayMonthYearField):
            params["fieldset"] = {"legend": {"text": field.label.text, "classes": "govuk-fieldset__legend--s"}}
        elif not isinstance(field, BooleanField):
            params["label"] = {"text": field.label.text, "classes": "govuk-label--s"}
        if isinstance(field, CheckboxesField) and not field.description:
            params["hint"] = {"text": "Select all that apply."}
        if field.name == _key(GOALS_AT):
            params["items"] = [{"hint": {"text": self.goal_hints[value]}} if self.goal_hints.get(value) else {} for value, _ in field.pairs]
        return params

    def rendered_fields(self) -> list[Markup]:
        return [field(params=self.field_params(field)) for field in self]


FixedSection = type("FixedSection", (FixedForm,), {_key(n): _fixed_field(n, kind) for n, kind in enumerate(KINDS, start=1)})


def _fixed_form(application: Application, formdata) -> FixedForm:
    """The fixed form for this application's hub, as sections' forms were built: its lists set on each."""
    hub = application.hub
    form = FixedSection(formdata=formdata, goal_hints={goal.title: goal.description for goal in hub.goals})
    form[_key(DISTRICTS_AT)].choices = as_choices((district.name, district.name) for district in hub.districts)
    form[_key(GOALS_AT)].choices = as_choices((goal.title, goal.title) for goal in hub.goals)
    return form


def _formdata(answers: dict) -> MultiDict:
    """Saved answers as form data, to build the form from."""
    data = MultiDict()
    for name, value in answers.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, "" if item is None else str(item))
    return data


def _typed(form: FixedForm) -> dict:
    """What was typed, as answers to store: a string per field, the parts of a list or a date."""
    answers = {}
    for form_field in form.answer_fields():
        raw = [str(value)[:20_000] for value in (form_field.raw_data or [])]
        answers[form_field.name] = raw if isinstance(form_field, CheckboxesField | DayMonthYearField) else (raw[0] if raw else "")
    return answers


FIXED_SECTION = SimpleNamespace(key=FIXED_KEY, title=TITLE)


@login_required
def fixed_page(application_id: int):
    application = db.get_or_404(Application, application_id)
    authorize(current_user, "edit_section", SectionOf(application, FIXED_KEY, TITLE))
    row = application.section(FIXED_KEY)
    form = _fixed_form(application, _formdata(application.answers(FIXED_KEY)))
    return render_template(
        "applications/section.html", application=application, section=FIXED_SECTION, form=form,
        version=row.version if row else 0, held_for=answered_by_mark(current_user, application, FIXED_KEY),
    )


@login_required
def fixed_save(application_id: int):
    """Save as a section is saved: kept as typed, validated from what is kept, under the version check."""
    application = db.get_or_404(Application, application_id)
    authorize(current_user, "edit_section", SectionOf(application, FIXED_KEY, TITLE))
    loaded = request.form.get("version", default=-1, type=int)
    row = application.section(FIXED_KEY)
    if row is None or row.version != loaded:
        abort(409)
    answers = _typed(_fixed_form(application, request.form))
    checked = _fixed_form(application, _formdata(answers))
    complete = checked.validate()
    version = db.session.execute(
        update(ApplicationSection)
        .where(ApplicationSection.id == row.id, ApplicationSection.version == loaded)
        .values(answers=answers, completed=complete, version=loaded + 1, updated_at=utcnow(), updated_by_id=current_user.id)
        .returning(ApplicationSection.version)
        .execution_options(synchronize_session=False)
    ).scalar()
    if version is None:
        abort(409)
    flash(f"“{TITLE}” is complete." if complete else f"Your answers to “{TITLE}” are saved.", "success")
    return redirect(url_for("applications.show", application_id=application.id))


# --- The measurement ---------------------------------------------------------------


def _postgres(action: str) -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        if action == "create":
            connection.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"


def _app(url: str, folder: Path):
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=url, INSTANCE_DIR=folder, STORAGE_DIR=folder / "storage",
        MAIL_FOLDER=folder / "mail", SESSION_IDLE_MINUTES=24 * 60,
    )
    app.add_url_rule("/benchmark/fixed/<int:application_id>", "fixed_page", fixed_page, methods=["GET"])
    app.add_url_rule("/benchmark/fixed/<int:application_id>", "fixed_save", fixed_save, methods=["POST"])
    return app


def _prepare(app) -> tuple[int, int]:
    """A hub whose form has the forty-question section, and an applicant's draft to it: (user id, application id)."""
    configuration = read_configuration(BASE_DIR / "hubs" / "nmpat.toml")
    configuration["hubs"] = [dict(configuration["hubs"][0], form=FORM)]
    with app.test_request_context():
        db.create_all()
        [hub] = load_hubs(configuration)
        user = register_applicant(
            name="Bench Applicant", email="applicant@bench.invalid", password="benchmark-only-password",
            organisation_name="Bench Ensemble", verified=True,
        )
        application = start_application(user, user.memberships[0].organisation, hub)
        db.session.add(ApplicationSection(application_id=application.id, key=FIXED_KEY, answers={}, completed=False, version=0))
        db.session.commit()
        return user.get_id(), application.id


def _answers(hub_lists: dict, n: int, path: str) -> dict[str, str | list[str]]:
    """A complete, valid set of answers, as posted and as kept. The typed text differs on each
    round and for each path, as people's does, so neither path draws what the other just drew."""
    typed = {
        "text": f"Answer {n} ({path})", "long_text": f"Round {n} ({path}): we teach, rehearse and perform with young people across the county.",
        "number": "120", "money": "1,500.50", "date": ["14", "3", "2021"], "yes_no": "yes",
        "choice": "second", "select": "third", "choices": ["first", "fourth"], "email": "office@example.org",
        "phone": "01632 960 001", "website": "www.example.org", "postcode": "NN1 1AA", "declaration": "y",
    }
    answers = {_key(i): typed[kind] for i, kind in enumerate(KINDS, start=1)}
    answers[_key(DISTRICTS_AT)] = hub_lists["districts"][0]
    answers[_key(GOALS_AT)] = hub_lists["goals"][:2]
    return answers


def _version(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def _form_html(page: str, path: str) -> str:
    """The fields of a section page, between its hidden inputs and its buttons, without the path's name in the answers."""
    fields = page[page.index('name="held_for"'):page.index('class="govuk-button-group"')].split(">", 1)[1]
    return fields.replace(f" ({path})", "")


class Clock:
    """Wall-clock and CPU seconds of one request, with the SQL statements it ran."""

    def __init__(self, engine):
        self.engine, self.statements = engine, 0

    def _count(self, *_):
        self.statements += 1

    def time(self, request) -> tuple[float, float, int, object]:
        self.statements = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        started, cpu = time.perf_counter(), time.process_time()
        response = request()
        response.get_data()
        timing = (time.perf_counter() - started, time.process_time() - cpu, self.statements)
        event.remove(self.engine, "before_cursor_execute", self._count)
        return *timing, response


def _round(client, clock: Clock, url: str, answers: dict) -> tuple[tuple, tuple, str]:
    """Open the page and save it: (wall, CPU, statements) for each, and the page."""
    *opened, response = clock.time(lambda: client.get(url))
    assert response.status_code == 200, (url, response.status_code)
    page = response.get_data(as_text=True)
    *saved, response = clock.time(lambda: client.post(url, data={**answers, "version": _version(page)}))
    assert response.status_code == 302, (url, response.status_code)
    return tuple(opened), tuple(saved), page


def _alternate(app, user_id: str, application_id: int, rounds: int) -> dict[str, list]:
    """Each round opens and saves both sections, the first of the two alternating; (GET, POST) timings by path."""
    with app.app_context():
        hub = db.session.get(Application, application_id).hub
        lists = {"districts": [d.name for d in hub.districts], "goals": [g.title for g in hub.goals]}
        clock = Clock(db.engine)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session["second_factor"] = user_id, True, True
    paths = {"fixed": f"/benchmark/fixed/{application_id}", "data": f"/applications/{application_id}/sections/{SECTION_KEY}"}
    timings, pages = {name: [] for name in paths}, {}
    for n in range(WARM_UP + rounds):
        for name in list(paths) if n % 2 == 0 else list(reversed(paths)):
            opened, saved, pages[name] = _round(client, clock, paths[name], _answers(lists, n, name))
            if n >= WARM_UP:
                timings[name].append((opened, saved))
    assert _form_html(pages["fixed"], "fixed") == _form_html(pages["data"], "data"), "both draw the same forty fields"
    with app.app_context():
        application = db.session.get(Application, application_id)
        for name, key in (("fixed", FIXED_KEY), ("data", SECTION_KEY)):
            row = application.section(key)
            assert row.completed and row.answers == _answers(lists, n, name), f"{name}: the last answers kept, complete"
    return timings


def _rows(kind: str, timings: dict[str, list]) -> list[list]:
    rows = []
    for label, parts in (("section page (GET)", (0,)), ("save (POST)", (1,)), ("page and save", (0, 1))):
        medians = {}
        for name, rounds in timings.items():
            wall = summary_ms([sum(sample[part][0] for part in parts) for sample in rounds])[0]
            cpu = summary_ms([sum(sample[part][1] for part in parts) for sample in rounds])[0]
            medians[name] = (wall, cpu, sum(rounds[-1][part][2] for part in parts))
        (fixed, fixed_cpu, fixed_sql), (data, data_cpu, data_sql) = medians["fixed"], medians["data"]
        rows.append([
            kind, label, fixed, data, f"{data / fixed:.2f}×", fixed_cpu, data_cpu, f"{data_cpu / fixed_cpu:.2f}×",
            f"{fixed_sql} / {data_sql}", f"{TARGET}×", "yes" if data / fixed <= TARGET else "NO",
        ])
    return rows


def measure_database(report, kind: str, rounds: int) -> list[list]:
    """A fresh database of this kind; the fixed and the data-driven section, opened and saved in turn; the table."""
    with tempfile.TemporaryDirectory(prefix="consort-bench-forms-") as folder:
        folder = Path(folder)
        url = f"sqlite:///{folder / 'forms.sqlite3'}" if kind == "sqlite" else _postgres("create")
        try:
            app = _app(url, folder)
            user_id, application_id = _prepare(app)
            timings = _alternate(app, user_id, application_id, rounds)
            with app.app_context():
                db.engine.dispose()
        finally:
            if kind == "postgresql":
                _postgres("drop")
    rows = _rows(kind, timings)
    report.table(
        ["database", "40 questions", "fixed ms", "data-driven ms", "ratio", "fixed CPU ms", "data-driven CPU ms",
         "CPU ratio", "SQL statements (fixed / data-driven)", "target", "met"],
        rows,
    )
    fixed, data = rows[-1][2], rows[-1][3]
    report.note(
        f"**{kind}**, page and save: data-driven {data:.1f} ms, fixed form {fixed:.1f} ms (medians): "
        f"{data / fixed:.2f}×, target no slower than {TARGET}×: {'PASS' if data / fixed <= TARGET else 'FAIL'}."
    )
    return rows


def run(report, args) -> None:
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    report.section("Forty questions: the form as data against a fixed form")
    report.note(
        __doc__.split("\n\n", 1)[1].strip() + f" {rounds} rounds after {WARM_UP} to warm up; in each round both "
        "sections are opened and saved, and which goes first alternates. Medians of wall-clock time (the target), "
        "and of CPU time, which other work on the machine disturbs less. Target: the data-driven page and save no "
        f"slower than {TARGET}× the fixed form's."
    )
    for kind in ("sqlite", "postgresql"):
        measure_database(report, kind, rounds)

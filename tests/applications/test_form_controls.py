"""Every control of the application form, drawn from every shape a stored answer takes,
sends what it shows: ticking a box or choosing an option and posting the page as drawn
is read by the server as that box ticked or that option chosen.

The form's fields are walked, not listed, so a question added later is covered too.
"""

from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FileField

from workflow.applications.forms import CheckboxesField, ChoiceField, DayMonthYearField
from workflow.applications.lifecycle import State
from workflow.applications.sections import build_form, sections_of

from ..builders import make_application

TYPED = "Strings & <brass>"


class Controls(HTMLParser):
    """The <input> and <textarea> elements of some markup, with their attributes."""

    def __init__(self, markup: str):
        super().__init__()
        self.inputs: list[dict] = []
        self.textareas: dict[str, str] = {}
        self._open_textarea = None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "input":
            self.inputs.append(attributes)
        elif tag == "textarea":
            self._open_textarea = attributes["name"]
            self.textareas[self._open_textarea] = ""

    def handle_data(self, data):
        if self._open_textarea:
            self.textareas[self._open_textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._open_textarea = None


def _shape(form, shape: str) -> dict:
    """A section's answers as they are stored after a save of the given kind."""
    answers = {}
    for form_field in form.answer_fields():
        if isinstance(form_field, BooleanField):
            answers[form_field.name] = "y" if shape == "ticked" else ""
        elif isinstance(form_field, CheckboxesField):
            values = [value for value, _ in form_field.pairs]
            chosen = {"ticked": values, "other": ["other"] if "other" in values else values[:1]}
            answers[form_field.name] = chosen.get(shape, [])
        elif isinstance(form_field, ChoiceField):
            values = [value for value, _ in form_field.pairs]
            chosen = {"ticked": values[0], "other": "other" if "other" in values else values[0]}
            answers[form_field.name] = chosen.get(shape, "")
        elif isinstance(form_field, DayMonthYearField):
            answers[form_field.name] = ["1", "2", "2031"] if shape != "unticked" else ["", "", ""]
        else:
            answers[form_field.name] = TYPED if shape != "unticked" else ""
    return answers


def _application(hub, organisation, applicant):
    return make_application(hub, organisation, applicant, State.DRAFT)


def _section_forms(application):
    """(section key, form) for each typed section, with the hub's own choices."""
    return [(section.key, build_form(application, section.key, answers={})) for section in sections_of(application) if not section.is_organisation]


@pytest.mark.parametrize("shape", ["empty", "unticked", "ticked", "other"])
def test_every_control_sends_what_it_shows(app, hub, organisation, applicant, shape):
    application = _application(hub, organisation, applicant)
    with app.test_request_context():
        for key, blank in _section_forms(application):
            answers = {} if shape == "empty" else _shape(blank, shape)
            form = build_form(application, key, answers=answers)
            controls = Controls("".join(form.rendered_fields()))
            drawn = {control["name"] for control in controls.inputs} | set(controls.textareas)
            for form_field in form:
                assert form_field.name in drawn, f"{key}.{form_field.name} is not drawn"

            for control in controls.inputs:
                if control.get("type") not in {"checkbox", "radio"}:
                    continue
                # The browser posts the control as drawn, ticked or chosen, and nothing else.
                posted = build_form(application, key, formdata=MultiDict([(control["name"], control["value"])]))
                field = posted[control["name"]]
                where = f"{key}.{control['name']} drawn from {shape!r} answers with value={control['value']!r}"
                if isinstance(field, BooleanField):
                    assert field.data is True, where
                elif isinstance(field, CheckboxesField):
                    assert control["value"] in dict(field.pairs) and field.data == [control["value"]], where
                else:
                    assert control["value"] in dict(field.pairs) and field.data == control["value"], where
                # What is ticked on the page is what the answers hold.
                stored = answers.get(control["name"])
                held = stored == control["value"] or (isinstance(stored, list) and control["value"] in stored)
                assert ("checked" in control) == held, where


def test_typed_words_are_drawn_back_as_typed(app, hub, organisation, applicant):
    application = _application(hub, organisation, applicant)
    with app.test_request_context():
        for key, blank in _section_forms(application):
            answers = _shape(blank, "other")
            controls = Controls("".join(build_form(application, key, answers=answers).rendered_fields()))
            values = {control["name"]: control.get("value") for control in controls.inputs}
            by_id = {control.get("id"): control.get("value") for control in controls.inputs}
            for form_field in blank.answer_fields():
                if isinstance(form_field, BooleanField | CheckboxesField | ChoiceField | FileField):
                    continue
                if isinstance(form_field, DayMonthYearField):
                    parts = [by_id.get(f"{form_field.name}-{part}") for part in ("day", "month", "year")]
                    assert parts == ["1", "2", "2031"], f"{key}.{form_field.name}"
                else:
                    shown = controls.textareas.get(form_field.name, values.get(form_field.name))
                    assert (shown or "").strip() == TYPED, f"{key}.{form_field.name}"

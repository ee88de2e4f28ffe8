"""Remembered GOV.UK widgets draw exactly what govuk-frontend-wtf draws, once per parameters."""

from collections import OrderedDict

from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField

from workflow import widgets


class Plain(FlaskForm):
    name = StringField("Name", widget=gov.GovTextInput())
    kind = SelectField("Kind", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")], widget=gov.GovSelect())


class Remembering(FlaskForm):
    name = StringField("Name", widget=widgets.GovTextInput())
    kind = SelectField("Kind", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")], widget=widgets.GovSelect())


def test_same_markup_as_the_package_and_drawn_once(app, monkeypatch):
    monkeypatch.setattr(widgets, "_drawn", OrderedDict())
    drawn = []
    real = widgets.render_template
    monkeypatch.setattr(widgets, "render_template", lambda *a, **k: drawn.append(a) or real(*a, **k))
    with app.test_request_context("/?name=Ros%C3%A9+%3Cb%3E&kind=b"):
        from flask import request

        for _ in range(3):
            plain, remembering = Plain(request.args, meta={"csrf": False}), Remembering(request.args, meta={"csrf": False})
            assert remembering.name() == plain.name() and remembering.kind() == plain.kind()
        assert "Rosé &lt;b&gt;" in remembering.name()
        assert len(drawn) == 2  # one drawing per field, then remembered

        plain.name.errors = remembering.name.errors = ["Enter a name"]
        assert remembering.name() == plain.name() and "Enter a name" in remembering.name()
        assert len(drawn) == 3


def test_text_and_markup_are_told_apart(app):
    with app.test_request_context():
        as_text = widgets.draw("govuk_frontend_wtf/input.html", {"id": "x", "name": "x", "label": {"text": "<i>x</i>"}})
        as_markup = widgets.draw(
            "govuk_frontend_wtf/input.html", {"id": "x", "name": "x", "label": {"text": Markup("<i>x</i>")}}
        )
    assert "&lt;i&gt;" in as_text and "<i>x</i>" in as_markup


def test_memory_is_bounded(app, monkeypatch):
    monkeypatch.setattr(widgets, "_drawn", OrderedDict())
    monkeypatch.setattr(widgets, "MEMORY", 5)
    with app.test_request_context():
        for n in range(20):
            widgets.draw("govuk_frontend_wtf/input.html", {"id": f"f{n}", "name": "x", "label": {"text": "x"}})
    assert len(widgets._drawn) <= 5


class PlainText(FlaskForm):
    story = TextAreaField("Story", widget=gov.GovCharacterCount())
    notes = TextAreaField("Notes", widget=gov.GovTextArea())


class RememberingText(FlaskForm):
    story = TextAreaField("Story", widget=widgets.GovCharacterCount())
    notes = TextAreaField("Notes", widget=widgets.GovTextArea())


def test_text_boxes_are_drawn_once_whatever_their_text(app, monkeypatch):
    monkeypatch.setattr(widgets, "_drawn", OrderedDict())
    drawn = []
    real = widgets.render_template
    monkeypatch.setattr(widgets, "render_template", lambda *a, **k: drawn.append(a) or real(*a, **k))
    texts = ["", "We teach <strings> & brass", "Zażółć gęślą jaźń\nsecond line", "\ue000 & \ue000", Markup("<b>kept</b>")]
    with app.test_request_context():
        for text in texts:
            data = MultiDict({"story": text, "notes": text})
            plain, remembering = PlainText(data, meta={"csrf": False}), RememberingText(data, meta={"csrf": False})
            params = {"params": {"maxwords": 50}}
            assert remembering.story(**params) == plain.story(**params)
            assert remembering.notes() == plain.notes()
        assert len(drawn) == 4  # empty and filled, for each widget
        escaped = RememberingText(MultiDict({"notes": texts[1]}), meta={"csrf": False}).notes()
    assert ">We teach &lt;strings&gt; &amp; brass</textarea>" in escaped


class Dated(FlaskForm):
    held_on = DateField("Date", format="%d %m %Y", widget=widgets.GovDateInput())


def test_a_date_posted_without_its_three_parts_is_shown_not_a_crash(app):
    for posted, shown in (([], ""), (["7"], 'value="7"'), (["7", "3", "2027", "extra"], 'value="2027"')):
        with app.test_request_context(method="POST", data=MultiDict([("held_on", part) for part in posted])):
            form = Dated(meta={"csrf": False})
            form.validate()
            html = form.held_on()
            assert html.count("<input") == 3 and shown in html

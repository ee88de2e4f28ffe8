"""The GOV.UK form widgets, each remembering the markup it drew for given parameters.

govuk-frontend-wtf draws every field through a GOV.UK Frontend macro, which is most
of the time a page with a form takes to render. A field's markup depends on its
parameters alone (label, value, choices, error), so the same parameters always draw
the same markup: the widgets here keep the most recent `MEMORY` drawings per worker
and draw again only what they have not seen. A text box's own text is seldom drawn
twice, so the free-text widgets remember their drawing without it and put it in after.
Forms import their widgets from here.
"""

from collections import OrderedDict
from threading import Lock

from flask import render_template
from govuk_frontend_wtf import wtforms_widgets as gov
from markupsafe import Markup, escape

MEMORY = 2048
LARGEST = 16_384  # characters: bigger drawings are not kept
TEXT_MARK = "\ue000"  # a private-use character, where the text box's own text goes
TICKED = "y"  # what a lone tick box sends: WTForms' BooleanField reads anything but "" and "false" as ticked

_drawn: OrderedDict = OrderedDict()
_lock = Lock()


def _frozen(value):
    """A hashable key for widget parameters that tells apart str and Markup, 1 and True."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if value is None or isinstance(value, (str, int, float)):
        return (type(value), value)
    return (type(value), repr(value))


def draw(template: str, params: dict) -> Markup:
    """The markup of `template` for `params`, drawn once and then remembered."""
    key = (template, _frozen(params))
    with _lock:
        markup = _drawn.get(key)
        if markup is not None:
            _drawn.move_to_end(key)
            return markup
    markup = Markup(render_template(template, params=params))
    if len(markup) > LARGEST:
        return markup
    with _lock:
        _drawn[key] = markup
        if len(_drawn) > MEMORY:
            _drawn.popitem(last=False)
    return markup


class Remembered:
    """Mixed into a govuk-frontend-wtf widget: draw through `draw`."""

    def render(self, params):
        return draw(self.template, params)


class FreeText(Remembered):
    """Mixed into a text box widget: remember the drawing without the box's text, then put it in."""

    def render(self, params):
        value = params.get("value")
        if not value:
            return draw(self.template, params)
        drawn = draw(self.template, {**params, "value": TEXT_MARK})
        return Markup(drawn.replace(TEXT_MARK, escape(value), 1))


class GovCharacterCount(FreeText, gov.GovCharacterCount):
    pass


class GovTextArea(FreeText, gov.GovTextArea):
    pass


class GovCheckboxInput(Remembered, gov.GovCheckboxInput):
    """A lone tick box (a BooleanField). Its value is always the one the server reads as
    ticked; only whether it is ticked comes from the answer. (WTForms would echo the value
    it was given, so a box saved unticked, as "", was drawn with value="" and could never
    be ticked again.)"""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        for item in params["items"]:
            item["value"] = TICKED
        return params


class GovCheckboxesInput(Remembered, gov.GovCheckboxesInput):
    pass


class GovDateInput(Remembered, gov.GovDateInput):
    """The day, month and year boxes; a post without them, or with only some, shows what it
    sent (the rest empty) where govuk-frontend-wtf expects exactly three parts."""

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = (list(field.raw_data) + ["", "", ""])[:3] if field.raw_data else None
        return super().map_gov_params(field, **kwargs)


class GovFileInput(Remembered, gov.GovFileInput):
    pass


class GovPasswordInput(Remembered, gov.GovPasswordInput):
    pass


class GovRadioInput(Remembered, gov.GovRadioInput):
    """Radios; `hints` puts a hint under the choices it names, by value."""

    def __init__(self, hints: dict[str, str] | None = None):
        super().__init__()
        self.hints = hints or {}

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        for item in params["items"]:
            if item["value"] in self.hints:
                item["hint"] = {"text": self.hints[item["value"]]}
        return params


class GovSelect(Remembered, gov.GovSelect):
    pass


class GovSubmitInput(Remembered, gov.GovSubmitInput):
    pass


class GovTextInput(Remembered, gov.GovTextInput):
    pass


class GovEmailInput(GovTextInput):
    """An input of type email (a phone shows its @ keyboard), never spellchecked, and filled
    from the browser's own address unless `autocomplete` says otherwise ("off" for someone else's)."""

    input_type = "email"

    def __init__(self, autocomplete: str = "email"):
        super().__init__()
        self.autocomplete = autocomplete

    def map_gov_params(self, field, **kwargs):
        return {"autocomplete": self.autocomplete, "spellcheck": False, **super().map_gov_params(field, **kwargs)}

"""A hub's application form as data: sections of questions, read from TOML or JSON and checked.

A definition is plain data (the `[form]` table of a hub's TOML, or a version's stored
JSON). `parse_definition` checks all of it and gives frozen dataclasses, or raises
`DefinitionError` naming where the problem is (`sections[2].questions[5].choices`).
`definition_data` gives the data back, so export then import gives the same form.

Question types and their settings (besides key, type, label, hint, required and
shows_when, which every question has):

- text: max_length. long_text: words, rows, error_name.
- number: minimum, maximum. money: error_name. date: when ("future" or "past"), example_days.
- yes_no. choice: choices or choices_from, widget ("radios" or "select").
- choices: choices or choices_from, other (a box revealed under "Other").
- email, phone, website, postcode, address.
- file: kinds (pdf, docx, odt), max_mb. declaration: legend.
- group: questions (the ones asked for each item), item_name, minimum, maximum.

`required` is the error shown when the answer is missing; empty means optional.
`choices_from` draws the choices from the hub's own lists: "goals" or "districts".
`shows_when = {question = "key", equals = "value"}` shows a question or section only
when an earlier answer is (or, for several choices, includes) the value.
"""

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from threading import Lock

QUESTION_TYPES = (
    "text", "long_text", "number", "money", "date", "yes_no", "choice", "choices", "email", "phone",
    "website", "postcode", "address", "file", "declaration", "group",
)
CHOICE_TYPES = ("choice", "choices")
HUB_LISTS = ("goals", "districts")
FILE_KINDS = ("pdf", "docx", "odt")
ORGANISATION = "organisation"  # the fixed section filled from the organisation's profile

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_SECTIONS = 40
MAX_QUESTIONS = 400  # in the whole form, group questions included
MAX_CHOICES = 200
MAX_TEXT = 2_000  # characters in a label, hint, legend, or choice
MAX_INTRO = 5_000
MAX_WORDS = 5_000
MAX_FILE_MB = 50


class DefinitionError(ValueError):
    """A definition that cannot be used, and where: `path` as in sections[2].questions[5].choices."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path, self.message = path, message


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Condition:
    """Shown only when the answer to `question` is (or includes) `equals`."""

    question: str
    equals: str


@dataclass(frozen=True)
class Other:
    """The box revealed under a checkboxes question's "Other" choice; its answer is `<key>_other`."""

    label: str
    required: str = ""


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    label: str
    hint: str = ""
    required: str = ""
    shows_when: Condition | None = None
    max_length: int = 0
    words: int = 0
    rows: int = 0
    error_name: str = ""
    minimum: int | None = None
    maximum: int | None = None
    when: str = ""
    example_days: int = 0
    choices: tuple[Choice, ...] = ()
    choices_from: str = ""
    widget: str = ""
    other: Other | None = None
    kinds: tuple[str, ...] = ()
    max_mb: int = 0
    legend: str = ""
    item_name: str = ""
    questions: tuple["Question", ...] = ()

    @property
    def other_key(self) -> str | None:
        return f"{self.key}_other" if self.other else None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    type: str = "questions"  # or "organisation"
    hint: str = ""
    intro: str = ""
    shows_when: Condition | None = None
    shows_commitments: bool = False
    at_least_one_of: tuple[str, ...] = ()
    at_least_one_message: str = ""
    questions: tuple[Question, ...] = ()

    @property
    def is_organisation(self) -> bool:
        return self.type == ORGANISATION


@dataclass(frozen=True)
class FormDefinition:
    sections: tuple[Section, ...]
    title: str = "Partner application"

    def section(self, key: str) -> Section | None:
        return next((section for section in self.sections if section.key == key), None)

    def questions(self) -> Iterator[tuple[Section, Question]]:
        """Every top-level question, with its section, in order."""
        for section in self.sections:
            for question in section.questions:
                yield section, question

    def question(self, key: str) -> Question | None:
        return next((question for _, question in self.questions() if question.key == key), None)

    @property
    def keys(self) -> list[str]:
        return [section.key for section in self.sections]


# --- Reading: every problem is refused with its path ------------------------------

_QUESTION_SETTINGS = {
    "text": {"max_length", "error_name"},
    "long_text": {"words", "rows", "error_name"},
    "number": {"minimum", "maximum", "error_name"},
    "money": {"error_name"},
    "date": {"when", "example_days", "error_name"},
    "yes_no": set(),
    "choice": {"choices", "choices_from", "widget"},
    "choices": {"choices", "choices_from", "other"},
    "email": set(), "phone": set(), "website": set(), "postcode": set(), "address": set(),
    "file": {"kinds", "max_mb"},
    "declaration": {"legend"},
    "group": {"questions", "item_name", "minimum", "maximum"},
}
_COMMON = {"key", "type", "label", "hint", "required", "shows_when"}
_SECTION_FIELDS = {
    "key", "title", "type", "hint", "intro", "shows_when", "shows_commitments", "at_least_one_of",
    "at_least_one_message", "questions",
}


def _text(data: dict, name: str, path: str, *, limit: int = MAX_TEXT, needed: bool = False) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise DefinitionError(f"{path}.{name}", "must be text")
    if needed and not value.strip():
        raise DefinitionError(f"{path}.{name}", "must not be empty")
    if len(value) > limit:
        raise DefinitionError(f"{path}.{name}", f"must be {limit:,} characters or fewer")
    return value


def _number(data: dict, name: str, path: str, low: int, high: int, default=0):
    value = data.get(name, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DefinitionError(f"{path}.{name}", f"must be a whole number from {low:,} to {high:,}")
    return value


def _key(data: dict, path: str) -> str:
    key = data.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        raise DefinitionError(
            f"{path}.key", "must be 1 to 40 lower-case letters, digits or underscores, starting with a letter"
        )
    return key


def _table(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise DefinitionError(path, "must be a table")
    return value


def _list(value, path: str, limit: int) -> list:
    if not isinstance(value, list):
        raise DefinitionError(path, "must be a list")
    if len(value) > limit:
        raise DefinitionError(path, f"must have {limit:,} entries or fewer")
    return value


def _unknown(data: dict, allowed: set[str], path: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise DefinitionError(f"{path}.{extra[0]}", "is not a setting here")


def _choices(data: dict, path: str) -> tuple[Choice, ...]:
    choices, seen = [], set()
    for n, entry in enumerate(_list(data.get("choices", []), f"{path}.choices", MAX_CHOICES)):
        where = f"{path}.choices[{n}]"
        entry = _table(entry, where)
        _unknown(entry, {"value", "label", "hint"}, where)
        value = _text(entry, "value", where, limit=100, needed=True)
        if value in seen:
            raise DefinitionError(f"{where}.value", f"“{value}” is given twice")
        seen.add(value)
        choices.append(Choice(value, _text(entry, "label", where, needed=True), _text(entry, "hint", where)))
    return tuple(choices)


class _Reader:
    """Reads a definition in order, knowing each question asked so far (for conditions)."""

    def __init__(self):
        self.asked: dict[str, Question] = {}
        self.count = 0

    def condition(self, data: dict, path: str) -> Condition | None:
        if "shows_when" not in data:
            return None
        where = f"{path}.shows_when"
        entry = _table(data["shows_when"], where)
        _unknown(entry, {"question", "equals"}, where)
        key = _text(entry, "question", where, limit=40, needed=True)
        equals = _text(entry, "equals", where, limit=100, needed=True)
        question = self.asked.get(key)
        if question is None:
            raise DefinitionError(f"{where}.question", f"“{key}” is not a question asked before this one")
        if question.type not in ("choice", "choices", "yes_no", "declaration"):
            raise DefinitionError(f"{where}.question", f"“{key}” is not a choice, yes/no or declaration question")
        allowed = _values(question)
        if allowed is not None and equals not in allowed:
            raise DefinitionError(f"{where}.equals", f"“{equals}” is not one of the answers to “{key}”")
        return Condition(key, equals)

    def question(self, data, path: str, *, in_group: bool = False) -> Question:
        data = _table(data, path)
        self.count += 1
        if self.count > MAX_QUESTIONS:
            raise DefinitionError(path, f"a form may have {MAX_QUESTIONS} questions or fewer")
        key = _key(data, path)
        kind = data.get("type")
        if kind not in QUESTION_TYPES:
            raise DefinitionError(f"{path}.type", f"must be one of {', '.join(QUESTION_TYPES)}")
        _unknown(data, _COMMON | _QUESTION_SETTINGS[kind], path)
        required = data.get("required", "")
        if required is True:
            required = "Answer this question"
        if required is False:
            required = ""
        values = {
            "key": key, "type": kind,
            "label": _text(data, "label", path, needed=True), "hint": _text(data, "hint", path),
            "required": _text({"required": required}, "required", path),
            "shows_when": None if in_group else self.condition(data, path),
        }
        if in_group and "shows_when" in data:
            raise DefinitionError(f"{path}.shows_when", "questions inside an \"add another\" group cannot have conditions")
        values.update(self.settings(kind, data, path, in_group))
        return Question(**values)

    def settings(self, kind: str, data: dict, path: str, in_group: bool) -> dict:
        values: dict = {}
        if kind == "text":
            values["max_length"] = _number(data, "max_length", path, 1, 2000, default=200)
        if kind == "long_text":
            values["words"] = _number(data, "words", path, 1, MAX_WORDS, default=300)
            values["rows"] = _number(data, "rows", path, 2, 40, default=8)
        if kind in ("long_text", "money", "date", "number", "text"):
            values["error_name"] = _text(data, "error_name", path, limit=200)
        if kind == "number":
            values["minimum"] = _number(data, "minimum", path, -10**12, 10**12, default=None)
            values["maximum"] = _number(data, "maximum", path, -10**12, 10**12, default=None)
        if kind == "date":
            values["when"] = data.get("when", "")
            if values["when"] not in ("", "future", "past"):
                raise DefinitionError(f"{path}.when", "must be \"future\", \"past\" or left out")
            values["example_days"] = _number(data, "example_days", path, -36_500, 36_500)
        if kind in CHOICE_TYPES:
            values.update(self.choice_settings(kind, data, path))
        if kind == "file":
            kinds = _list(data.get("kinds", list(FILE_KINDS)), f"{path}.kinds", len(FILE_KINDS))
            if not kinds or any(item not in FILE_KINDS for item in kinds):
                raise DefinitionError(f"{path}.kinds", f"must list some of {', '.join(FILE_KINDS)}")
            values["kinds"] = tuple(kinds)
            values["max_mb"] = _number(data, "max_mb", path, 1, MAX_FILE_MB, default=10)
        if kind == "declaration":
            values["legend"] = _text(data, "legend", path)
        if kind == "group":
            if in_group:
                raise DefinitionError(f"{path}.type", "an \"add another\" group cannot hold another group")
            values["item_name"] = _text(data, "item_name", path, limit=100, needed=True)
            values["minimum"] = _number(data, "minimum", path, 0, 50, default=0)
            values["maximum"] = _number(data, "maximum", path, 1, 50, default=10)
            if values["minimum"] > values["maximum"]:
                raise DefinitionError(f"{path}.minimum", "must not be more than the maximum")
            inner = _list(data.get("questions", []), f"{path}.questions", 20)
            if not inner:
                raise DefinitionError(f"{path}.questions", "an \"add another\" group needs questions")
            asked = [self.question(entry, f"{path}.questions[{n}]", in_group=True) for n, entry in enumerate(inner)]
            _no_duplicates([question.key for question in asked], f"{path}.questions")
            if any(question.type == "file" for question in asked):
                raise DefinitionError(f"{path}.questions", "an \"add another\" group cannot ask for files")
            values["questions"] = tuple(asked)
        return values

    def choice_settings(self, kind: str, data: dict, path: str) -> dict:
        values = {"choices": _choices(data, path), "choices_from": data.get("choices_from", "")}
        if values["choices_from"] not in ("", *HUB_LISTS):
            raise DefinitionError(f"{path}.choices_from", f"must be one of {', '.join(HUB_LISTS)}")
        if bool(values["choices"]) == bool(values["choices_from"]):
            raise DefinitionError(f"{path}.choices", "a choice question needs its choices, or choices_from, but not both")
        if kind == "choice":
            values["widget"] = data.get("widget", "radios")
            if values["widget"] not in ("radios", "select"):
                raise DefinitionError(f"{path}.widget", "must be \"radios\" or \"select\"")
        if kind == "choices" and "other" in data:
            where = f"{path}.other"
            entry = _table(data["other"], where)
            _unknown(entry, {"label", "required"}, where)
            if "other" not in {choice.value for choice in values["choices"]}:
                raise DefinitionError(where, "needs a choice whose value is \"other\" to reveal it")
            values["other"] = Other(_text(entry, "label", where, needed=True), _text(entry, "required", where))
        return values

    def section(self, data, path: str) -> Section:
        data = _table(data, path)
        _unknown(data, _SECTION_FIELDS, path)
        key = _key(data, path)
        kind = data.get("type", "questions")
        if kind not in ("questions", ORGANISATION):
            raise DefinitionError(f"{path}.type", "must be \"questions\" or \"organisation\"")
        values = {
            "key": key, "type": kind, "title": _text(data, "title", path, limit=200, needed=True),
            "hint": _text(data, "hint", path), "intro": _text(data, "intro", path, limit=MAX_INTRO),
            "shows_when": self.condition(data, path),
            "shows_commitments": bool(data.get("shows_commitments", False)),
            "at_least_one_message": _text(data, "at_least_one_message", path),
        }
        if kind == ORGANISATION:
            if key != ORGANISATION:
                raise DefinitionError(f"{path}.key", "the organisation section's key is \"organisation\"")
            if "questions" in data or values["shows_when"]:
                raise DefinitionError(path, "the organisation section is filled from the profile: it has no questions or conditions")
            return Section(**values)
        entries = _list(data.get("questions", []), f"{path}.questions", MAX_QUESTIONS)
        if not entries:
            raise DefinitionError(f"{path}.questions", "a section needs at least one question")
        questions = []
        for n, entry in enumerate(entries):
            question = self.question(entry, f"{path}.questions[{n}]")
            if question.key in self.asked or question.other_key in self.asked:
                raise DefinitionError(f"{path}.questions[{n}].key", f"“{question.key}” is used twice in this form")
            self.asked[question.key] = question
            questions.append(question)
        values["questions"] = tuple(questions)
        at_least_one = _list(data.get("at_least_one_of", []), f"{path}.at_least_one_of", 20)
        keys = {question.key for question in questions}
        if any(item not in keys for item in at_least_one):
            raise DefinitionError(f"{path}.at_least_one_of", "must name questions of this section")
        if at_least_one and not values["at_least_one_message"]:
            raise DefinitionError(f"{path}.at_least_one_message", "must say what to do when none is answered")
        values["at_least_one_of"] = tuple(at_least_one)
        return Section(**values)


def _values(question: Question) -> set[str] | None:
    """The answers a condition may name, or None where they come from the hub's lists."""
    if question.type in ("yes_no",):
        return {"yes", "no"}
    if question.type == "declaration":
        return {"y"}
    if question.choices_from:
        return None
    return {choice.value for choice in question.choices}


def _no_duplicates(keys: list[str], path: str) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise DefinitionError(path, f"“{key}” is used twice")
        seen.add(key)


def parse_definition(data) -> FormDefinition:
    """The form a definition describes, checked in full; DefinitionError says where it is wrong."""
    data = _table(data, "form")
    _unknown(data, {"title", "sections"}, "form")
    reader = _Reader()
    entries = _list(data.get("sections", []), "sections", MAX_SECTIONS)
    if not entries:
        raise DefinitionError("sections", "a form needs at least one section")
    sections = [reader.section(entry, f"sections[{n}]") for n, entry in enumerate(entries)]
    keys = [section.key for section in sections]
    for n, key in enumerate(keys):
        if key in keys[:n]:
            raise DefinitionError(f"sections[{n}].key", f"“{key}” is used twice in this form")
    if sum(section.is_organisation for section in sections) > 1:
        raise DefinitionError("sections", "a form has one organisation section at most")
    return FormDefinition(tuple(sections), _text(data, "title", "form", limit=200) or "Partner application")


# --- Writing: the data a definition was read from, without defaults -------------


def _data(item) -> dict:
    out = {}
    for spec in fields(item):
        value = getattr(item, spec.name)
        if value == spec.default and spec.name not in ("key", "type", "label", "title", "value"):
            continue
        if spec.name == "type" and value == "questions":
            continue
        if isinstance(value, tuple):
            value = [_data(entry) if hasattr(entry, "__dataclass_fields__") else entry for entry in value]
        elif hasattr(value, "__dataclass_fields__"):
            value = _data(value)
        out[spec.name] = value
    return out


def definition_data(definition: FormDefinition) -> dict:
    """The definition as plain data: what `parse_definition` reads back to the same form."""
    return {"title": definition.title, "sections": [_data(section) for section in definition.sections]}


_parsed: dict[str, FormDefinition] = {}
_parsed_lock = Lock()


def fingerprint_of(data: dict) -> str:
    """The SHA-256 of a definition's data: two versions with the same fingerprint ask the same questions."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def definition_of(version) -> FormDefinition:
    """A stored version's form, parsed once per worker (keyed by its fingerprint, as versions never change)."""
    made = _parsed.get(version.fingerprint)
    if made is None:
        made = parse_definition(version.definition)
        with _parsed_lock:
            _parsed[version.fingerprint] = made
            if len(_parsed) > 256:
                _parsed.pop(next(iter(_parsed)))
    return made

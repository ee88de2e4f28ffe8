"""Letter templates cannot build huge letters or values, or run for ever: each is refused
with its line, on the admin's editor and when a letter is previewed."""

import pytest

from tests.builders import make_application
from workflow.applications.lifecycle import State
from workflow.letters import limits
from workflow.letters.defaults import default_template_body
from workflow.letters.models import DecisionLetter, LetterStatus
from workflow.letters.operations import draft_letter
from workflow.letters.templating import ENVIRONMENT, SAMPLE_FIELDS, LetterTemplateError, render_letter_body, validate_template
from workflow.votes.rule import Choice

TOO_COSTLY = [
    ("{{ 'x' * 10**7 }}", "multiplication is too long"),
    ("{{ 9 ** 999999 }}", "power is too large"),
    ("{{ ((9 ** 100) ** 100) ** 100 }}", "power is too large"),
    ("{{ 'x'|center(10000000) }}", "longer than 200,000 characters"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}", "'range' is not a merge field"),
    ("{{ range(10**8)|join }}", "'range' is not a merge field"),
    ("{% for a in 'x' * 1000 %}{% for b in 'x' * 1000 %}x{% endfor %}{% endfor %}", "more than 20,000 steps"),
    ("{% for a in 'x' * 1001 %}{% endfor %}", "at most 1,000 times"),
    ("{% for a in 'x' * 1000 %}{% for b in 'x' * 10 %}{{ 'y' * 1000 }}{% endfor %}{% endfor %}", "letter would be longer than 200,000"),
    ("{{ ('x' * 10000)|list|join('y' * 10000) }}", "longer than 200,000 characters"),
    ("{{ ('x' * 10000)|replace('x', 'y' * 10000) }}", "longer than 200,000 characters"),
    ("{{ ('x' * 10000)|list|map('center', 1000)|join }}", "longer than 200,000 characters"),
    ("{{ 'x'|indent(10**8) }}", "longer than 200,000 characters"),
    ("{{ ('x' * 10000)|list|batch(10**9, 'y')|list }}", "longer than 200,000 characters"),
    ("{% filter center(10**7) %}x{% endfilter %}", "longer than 200,000 characters"),
    ("{{ '%999999999s' % 'x' }}", "longer than 200,000 characters"),
    ("{{ '%*s'|format(10**8, 'x') }}", "width from the values"),
    ("{{ '{:>99999999}'.format('x') }}", "'format' cannot be called"),
    ("{{ 'x'.ljust(10**7) }}", "'ljust' cannot be called"),
    ("{{ ('a' * 10000).translate({97: 'b' * 10000}) }}", "'translate' cannot be called"),
    ("{{ (1).to_bytes(100000000, 'big') }}", "'to_bytes' cannot be called"),
    ("{% set a = 'x' * 10000 %}{% set a = a ~ a %}{% set a = a ~ a %}{% set a = a ~ a %}"
     "{% set a = a ~ a %}{% set a = a ~ a %}", "longer than 200,000 characters"),
    ("{% set a = ['x' * 10000] %}{% set b = [a, a, a, a, a, a, a, a, a, a] %}"
     "{% set c = [b, b, b, b, b, b, b, b, b, b] %}{{ c }}", "longer than 200,000 characters"),
    ("{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}", "cannot be recursive"),
]


@pytest.mark.parametrize("body, words", TOO_COSTLY)
def test_a_costly_template_is_refused_with_its_line(body, words):
    problem = validate_template(f"<p>Dear {{{{ contact }}}},</p>\n{body}")
    assert problem is not None
    assert problem[0] == 2 and words in problem[1]


@pytest.mark.parametrize("body, words", [row for row in TOO_COSTLY if "merge field" not in row[1]])
def test_rendering_a_costly_template_is_refused(body, words):
    with pytest.raises(LetterTemplateError) as refused:
        render_letter_body(f"<p>One</p>\n{body}", SAMPLE_FIELDS[0])
    assert refused.value.line == 2 and words in refused.value.message


def test_recursion_that_doubles_is_stopped_by_the_step_count():
    body = "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}"
    with pytest.raises(LetterTemplateError, match="more than 20,000 steps"):
        render_letter_body(body, SAMPLE_FIELDS[0])


def test_a_render_past_its_time_is_stopped(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SECONDS", -1)
    with pytest.raises(LetterTemplateError, match="takes more than -1 seconds"):
        render_letter_body("{% for word in ['one', 'two'] %}{{ word }}{% endfor %}", SAMPLE_FIELDS[0])


def test_nothing_renders_outside_a_budget():
    with pytest.raises(Exception, match="only through render_letter_body"):
        ENVIRONMENT.filters["upper"](ENVIRONMENT.from_string("").new_context(), "x")


@pytest.mark.parametrize("outcome", [Choice.APPROVE, Choice.DECLINE])
def test_the_default_letters_still_render(outcome):
    body = render_letter_body(default_template_body(outcome), SAMPLE_FIELDS[0])
    assert "Example Community Strings" in body


def test_ordinary_templates_render_as_before():
    body = (
        "{% set greeting = 'Dear ' ~ contact %}<p>{{ greeting }},</p>"
        "{% for line in conditions.split('\n') if line %}<li>{{ loop.index }} {{ line|upper }}</li>{% endfor %}"
        "{{ organisation|center(30)|trim }} {{ 2 ** 10 }} {{ '%05d'|format(7) }} {{ ['a', 'b']|join(', ') }}"
        "{{ conditions|paragraphs }}"
    )
    assert str(render_letter_body(body, SAMPLE_FIELDS[0])) == (
        "<p>Dear Alex Example,</p><li>1 A CONDITION.</li><li>2 ANOTHER CONDITION.</li>"
        "Example Community Strings 1024 00007 a, b<p>A condition.</p><p>Another condition.</p>"
    )


def test_a_long_but_allowed_letter_renders():
    body = "{% for a in 'x' * 1000 %}{{ 'y' * 190 }}{% endfor %}"
    assert len(render_letter_body(body, SAMPLE_FIELDS[0])) == 190_000


# Through the pages


def test_the_editor_refuses_a_costly_template_with_its_line(db, client, login, admin, hub):
    response = login(admin).post(f"/admin/letters/{hub.id}/approve", data={"body": "<p>One</p>\n{{ 'x'|center(10000000) }}", "save": "y"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "Line 2: this would build a value longer than 200,000 characters" in page


def test_previewing_a_letter_whose_template_blows_the_cap_gives_a_clear_error(db, client, login, officer, hub, organisation, applicant, chair):
    letter = draft_letter(make_application(hub, organisation, applicant, State.APPROVED, officer=officer), Choice.APPROVE)
    letter.template.body = "<p>Dear {{ contact }},</p>\n{% for a in 'x' * 1000 %}{{ 'y' * 1000 }}{% endfor %}"
    db.session.commit()
    response = login(officer).get(f"/office/applications/{letter.application_id}/letter/preview.pdf")
    assert response.status_code == 409
    assert "template has a problem on line 2: the letter would be longer than 200,000 characters" in response.get_data(as_text=True)
    issued = client.post(f"/office/applications/{letter.application_id}/letter/issue", data={"confirm": "y"})
    assert issued.status_code == 409
    assert db.session.get(DecisionLetter, letter.id).status is LetterStatus.DRAFTED


@pytest.mark.parametrize(
    "body, words",
    [
        ("{{ organisation|safe }}", "'safe' cannot be used"),
        ("{% autoescape false %}{{ organisation }}{% endautoescape %}", "cannot switch escaping off"),
    ],
)
def test_what_people_typed_is_never_printed_as_html(body, words):
    problem = validate_template(f"<p>Dear {{{{ contact }}}},</p>\n{body}")
    assert problem is not None and problem[0] == 2 and words in problem[1]

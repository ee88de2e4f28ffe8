"""Templates show; they don't decide: no role is read and no state is compared to a string.

Whether someone may do something is asked of the policy (`can(action, obj)`) or given by
the view as a flag; states are compared through their enums; colours and labels are
worked out in Python.
"""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

ROLE_READ = re.compile(r"\.(is_officer|is_admin|is_staff|is_trustee|is_chair|is_applicant)\b|\bin\s+[\w.]+\.roles\b")
STATE_AS_STRING = re.compile(
    r"\b(state|status|result|stage|outcome)(\.value)?\s*(==|!=|\bin\b|\bnot in\b)\s*[\(\[]?\s*['\"]"
)
COLOUR_TABLE = re.compile(r"\{%-?\s*set\s+\w*(colour|color)\w*\s*=\s*\{")


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt"))


@pytest.mark.parametrize(
    "pattern, what",
    [(ROLE_READ, "reads a role"), (STATE_AS_STRING, "compares a state to a string"), (COLOUR_TABLE, "defines colours")],
    ids=["roles", "states", "colours"],
)
def test_no_template_decides(pattern, what):
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in templates()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, f"A template {what}; ask can(...) or pass a flag from the view:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "{% if current_user.is_officer %}",
        "{% if viewer.is_trustee and x %}",
        "{% if 'officer' in current_user.roles %}",
        "{% if application.state.value == 'draft' %}",
        "{% if vote.status == \"open\" %}",
        "{% if item.result.value in ['approved', 'declined'] %}",
        "{% set result_colours = {'approved': 'green'} %}",
    ],
)
def test_the_patterns_catch_what_they_are_for(line):
    assert any(pattern.search(line) for pattern in (ROLE_READ, STATE_AS_STRING, COLOUR_TABLE))

"""The letter templates a hub starts with, until an admin edits them."""

from pathlib import Path

from ..votes.rule import Choice

FOLDER = Path(__file__).parent / "defaults"
OUTCOMES = (Choice.APPROVE, Choice.DECLINE)


def default_template_body(outcome: Choice) -> str:
    """The shipped template body for an approval or a decline."""
    if outcome not in OUTCOMES:
        raise ValueError(f"a decision letter approves or declines, not {outcome!r}")
    return (FOLDER / f"{outcome.value}.html").read_text(encoding="utf-8")

"""The letter templates a hub starts with, until an admin edits them."""

from pathlib import Path

from ..votes.rule import Choice

FOLDER = Path(__file__).parent / "defaults"


def default_template_body(outcome: Choice) -> str:
    return (FOLDER / f"{outcome.value}.html").read_text(encoding="utf-8")

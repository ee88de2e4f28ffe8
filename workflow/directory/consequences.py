"""What follows approval in the directory: the partnership starts."""

from flask import Flask

from ..applications.consequences import follows
from ..applications.lifecycle import State
from .partnerships import start_partnership


def register(app: Flask) -> None:
    follows(app, State.APPROVED, start_the_partnership)


def start_the_partnership(application, source: State, actor) -> None:
    """However the trustees decided (online vote or meeting), the partnership starts."""
    start_partnership(application)

"""What follows a change of state: one ordered list per target state.

Each area says what follows which state in its own `consequences.py`, and
`init_consequences` registers them when the app is created, in a fixed order (the
pattern of Indico's signals, kept in order). `apply_transition` runs the list for
its target state after the state has changed, in the same transaction. So
`applications/` imports none of the areas that act on its decisions.
"""

from collections.abc import Callable

from flask import Flask, current_app

from .lifecycle import State

Consequence = Callable[..., None]  # (application, source, actor) -> None; actor is SYSTEM for Consort itself


def follows(app: Flask, target: State, consequence: Consequence) -> None:
    """Register `consequence` to run, after those registered before it, whenever an application reaches `target`."""
    app.extensions.setdefault("consequences", {}).setdefault(target, []).append(consequence)


def following(target: State) -> list[Consequence]:
    """What follows `target`, in order."""
    return list(current_app.extensions.get("consequences", {}).get(target, ()))


def follow(application, source: State, target: State, actor) -> None:
    """Run what follows `target`, in order."""
    for consequence in following(target):
        consequence(application, source, actor)

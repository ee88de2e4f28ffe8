"""What the command-line commands share: the refusal to run in production."""

import click
from flask import current_app


def refuse_in_production(what: str) -> None:
    """Stop a command that must never touch a live service."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(f"{what}: it is refused in production (CONSORT_ENV=production)")

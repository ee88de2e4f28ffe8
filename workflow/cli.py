"""Command-line commands: hubs, users, the demo, and the scheduled `tick`."""

import click
from flask import Flask, current_app


def refuse_in_production(what: str) -> None:
    """Stop a command that must never touch a live service."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(f"{what}: it is refused in production (CONSORT_ENV=production)")


def register_commands(app: Flask) -> None:
    """Add Consort's commands to `flask`; each commits once at its end."""
    from .accounts.cli import users
    from .audit.cli import audit
    from .backups import backup_command, restore_command
    from .hubs.cli import hubs
    from .demo import demo_command
    from .reviews.seed import seed
    from .tick import tick_command

    for command in (audit, backup_command, restore_command, users, hubs, demo_command, seed, tick_command):
        app.cli.add_command(command)

"""Command-line commands: hubs, users, the demo, the seed, backups, the audit and the scheduled `tick`."""

from flask import Flask

from .accounts.cli import users
from .audit.cli import audit
from .backups import backup_command, restore_command
from .demo import demo_command
from .hubs.cli import hubs
from .reviews.seed import seed
from .tick import tick_command


def register_commands(app: Flask) -> None:
    """Add Consort's commands to `flask`; each commits once at its end."""
    for command in (audit, backup_command, restore_command, users, hubs, demo_command, seed, tick_command):
        app.cli.add_command(command)

"""`flask audit verify`: report the first broken link of each history chain."""

import click
from flask.cli import AppGroup

from .verify import verify_chains

audit = AppGroup("audit", help="The applications' audit trail.")


@audit.command("verify")
def verify_command() -> None:
    """Check every application's chain of events; exit 1 if any link is broken."""
    broken = verify_chains()
    for link in broken:
        click.echo(f"Application {link.application_id}: event {link.sequence} {link.reason}")
    if broken:
        raise SystemExit(1)
    click.echo("Every application's history checks out.")

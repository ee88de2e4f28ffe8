"""`flask hubs load FILE`: hubs as data."""

import click
from flask.cli import AppGroup

from ..extensions import db
from ..words import counted
from .operations import load_hubs, read_configuration

hubs = AppGroup("hubs", help="Hub configuration.")


@hubs.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_command(path: str) -> None:
    """Load (create or update) the hubs in a configuration file."""
    try:
        loaded = load_hubs(read_configuration(path))
    except ValueError as problem:
        raise click.ClickException(str(problem)) from None
    db.session.commit()
    for hub in loaded:
        click.echo(f"Loaded {hub.name} ({hub.reference_prefix}): {counted(len(hub.goals), 'goal')}, {counted(len(hub.districts), 'district')}")

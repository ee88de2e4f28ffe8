"""`flask users create`: office and board accounts."""

import click
from flask.cli import AppGroup

from ..extensions import db
from .models import Role
from .operations import create_member, email_taken

users = AppGroup("users", help="Office and board accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.password_option()
def create_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create an officer, admin, trustee or chair."""
    if email_taken(email):
        raise click.ClickException(f"An account with the email {email} already exists.")
    user = create_member(name=name, email=email, password=password, roles={Role(r) for r in roles})
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(r.value for r in user.roles))}")

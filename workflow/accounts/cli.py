"""`flask users create`: office and board accounts."""

import click
from flask.cli import AppGroup

from ..extensions import db
from .models import Role
from .operations import create_member, email_taken
from .passwords import password_problem

users = AppGroup("users", help="Office and board accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.password_option()
def create_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create an officer, admin, trustee or chair (the password is held to the one password policy)."""
    if email_taken(email):
        raise click.ClickException(f"An account with the email {email} already exists.")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.BadParameter(problem, param_hint="'--password'")
    user = create_member(name=name, email=email, password=password, roles={Role(r) for r in roles})
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(r.value for r in user.roles))}")

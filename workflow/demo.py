"""`flask demo`: the NMPAT example hubs and demo accounts, with their sign-ins printed."""

import base64
import hashlib

import click
from flask import current_app

from config import BASE_DIR

from .accounts.keys import decrypt_totp_secret, encrypt_totp_secret
from .accounts.models import Role
from .accounts.operations import (
    create_member,
    email_taken,
    find_user,
    register_applicant,
)
from .cli import refuse_in_production
from .extensions import db
from .hubs.operations import load_hubs, read_configuration
from .types import utcnow

DEMO_PASSWORD = "demo-password-2026"

DEMO_MEMBERS = [
    ("Olivia Officer", "officer@demo.consort.invalid", {Role.OFFICER}),
    ("Oscar Officer", "officer2@demo.consort.invalid", {Role.OFFICER}),
    ("Alex Admin", "admin@demo.consort.invalid", {Role.ADMIN, Role.OFFICER}),
    ("Charlotte Chair", "chair@demo.consort.invalid", {Role.CHAIR}),
    ("Tomasz Trustee", "trustee1@demo.consort.invalid", {Role.TRUSTEE}),
    ("Priya Trustee", "trustee2@demo.consort.invalid", {Role.TRUSTEE}),
    ("Yiannis Trustee", "trustee3@demo.consort.invalid", {Role.TRUSTEE}),
]
DEMO_APPLICANT = ("Ada Applicant", "applicant@demo.consort.invalid", "Demo Strings Collective (demo)")


def demo_totp_secret(email: str) -> str:
    """The fixed TOTP secret of a demo office or board account (public: demo only)."""
    return base64.b32encode(hashlib.sha256(f"consort demo {email}".encode()).digest()[:20]).decode()


@click.command("demo")
@click.option("--config", "config_path", default=str(BASE_DIR / "hubs" / "nmpat.toml"), show_default=True)
def demo_command(config_path: str) -> None:
    """Load the example hubs and demo accounts (safe to run again; refused in production)."""
    refuse_in_production("flask demo makes an admin with a published password and known two-factor secrets")
    try:
        hubs = load_hubs(read_configuration(config_path))
    except ValueError as problem:
        raise click.ClickException(str(problem)) from None
    for name, email, roles in DEMO_MEMBERS:
        if not email_taken(email):
            user = create_member(name=name, email=email, password=DEMO_PASSWORD, roles=roles)
            user.totp_secret = encrypt_totp_secret(demo_totp_secret(email))
            user.totp_enabled_at = user.email_verified_at = utcnow()
    name, email, organisation = DEMO_APPLICANT
    if not email_taken(email):
        register_applicant(name=name, email=email, password=DEMO_PASSWORD, organisation_name=organisation, verified=True)
    db.session.commit()
    click.echo(f"Hubs: {', '.join(hub.name for hub in hubs)}")
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for name, email, roles in [(n, e, r) for n, e, r in DEMO_MEMBERS] + [(DEMO_APPLICANT[0], DEMO_APPLICANT[1], {"applicant"})]:
        labels = ", ".join(sorted(getattr(r, "value", r) for r in roles))
        click.echo(f"  {email:<34} {labels}")
    click.echo("Two-factor sign-in: add each office and board account's TOTP secret to an authenticator app:")
    for _name, email, _roles in DEMO_MEMBERS:
        user = find_user(email)
        secret = user is not None and user.totp_secret and decrypt_totp_secret(user.totp_secret)
        if secret:
            click.echo(f"  {email:<34} {secret}")
    click.echo(f"Emails and letters link to {current_app.config['PUBLIC_URL']} (PUBLIC_URL)")

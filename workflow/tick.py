"""`flask tick`: the scheduled "system" actor (run it from cron or a systemd timer)."""

import click
from flask import current_app

from .extensions import db
from .notifications.delivery import deliver_outbox


@click.command("tick")
def tick_command() -> None:
    """Close votes that are due, send reminders, then deliver the outbox."""
    from .votes.operations import close_due_votes, send_vote_reminders

    closed = close_due_votes()
    reminded = send_vote_reminders()
    db.session.commit()
    sent, failed = deliver_outbox()
    click.echo(
        f"Closed {closed} vote(s); reminded {reminded} trustee(s); "
        f"delivered {sent} message(s) by {current_app.config['MAIL_TRANSPORT']}, {failed} to retry."
    )

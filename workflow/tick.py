"""`flask tick`: the scheduled "system" actor (run it from cron or a systemd timer)."""

import click
from flask import current_app

from .database import read_transaction
from .extensions import db
from .notifications.delivery import deliver_outbox
from .words import counted


@click.command("tick")
def tick_command() -> None:
    """Close due votes, send reminders, anonymise, deliver the outbox, fold the queue counts, count the dashboard.

    Running it twice in a row changes nothing more the second time, but the dashboard's counting time.
    """
    from .directory.partnerships import remind_partnerships_ending
    from .privacy.anonymise import anonymise_due_applications
    from .reviews.counts import fold_queue_counts
    from .reviews.dashboard import figures
    from .reviews.snapshot import keep_snapshot
    from .votes.operations import close_due_votes, send_vote_reminders

    closed = close_due_votes()
    reminded = send_vote_reminders()
    ending = remind_partnerships_ending()
    anonymised = anonymise_due_applications()
    db.session.commit()
    sent, failed = deliver_outbox()
    fold_queue_counts()
    db.session.commit()
    with read_transaction():  # the long count never makes SQLite's writers wait
        shown = figures()
    keep_snapshot(shown)
    db.session.commit()
    click.echo(
        f"Closed {counted(closed, 'vote')}; reminded {counted(reminded, 'trustee')}; "
        f"reminded {counted(ending, 'partnership')} ending; anonymised {counted(anonymised, 'application')}; "
        f"delivered {counted(sent, 'message')} by {current_app.config['MAIL_TRANSPORT']}, {failed} to retry; "
        "counted the dashboard's figures."
    )

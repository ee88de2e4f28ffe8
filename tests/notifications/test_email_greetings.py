"""Every email to a person greets them by name; the receipt names the organisation in the possessive."""

import pytest
from sqlalchemy import select

from tests.builders import fill_draft, make_application
from workflow.applications.lifecycle import State
from workflow.applications.operations import send_message, start_application, submit_application
from workflow.directory.partnerships import remind_partnerships_ending, start_partnership
from workflow.notifications.models import OutboxMessage
from workflow.reviews.operations import request_information, take_application


def emails(db, kind: str) -> dict[str, str]:
    """The bodies of the emails of one kind, by recipient."""
    return {m.recipient: m.body for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))}


@pytest.fixture()
def submitted(db, app, hub, organisation, applicant, officer, make_user):
    """Brackley Youth Strings' application, submitted by Ada; Jo Bloggs is a colleague, Grace the main contact."""
    organisation.name, organisation.contact_name, organisation.contact_email = (
        "Brackley Youth Strings", "Grace Contact", "grace@example.org",
    )
    make_user(name="Jo Bloggs", organisation=organisation)
    application = start_application(applicant, organisation, hub)
    with app.test_request_context():
        fill_draft(application, applicant)
        submit_application(application, applicant)
    db.session.commit()
    return application


def test_the_receipt_greets_each_member_and_the_contact_by_name(db, submitted, applicant):
    receipts = emails(db, "submission_receipt")

    assert receipts[applicant.email].startswith("Hello Ada Lovelace,\n")
    assert receipts["grace@example.org"].startswith("Hello Grace Contact,\n")
    assert any(body.startswith("Hello Jo Bloggs,\n") for body in receipts.values())
    assert all("We have received Brackley Youth Strings' application" in body for body in receipts.values())


def test_the_trust_offices_emails_to_the_applicant_greet_them_by_name(db, app, submitted, applicant, officer):
    with app.test_request_context():
        take_application(submitted, officer)
        send_message(submitted, officer, "Could you tell us more about Saturdays?")
        request_information(submitted, officer, ["offer"], "Which districts do you reach?")
    db.session.commit()

    for kind in ("message_to_applicant", "information_requested"):
        assert emails(db, kind)[applicant.email].startswith("Hello Ada Lovelace,\n"), kind


def test_the_partnership_reminder_greets_the_partner_by_name(db, app, hub, organisation, applicant):
    partnership = start_partnership(make_application(hub, organisation, applicant, State.APPROVED))
    partnership.ends_on = partnership.starts_on
    with app.test_request_context():
        remind_partnerships_ending()

    assert emails(db, "partnership_ending")[applicant.email].startswith("Hello Ada Lovelace,\n")


def test_no_email_to_a_person_starts_without_their_name(db, app, submitted, officer):
    with app.test_request_context():
        take_application(submitted, officer)
        send_message(submitted, officer, "Hello from the trust office")
    db.session.commit()

    to_people = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient != app.config["OFFICE_EMAIL"]))
    assert [m.kind for m in to_people if m.body.startswith("Hello,")] == []

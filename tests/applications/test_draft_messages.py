"""Messages about an application not yet submitted reach the trust office, which answers them (SPEC 4)."""

import re

import pytest
from sqlalchemy import select

from tests.builders import make_application
from workflow.accounts.models import Role
from workflow.applications.lifecycle import State
from workflow.applications.models import Message
from workflow.applications.operations import save_section, start_application, withdraw_application
from workflow.notifications.models import OutboxMessage


@pytest.fixture()
def draft(db, hub, organisation, applicant):
    application = start_application(applicant, organisation, hub)
    save_section(application, "complementarity", {"complementarity": "Our private draft answer."}, applicant, 0)
    db.session.commit()
    return application


def _office_link(db) -> str:
    email = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "message_to_office")).one()
    return re.search(r"https?://\S+(/office/\S+)", email.body).group(1)


def test_an_applicants_message_on_a_draft_is_read_and_answered_by_the_office(db, client, login, draft, applicant, officer):
    login(applicant)
    response = client.post(f"/applications/{draft.id}/messages", data={"body": "Can a school apply?"})
    assert response.status_code == 302
    link = _office_link(db)
    assert link == f"/office/drafts/{draft.id}/messages"

    login(officer)
    page = client.get(link).get_data(as_text=True)
    assert "Can a school apply?" in page and draft.organisation.name in page
    assert "Our private draft answer." not in page  # a draft's answers stay the organisation's own

    response = client.post(link, data={"message-body": "Yes: choose school or academy."})
    assert response.status_code == 302 and response.headers["Location"].endswith(link)
    reply = db.session.scalars(select(Message).where(Message.author_id == officer.id)).one()
    assert reply.body == "Yes: choose school or academy."
    to_applicant = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "message_to_applicant")).one()
    assert to_applicant.recipient == applicant.email

    login(applicant)
    assert "Yes: choose school or academy." in client.get(f"/applications/{draft.id}/messages").get_data(as_text=True)


def test_a_draft_withdrawn_keeps_its_messages_reachable(db, client, login, draft, applicant, officer):
    withdraw_application(draft, applicant, "We will apply next year.")
    db.session.commit()
    login(officer)
    response = client.post(f"/office/drafts/{draft.id}/messages", data={"message-body": "Thank you for letting us know."})
    assert response.status_code == 302
    assert draft.state is State.WITHDRAWN


def test_an_empty_or_long_reply_is_refused_and_keeps_what_was_typed(db, client, login, draft, officer):
    login(officer)
    url = f"/office/drafts/{draft.id}/messages"
    assert "Enter a message" in client.post(url, data={"message-body": "  "}).get_data(as_text=True)
    long_text = "Long words " * 600
    response = client.post(url, data={"message-body": long_text})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and long_text.strip() in page
    assert db.session.scalars(select(Message)).all() == []


def test_a_submitted_application_s_messages_are_on_its_office_page(db, client, login, hub, organisation, applicant, officer):
    submitted = make_application(hub, organisation, applicant, State.SUBMITTED)
    login(officer)
    response = client.get(f"/office/drafts/{submitted.id}/messages")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/office/applications/{submitted.id}#messages")


@pytest.mark.parametrize("who", ["applicant", "trustee"])
def test_the_office_messages_page_is_for_staff(db, client, login, draft, applicant, make_user, who):
    login(applicant if who == "applicant" else make_user(Role.TRUSTEE))
    assert client.get(f"/office/drafts/{draft.id}/messages").status_code == 403


def test_an_unknown_application_is_404(db, client, login, officer):
    login(officer)
    assert client.get("/office/drafts/999999/messages").status_code == 404

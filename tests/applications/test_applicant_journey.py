"""The applicant's journey through the pages: register, profile, sections, submit, and after."""

import io
import re
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from tests.builders import complete_answers, fill_draft, make_application
from tests.mail_helpers import parse_email, pdf_attachments, pdf_text
from tests.page_helpers import PROFILE, fill_every_section, loaded_version, register_and_confirm
from workflow.accounts.models import User
from workflow.applications.lifecycle import State
from workflow.applications.models import Application, Document, Message
from workflow.applications.operations import send_message, start_application
from workflow.audit.models import ApplicationEvent
from workflow.audit.operations import record_event
from workflow.notifications.delivery import deliver_outbox
from workflow.notifications.models import OutboxAttachment, OutboxMessage
from workflow.types import london, utcnow
from workflow.votes.models import Vote, VoteStatus
from workflow.votes.rule import Majority

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_register_profile_fill_check_submit(client, db, hub, app):
    register_and_confirm(client, "Mary Seacole", "mary@example.org", "Corby Steel Band")
    assert client.get("/organisation").status_code == 200

    response = client.post("/organisation", data=PROFILE)
    assert response.status_code == 302 and response.headers["Location"].endswith("/applications")
    user = db.session.scalar(select(User).where(User.email == "mary@example.org"))
    organisation = user.memberships[0].organisation
    assert (organisation.postcode, organisation.charity_number, organisation.website, organisation.contact_email) == (
        "NN17 1AA", "1234567", "https://www.steel.example.org", "mary@example.org"
    )

    home = client.get("/applications").get_data(as_text=True)
    assert "Start an application" in home and hub.name in home
    response = client.post("/applications/new", data={"hub": str(hub.id)})
    assert response.status_code == 302
    application = db.session.scalar(select(Application).where(Application.organisation_id == organisation.id))
    assert response.headers["Location"].endswith(f"/applications/{application.id}")
    assert application.state is State.DRAFT
    # Starting again returns the same draft.
    client.post("/applications/new", data={"hub": str(hub.id)})
    assert len(db.session.scalars(select(Application)).all()) == 1

    task_list = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert task_list.count("Not started") == 7 and "Completed" in task_list

    fill_every_section(client, application.id, hub)
    task_list = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "You have completed 8 of 8 sections" in task_list and "Not started" not in task_list

    check = client.get(f"/applications/{application.id}/check")
    page = check.get_data(as_text=True)
    assert check.status_code == 200
    assert "Weekly string groups" in page and "Corby Steel Band Trust" in page and "Safeguarding policy 2026.pdf" in page
    assert "Submit application" in page
    change = re.search(r'<a class="govuk-link" href="/organisation[^"]*">(.*?)</a>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", change).split() == ["Change", "(Your", "organisation)"]  # the section, once

    response = client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{application.id}/submitted")
    db.session.expire_all()
    year = london(utcnow()).year
    assert application.state is State.SUBMITTED
    assert application.reference == f"NMEH-{year}-0001"
    assert application.submitted_at is not None
    assert f"NMEH-{year}-0001" in client.get(response.headers["Location"]).get_data(as_text=True)

    snapshot = application.answers("organisation")
    assert snapshot == organisation.profile()
    assert application.section("organisation").completed

    receipts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "submission_receipt")).all()
    assert [r.recipient for r in receipts] == ["mary@example.org"]
    assert application.reference in receipts[0].subject and application.reference in receipts[0].body
    assert f"/applications/{application.id}/copy.pdf" in receipts[0].body
    assert receipts[0].attachment.filename == f"{application.reference}-answers.pdf"
    # The request froze the copy's page; delivery, outside the request, makes the PDF.
    assert receipts[0].attachment.content is None and application.reference in receipts[0].attachment.source_html
    office = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "submission_received_office")).all()
    assert [o.recipient for o in office] == [app.config["OFFICE_EMAIL"]]

    events = db.session.scalars(
        select(ApplicationEvent).where(ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.sequence)
    ).all()
    assert [e.kind for e in events] == ["started", "document_uploaded", "document_uploaded", "submit"]
    assert (events[-1].from_state, events[-1].to_state, events[-1].actor_id) == ("draft", "submitted", user.id)
    assert len(db.session.scalars(select(Document)).all()) == 2

    # Submitting twice is refused, and the answers can no longer change.
    assert client.post(f"/applications/{application.id}/submit").status_code == 409
    assert client.get(f"/applications/{application.id}/sections/offer").status_code == 409
    overview = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Submitted" in overview and "Messages with the trust office" in overview


def test_references_count_per_hub_and_year(client, db, hub, make_organisation, make_user, login):
    year = london(utcnow()).year
    references = []
    for name in ("First Band", "Second Band"):
        organisation = make_organisation(name)
        user = make_user(organisation=organisation)
        application = start_application(user, organisation, hub)
        fill_draft(application, user)
        db.session.commit()
        g.pop("_login_user", None)  # Flask-Login keeps the last user in the shared app context
        login(user)
        assert client.post(f"/applications/{application.id}/submit").status_code == 302
        db.session.expire_all()
        references.append(application.reference)
    assert references == [f"NMEH-{year}-0001", f"NMEH-{year}-0002"]


def test_the_receipt_carries_a_pdf_of_the_answers_as_submitted(client, db, hub, organisation, applicant, login, app):
    application = start_application(applicant, organisation, hub)
    fill_draft(application, applicant)
    db.session.commit()
    login(applicant)
    assert client.post(f"/applications/{application.id}/submit").status_code == 302
    db.session.expire_all()
    reference = application.reference

    receipts = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "submission_receipt").order_by(OutboxMessage.recipient)
    ).all()
    # The member and the organisation's contact each get a receipt; both carry one stored copy.
    assert [r.recipient for r in receipts] == ["ada@example.org", applicant.email]
    assert receipts[0].attachment_id == receipts[1].attachment_id is not None
    assert len(db.session.scalars(select(OutboxAttachment)).all()) == 1
    assert "Weekly string groups" not in receipts[0].body  # the PDF replaces the answers in the text

    # Answers changed later (say, at the office's request) do not change the copy sent.
    offer = application.section("offer")
    offer.answers = {**offer.answers, "description": "Rewritten after the office asked."}
    db.session.commit()
    assert deliver_outbox() == (3, 0)  # two receipts and the office's notice

    by_recipient = {}
    for path in app.config["MAIL_FOLDER"].glob("*.eml"):
        email = parse_email(path.read_bytes())
        by_recipient[email["To"]] = pdf_attachments(email)
    assert by_recipient[app.config["OFFICE_EMAIL"]] == {}
    for recipient in ("ada@example.org", applicant.email):
        [(filename, pdf)] = by_recipient[recipient].items()
        assert filename == f"{reference}-answers.pdf"
        text = pdf_text(pdf)
        assert reference in text and "Weekly string groups" in text and "Rewritten" not in text


def test_submit_refuses_incomplete_sections_and_closed_hub(client, db, hub, organisation, applicant, login):
    application = start_application(applicant, organisation, hub)
    db.session.commit()
    login(applicant)
    response = client.post(f"/applications/{application.id}/submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Not complete yet: What you offer, Hub goals" in page and "Declarations" in page

    fill_draft(application, applicant)
    hub.open_all_year = False
    db.session.commit()
    response = client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 409 and "closed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.state is State.DRAFT and application.reference is None
    assert db.session.scalars(select(OutboxMessage)).all() == []

    hub.open_all_year = True
    db.session.commit()
    assert client.post(f"/applications/{application.id}/submit").status_code == 302


def test_profile_gaps_keep_the_organisation_section_open(client, db, hub, organisation, applicant, login):
    application = start_application(applicant, organisation, hub)
    fill_draft(application, applicant)
    organisation.safeguarding_lead = ""
    db.session.commit()
    login(applicant)
    page = client.get(f"/applications/{application.id}/sections/organisation").get_data(as_text=True)
    assert "Enter the name of your safeguarding lead" in page and "Complete your profile" in page
    response = client.post(f"/applications/{application.id}/submit")
    assert response.status_code == 409 and "Your organisation" in response.get_data(as_text=True)


def test_withdraw_needs_a_reason_and_closes_an_open_vote(client, db, hub, organisation, applicant, officer, login, soon, app):
    application = make_application(hub, organisation, applicant, State.WITH_TRUSTEES, answers=complete_answers(hub))
    vote = Vote(application_id=application.id, opened_by_id=officer.id, deadline=soon, quorum=3, majority=Majority.SIMPLE)
    db.session.add(vote)
    db.session.commit()
    login(applicant)
    url = f"/applications/{application.id}/withdraw"
    assert client.get(url).status_code == 200

    response = client.post(url, data={"reason": "  "})
    assert response.status_code == 200 and "Say why you are withdrawing" in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.state is State.WITH_TRUSTEES

    response = client.post(url, data={"reason": "We have merged with another charity."})
    assert response.status_code == 302
    db.session.expire_all()
    assert application.state is State.WITHDRAWN
    assert vote.status is VoteStatus.WITHDRAWN and vote.closed_at is not None
    event = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.kind == "withdraw"))
    assert event.detail.text == "We have merged with another charity." and event.from_state == "with_trustees"
    notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "application_withdrawn"))
    assert notice.recipient == app.config["OFFICE_EMAIL"] and "merged" in notice.body
    assert client.get(url).status_code == 409


def _request_information(db, application, officer, sections, message):
    application.reopened_sections = sections
    db.session.flush()
    record_event(application, "request_information", officer, from_state="in_review", to_state="info_requested", detail=message)
    db.session.commit()


def test_respond_to_a_request_for_information(client, db, hub, organisation, applicant, officer, login, app):
    answers = complete_answers(hub)
    application = make_application(hub, organisation, applicant, State.INFO_REQUESTED, officer=officer, answers=answers)
    _request_information(db, application, officer, ["goals"], "Please tell us more about how you reach every young person.")
    login(applicant)

    home = client.get("/applications").get_data(as_text=True)
    assert "The trust office has asked for more information on:" in home and "Hub goals" in home
    assert "how you reach every young person" in home
    respond_page = client.get(f"/applications/{application.id}/respond").get_data(as_text=True)
    assert "how you reach every young person" in respond_page
    assert f"/applications/{application.id}/sections/goals" in respond_page

    assert client.get(f"/applications/{application.id}/sections/offer").status_code == 409
    url = f"/applications/{application.id}/sections/goals"
    posted = {**answers["goals"], "goals": [g.title for g in hub.goals], "how": "We run free sessions in every district."}
    response = client.post(url, data={"version": loaded_version(client, url), **posted})
    assert response.status_code == 302 and response.headers["Location"].endswith("/respond")

    response = client.post(f"/applications/{application.id}/respond", data={"message": ""})
    assert response.status_code == 200 and "Enter your response" in response.get_data(as_text=True)
    response = client.post(f"/applications/{application.id}/respond", data={"message": "We have added both goals."})
    assert response.status_code == 302
    db.session.expire_all()
    assert application.state is State.IN_REVIEW
    assert application.answers("goals")["how"] == "We run free sessions in every district."
    assert [m.body for m in application.messages] == ["We have added both goals."]
    kinds = [e.kind for e in db.session.scalars(select(ApplicationEvent).order_by(ApplicationEvent.sequence))]
    assert kinds == ["request_information", "section_updated", "respond"]
    notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "information_provided"))
    assert notice.recipient == app.config["OFFICE_EMAIL"] and "We have added both goals." in notice.body
    assert client.post(f"/applications/{application.id}/respond", data={"message": "Again"}).status_code == 409


def test_respond_refuses_while_a_reopened_section_is_incomplete(client, db, hub, organisation, applicant, officer, login):
    answers = complete_answers(hub)
    answers["goals"] = {"goals": [], "how": ""}
    application = make_application(hub, organisation, applicant, State.INFO_REQUESTED, officer=officer, answers=answers)
    _request_information(db, application, officer, ["goals"], "Which goals?")
    login(applicant)
    response = client.post(f"/applications/{application.id}/respond", data={"message": "Done"})
    assert response.status_code == 409 and "Hub goals" in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.state is State.INFO_REQUESTED and application.messages == []


def test_reopened_organisation_section_takes_a_new_snapshot(client, db, hub, organisation, applicant, officer, login):
    application = make_application(hub, organisation, applicant, State.INFO_REQUESTED, officer=officer, answers=complete_answers(hub))
    _request_information(db, application, officer, ["organisation"], "Your website address is out of date.")
    login(applicant)
    assert client.get(f"/applications/{application.id}/sections/organisation").status_code == 200
    response = client.post(
        f"/organisation?next=/applications/{application.id}/respond",
        data={**organisation.profile(), "website": "https://new.example.org"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/respond")
    assert client.post(f"/applications/{application.id}/respond", data={"message": "Updated"}).status_code == 302
    db.session.expire_all()
    assert application.answers("organisation")["website"] == "https://new.example.org"


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.APPROVED, State.WITHDRAWN])
def test_messages_both_ways_in_any_state(client, db, hub, organisation, applicant, officer, login, app, state):
    application = make_application(hub, organisation, applicant, state, answers=complete_answers(hub))
    login(applicant)
    response = client.post(f"/applications/{application.id}/messages", data={"body": "Can we add a second venue?"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Can we add a second venue?" in page

    with app.test_request_context():  # the layout's context processor needs a request
        send_message(application, officer, "Yes, add it to your in-kind contribution.")
    db.session.commit()
    db.session.expire_all()
    assert [(m.body, m.from_office) for m in application.messages] == [
        ("Can we add a second venue?", False), ("Yes, add it to your in-kind contribution.", True),
    ]
    outbox = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(o.kind, o.recipient) for o in outbox] == [
        ("message_to_office", app.config["OFFICE_EMAIL"]), ("message_to_applicant", applicant.email),
    ]
    assert [e.kind for e in db.session.scalars(select(ApplicationEvent))] == ["message_sent", "message_sent"]
    assert client.post(f"/applications/{application.id}/messages", data={"body": " "}).status_code == 200
    assert len(db.session.scalars(select(Message)).all()) == 2


def test_home_says_what_happens_next(client, db, hub, organisation, applicant, login):
    make_application(hub, organisation, applicant, State.WITH_TRUSTEES, answers=complete_answers(hub))
    make_application(hub, organisation, applicant, State.DRAFT)
    login(applicant)
    page = client.get("/applications").get_data(as_text=True)
    assert "With the trustees" in page and "who decide whether to approve it" in page
    assert "Continue your application" in page


def test_a_second_application_waits_for_the_first_to_be_decided(client, db, hub, organisation, applicant, login):
    make_application(hub, organisation, applicant, State.IN_REVIEW, answers=complete_answers(hub))
    login(applicant)
    response = client.post("/applications/new", data={"hub": str(hub.id)})
    assert response.status_code == 409 and "already has an application" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Application)).all()) == 1


def test_round_closing_keeps_the_draft(client, db, hub, organisation, applicant, login):
    from workflow.hubs.models import Round

    application = start_application(applicant, organisation, hub)
    fill_draft(application, applicant)
    hub.open_all_year = False
    hub.rounds = [Round(name="Spring", opens_at=utcnow() + timedelta(days=30), closes_at=utcnow() + timedelta(days=60))]
    db.session.commit()
    login(applicant)
    response = client.post(f"/applications/{application.id}/submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "next round opens on" in page
    assert re.search(r"Your draft is saved", page)


def test_the_overview_links_to_an_issued_decision_letter(client, db, hub, organisation, applicant, officer, login):
    from workflow.letters.models import DecisionLetter, LetterStatus, LetterTemplate
    from workflow.votes.rule import Choice

    application = make_application(hub, organisation, applicant, State.APPROVED, answers=complete_answers(hub))
    template = LetterTemplate(hub_id=hub.id, outcome=Choice.APPROVE, version=1, body="Dear {{ organisation }}")
    db.session.add(template)
    db.session.flush()
    letter = DecisionLetter(application_id=application.id, outcome=Choice.APPROVE, template_id=template.id)
    db.session.add(letter)
    db.session.commit()
    login(applicant)
    link = f"/applications/{application.id}/letter.pdf"
    assert link not in client.get(f"/applications/{application.id}").get_data(as_text=True)

    officer_id = officer.id
    letter.status, letter.pdf, letter.pdf_sha256 = LetterStatus.ISSUED, PDF, "0" * 64
    letter.issued_at, letter.issued_by_id = utcnow(), officer_id
    db.session.commit()
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert link in page and "The trustees approved your application" in page


def test_concurrent_submissions_never_share_a_reference(app, db, hub):
    """Two transactions allocating the first number of a new year at once get 1 and 2."""
    import threading
    from types import SimpleNamespace

    from workflow.applications.operations import allocate_reference
    from workflow.extensions import db as database

    target = SimpleNamespace(id=hub.id, reference_prefix=hub.reference_prefix)
    db.session.rollback()  # end this thread's transaction (on SQLite it holds the write lock)
    barrier, results, errors = threading.Barrier(2), [], []

    def allocate():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(allocate_reference(target, 2099))
                database.session.commit()
            except Exception as error:  # reported below, so a failure names its cause
                errors.append(error)
                database.session.rollback()
            finally:
                database.session.remove()

    threads = [threading.Thread(target=allocate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == ["NMEH-2099-0001", "NMEH-2099-0002"]


def test_forged_posts_are_refused_without_a_server_error(client, db, hub, organisation, applicant, login):
    application = start_application(applicant, organisation, hub)
    db.session.commit()
    login(applicant)
    url = f"/applications/{application.id}/sections/offer"
    response = client.post(url, data={"version": "0", "description": (io.BytesIO(PDF), "x.pdf"), "districts": "Nowhere"},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "Describe what your organisation offers" in response.get_data(as_text=True)
    assert client.post(url, data={"version": "abc"}).status_code == 409


def test_two_tabs_submitting_at_once_submit_once(app, db, hub, organisation, applicant):
    """Exactly one of two simultaneous submissions wins; the other is told, and nothing doubles."""
    import threading

    from workflow.applications.operations import submit_application
    from workflow.errors import WrongState
    from workflow.extensions import db as database

    application = start_application(applicant, organisation, hub)
    fill_draft(application, applicant)
    db.session.commit()
    application_id, user_id = application.id, applicant.id
    db.session.rollback()
    barrier, outcomes = threading.Barrier(2), []

    def submit():
        with app.test_request_context(method="POST"):  # a POST begins its transaction as a writer
            try:
                barrier.wait(timeout=10)
                submit_application(database.session.get(Application, application_id), database.session.get(User, user_id))
                database.session.commit()
                outcomes.append("submitted")
            except WrongState:
                database.session.rollback()
                outcomes.append("refused")
            finally:
                database.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "submitted"]
    db.session.expire_all()
    assert db.session.get(Application, application_id).reference.endswith("-0001")
    assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "submission_received_office")).all()) == 1
    assert [e.kind for e in db.session.scalars(select(ApplicationEvent).where(ApplicationEvent.kind == "submit"))] == ["submit"]

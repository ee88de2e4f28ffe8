"""The trust office's queues and its work on one application."""

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, update

from tests.builders import counting_queries, make_application
from tests.page_helpers import assessment_data, deadline_fields
from workflow.accounts.models import Role
from workflow.applications.lifecycle import State
from workflow.applications.models import Application, ApplicationSection, Document, Message
from workflow.audit.models import ApplicationEvent
from workflow.hubs.models import Hub
from workflow.notifications.models import OutboxMessage
from workflow.organisations.models import Organisation, OrganisationType
from workflow.reviews.models import Assessment, Note, Recommendation
from workflow.reviews.views import time_in_state
from workflow.types import LONDON, utcnow
from workflow.votes.models import Vote

# --- helpers -----------------------------------------------------------------


class PageParser(HTMLParser):
    """Collects the queue tabs' texts and the table rows' cells, and checks what every page needs:
    unique ids, a label for every control and a legend with words for every fieldset."""

    CONTROLS = {"input", "select", "textarea"}
    UNLABELLED_TYPES = {"hidden", "submit", "button"}

    def __init__(self):
        super().__init__()
        self.tabs, self.rows, self.ids = [], [], set()
        self.controls, self.labelled, self.fieldsets = [], set(), []
        self._tab = self._row = self._cell = None
        self._legend = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            assert attrs["id"] not in self.ids, f"duplicate id {attrs['id']}"
            self.ids.add(attrs["id"])
        if tag in self.CONTROLS and attrs.get("type") not in self.UNLABELLED_TYPES:
            self.controls.append(attrs.get("id"))
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag == "fieldset":
            self.fieldsets.append("")
        if tag == "legend":
            self._legend = []
        if tag == "a" and "govuk-tabs__tab" in (attrs.get("class") or ""):
            self._tab = []
        elif tag == "tr" and self._row is None:
            self._row = []
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "legend" and self._legend is not None:
            self.fieldsets[-1] = "".join(self._legend).strip()
            self._legend = None
        elif tag == "fieldset":
            assert self.fieldsets.pop(), "a fieldset without a legend"
        elif tag == "a" and self._tab is not None:
            self.tabs.append(" ".join("".join(self._tab).split()))
            self._tab = None
        elif tag in {"td", "th"} and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        for collecting in (self._tab, self._cell, self._legend):
            if collecting is not None:
                collecting.append(data)

    def close(self):
        super().close()
        unlabelled = [control for control in self.controls if control not in self.labelled]
        assert not unlabelled, f"controls without a label: {unlabelled}"


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return parser


def tab_counts(response) -> dict[str, int]:
    counts = {}
    for text in parse(response).tabs:
        label, number = re.match(r"(.+?) applications: \((\d+)\)", text).groups()
        counts[label] = int(number)
    return counts


def queue_rows(response) -> list[list[str]]:
    """The queue table's rows (header skipped) without the officer's selection column."""
    return [row[1:] if row[0].startswith("Select") else row for row in parse(response).rows[1:]]


def references(response) -> list[str]:
    """The reference column of the queue table, in order."""
    return [row[0] for row in queue_rows(response)]


def aged(db, application, days: float):
    """Pretend the application has been in its state for `days`."""
    db.session.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(state_changed_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


def events_of(db, application, kind=None):
    statement = select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
    if kind:
        statement = statement.where(ApplicationEvent.kind == kind)
    return list(db.session.scalars(statement.order_by(ApplicationEvent.sequence)))


@pytest.fixture()
def rutland(hub, db):
    return db.session.scalar(select(Hub).where(Hub.slug == "rutland"))


@pytest.fixture()
def colleague(make_user):
    return make_user(Role.OFFICER, name="Colin Colleague")


# --- the queues ----------------------------------------------------------------


def test_queue_counts_every_state_but_drafts(client, login, db, hub, organisation, applicant, officer):
    for state, number in [
        (State.SUBMITTED, 3), (State.IN_REVIEW, 2), (State.INFO_REQUESTED, 1), (State.WITH_TRUSTEES, 1),
        (State.APPROVED, 2), (State.DECLINED, 1), (State.WITHDRAWN, 1), (State.DRAFT, 4),
    ]:
        for _ in range(number):
            make_application(hub, organisation, applicant, state)
    withdrawn_draft = make_application(hub, organisation, applicant, State.DRAFT)
    db.session.execute(update(Application).where(Application.id == withdrawn_draft.id).values(state=State.WITHDRAWN))
    db.session.commit()

    login(officer)
    with counting_queries(db) as statements:
        response = client.get("/office")
    assert response.status_code == 200
    assert tab_counts(response) == {
        "New": 3, "In review": 2, "Information requested": 1, "With the trustees": 1,
        "Approved": 2, "Declined": 1, "Withdrawn": 1,
    }
    grouped = [s for s in statements if "group by" in s.lower()]
    assert len(grouped) == 1 and "FROM queue_counts" in grouped[0]  # the kept counts, not a scan
    assert len(references(response)) == 3


def test_queue_lists_the_chosen_state_longest_waiting_first(client, login, db, hub, organisation, applicant, officer):
    newest = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    oldest = make_application(hub, organisation, applicant, State.IN_REVIEW)
    middle = make_application(hub, organisation, applicant, State.IN_REVIEW)
    make_application(hub, organisation, applicant, State.SUBMITTED)
    aged(db, oldest, 9)
    aged(db, middle, 3)
    aged(db, newest, 0.5)

    login(officer)
    response = client.get("/office?state=in_review")
    assert references(response) == [oldest.reference, middle.reference, newest.reference]
    rows = queue_rows(response)
    assert rows[0] == [oldest.reference, organisation.name, hub.name, "Not assigned", "9 days"]
    assert rows[1][-1] == "3 days"
    assert rows[2][3:] == [officer.name, "12 hours"]

    response = client.get("/office?state=in_review&sort=newest")
    assert references(response) == [newest.reference, middle.reference, oldest.reference]


def test_queue_filters_by_hub_officer_and_search(
    client, login, db, hub, rutland, organisation, make_organisation, applicant, officer, colleague
):
    band = make_organisation("Oakham Brass Band")
    mine = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    theirs = make_application(hub, band, applicant, State.IN_REVIEW, officer=colleague)
    nobody = make_application(rutland, band, applicant, State.IN_REVIEW)
    in_rutland_mine = make_application(rutland, organisation, applicant, State.IN_REVIEW, officer=officer)
    make_application(rutland, band, applicant, State.SUBMITTED)
    for n, application in enumerate([mine, theirs, nobody, in_rutland_mine]):
        aged(db, application, 10 - n)
    login(officer)

    def shown(query):
        return set(references(client.get("/office?state=in_review&" + query)))

    assert shown(f"hub={rutland.id}") == {nobody.reference, in_rutland_mine.reference}
    assert shown("officer=mine") == {mine.reference, in_rutland_mine.reference}
    assert shown("officer=unassigned") == {nobody.reference}
    assert shown(f"officer={colleague.id}") == {theirs.reference}
    assert shown(f"officer=mine&hub={rutland.id}") == {in_rutland_mine.reference}
    assert shown("q=oakham+BRASS") == {theirs.reference, nobody.reference}
    assert shown("q=" + mine.reference.lower()) == {mine.reference}
    assert shown("q=" + mine.reference[:4].lower()) == {mine.reference, theirs.reference}
    assert shown("q=%25") == set()
    assert shown("q=no+such+thing") == set()
    # Values that name nothing are ignored rather than refused.
    assert len(shown("hub=999&officer=nobody&sort=sideways")) == 4

    response = client.get(f"/office?state=in_review&hub={rutland.id}")
    counts = tab_counts(response)
    assert counts["In review"] == 2 and counts["New"] == 1


def test_queue_pages_hold_fifty(client, login, db, hub, organisation, applicant, officer):
    applications = [make_application(hub, organisation, applicant, State.SUBMITTED) for _ in range(51)]
    for n, application in enumerate(applications):
        aged(db, application, 60 - n)
    login(officer)

    first = client.get("/office")
    assert references(first) == [a.reference for a in applications[:50]]
    assert 'rel="next"' in first.get_data(as_text=True)
    second = client.get("/office?page=2")
    assert references(second) == [applications[50].reference]
    assert 'rel="prev"' in second.get_data(as_text=True)
    assert references(client.get("/office?page=99")) == [applications[50].reference]
    assert references(client.get("/office?page=nonsense")) == references(first)


def test_unknown_queue_is_not_found(client, login, officer):
    login(officer)
    assert client.get("/office?state=draft").status_code == 404
    assert client.get("/office?state=nonsense").status_code == 404


def _queue_queries(client, db) -> int:
    with counting_queries(db) as statements:
        assert client.get("/office").status_code == 200
    return len(statements)


def test_queue_queries_do_not_grow_with_rows(client, login, db, hub, organisation, make_organisation, applicant, officer, make_user):
    login(officer)
    officers = [officer] + [make_user(Role.OFFICER) for _ in range(3)]

    def add(number):
        for n in range(number):
            make_application(
                hub, make_organisation(f"Organisation {n}"), applicant, State.SUBMITTED, officer=officers[n % 4]
            )

    add(5)
    few = _queue_queries(client, db)
    add(45)
    assert len(references(client.get("/office"))) == 50
    assert _queue_queries(client, db) == few


def _page_queries(client, db, application) -> int:
    with counting_queries(db) as statements:
        assert client.get(f"/office/applications/{application.id}").status_code == 200
    return len(statements)


def test_application_page_queries_do_not_grow(client, login, db, hub, organisation, applicant, officer, make_user):
    from workflow.audit.operations import record_event

    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer, answers={"offer": {"description": "Strings"}})
    for _ in range(4):
        make_application(hub, organisation, applicant, State.SUBMITTED)
    people = [officer, applicant, make_user(Role.OFFICER), make_user(Role.ADMIN)]
    login(officer)

    def add(number):
        for n in range(number):
            person = people[n % len(people)]
            db.session.add(Message(application_id=application.id, author_id=person.id, body=f"Message {n}"))
            db.session.add(Note(application_id=application.id, author_id=officer.id, body=f"Note {n}"))
            record_event(application, "message_sent", person, detail=f"Detail {n}")
        db.session.commit()

    add(5)
    few = _page_queries(client, db, application)
    add(45)
    for _ in range(45):
        make_application(hub, organisation, applicant, State.SUBMITTED)
    assert _page_queries(client, db, application) == few


# --- the application page --------------------------------------------------------


def test_application_page_shows_everything(client, login, db, hub, organisation, applicant, officer):
    application = make_application(
        hub, organisation, applicant, State.IN_REVIEW, officer=officer,
        answers={"offer": {"description": "Violin lessons in Corby"}},
    )
    db.session.add(Message(application_id=application.id, author_id=applicant.id, body="Hello office"))
    db.session.add(Note(application_id=application.id, author_id=officer.id, body="Rang them"))
    document = Document(
        application_id=application.id, kind="safeguarding_policy", filename="safeguarding.pdf",
        stored_name="office-test-document", content_type="application/pdf", size=10, sha256="0" * 64,
        uploaded_by_id=applicant.id,
    )
    db.session.add(document)
    from workflow.audit.operations import record_event

    record_event(application, "take", officer, from_state="submitted", to_state="in_review")
    db.session.commit()
    login(officer)

    response = client.get(f"/office/applications/{application.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in [
        application.reference, organisation.name, hub.name, officer.name, "In review",
        "Violin lessons in Corby", "Hello office", "Rang them", "Taken for review",
        "Complements the existing partners", "Request information", "Put to the trustees", "safeguarding.pdf",
        f'href="/applications/{application.id}/documents/{document.id}"',
    ]:
        assert text in html
    parse(response)  # no duplicate ids
    assert "Take this application" not in html


@pytest.mark.parametrize("state", [State.SUBMITTED, State.IN_REVIEW, State.WITH_TRUSTEES, State.APPROVED])
def test_office_pages_are_labelled(client, login, db, hub, organisation, applicant, officer, state):
    application = make_application(hub, organisation, applicant, state, officer=officer)
    make_application(hub, organisation, applicant, state)
    login(officer)
    urls = [f"/office?state={state.value}", f"/office/applications/{application.id}"]
    if state is State.IN_REVIEW:
        urls += [f"/office/applications/{application.id}/request-information"]
        client.post(f"/office/applications/{application.id}/assessment", data=assessment_data(hub))
        urls += [f"/office/applications/{application.id}/put-to-trustees"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        parse(response)
    invalid = client.post(f"/office/applications/{application.id}/notes", data={"note-body": ""})
    assert parse(invalid).ids and "Error:" in invalid.get_data(as_text=True)


def test_drafts_are_not_the_office_s(client, login, hub, organisation, applicant, officer):
    draft = make_application(hub, organisation, applicant, State.DRAFT)
    login(officer)
    assert client.get(f"/office/applications/{draft.id}").status_code == 404
    assert client.get("/office/applications/99999").status_code == 404


def test_time_in_state_in_words():
    now = utcnow()
    assert time_in_state(now - timedelta(days=3, hours=5), now) == "3 days"
    assert time_in_state(now - timedelta(days=1, hours=1), now) == "1 day"
    assert time_in_state(now - timedelta(hours=5), now) == "5 hours"
    assert time_in_state(now - timedelta(minutes=70), now) == "1 hour"
    assert time_in_state(now - timedelta(minutes=5), now) == "less than an hour"


# --- taking and assigning --------------------------------------------------------


def test_take_then_a_second_take_is_refused(client, login, db, hub, organisation, applicant, officer, colleague):
    application = make_application(hub, organisation, applicant, State.SUBMITTED)
    login(officer)
    response = client.post(f"/office/applications/{application.id}/take")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state is State.IN_REVIEW
    assert application.assigned_officer_id == officer.id
    assert [e.kind for e in events_of(db, application)] == ["take"]
    assert "is now in review" in client.get(response.headers["Location"]).get_data(as_text=True)

    login(colleague)
    response = client.post(f"/office/applications/{application.id}/take")
    assert response.status_code == 409
    assert "already been taken" in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.assigned_officer_id == officer.id
    assert len(events_of(db, application)) == 1


def test_assign_a_new_application_to_a_colleague_starts_its_review(client, login, db, hub, organisation, applicant, officer, colleague):
    application = make_application(hub, organisation, applicant, State.SUBMITTED)
    login(officer)
    response = client.post(f"/office/applications/{application.id}/assign", data={"assign-assignee": colleague.id})
    assert response.status_code == 302
    db.session.refresh(application)
    assert (application.state, application.assigned_officer_id) == (State.IN_REVIEW, colleague.id)
    (taken,) = events_of(db, application)
    assert (taken.kind, taken.actor_id, taken.detail.text) == ("take", officer.id, f"Assigned to {colleague.name}")


@pytest.mark.parametrize("state", [State.IN_REVIEW, State.INFO_REQUESTED, State.WITH_TRUSTEES])
def test_reassign_to_a_colleague(client, login, db, hub, organisation, applicant, officer, colleague, state):
    application = make_application(hub, organisation, applicant, state, officer=officer)
    login(officer)
    response = client.post(f"/office/applications/{application.id}/assign", data={"assign-assignee": colleague.id})
    assert response.status_code == 302
    db.session.refresh(application)
    assert (application.state, application.assigned_officer_id) == (state, colleague.id)
    (assigned,) = events_of(db, application)
    assert (assigned.kind, assigned.detail.text) == ("assigned", f"Assigned to {colleague.name}")


@pytest.mark.parametrize("who", ["applicant", "chair", "nobody", "nonsense"])
def test_assign_only_to_an_officer(client, login, db, hub, organisation, applicant, officer, chair, who):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    assignee = {"applicant": applicant.id, "chair": chair.id, "nobody": 99999, "nonsense": "x"}[who]
    login(officer)
    response = client.post(f"/office/applications/{application.id}/assign", data={"assign-assignee": assignee})
    assert response.status_code == 200
    assert "Choose an officer to assign this application to" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.assigned_officer_id == officer.id
    assert events_of(db, application) == []


# --- requesting information -------------------------------------------------------


def test_request_information(client, login, db, hub, organisation, applicant, officer):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    page = client.get(f"/office/applications/{application.id}/request-information")
    assert page.status_code == 200 and "What you offer" in page.get_data(as_text=True)

    response = client.post(
        f"/office/applications/{application.id}/request-information",
        data={"sections": ["goals", "offer"], "message": "Please say which districts you serve."},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state is State.INFO_REQUESTED
    assert application.reopened_sections == ["offer", "goals"]
    (message,) = db.session.scalars(select(Message).where(Message.application_id == application.id)).all()
    assert (message.author_id, message.body) == (officer.id, "Please say which districts you serve.")
    (requested,) = events_of(db, application, "request_information")
    assert requested.detail.text == "Please say which districts you serve."
    assert (requested.from_state, requested.to_state) == ("in_review", "info_requested")
    (email,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "information_requested")).all()
    assert email.recipient == applicant.email
    assert application.reference in email.subject
    assert "Please say which districts you serve." in email.body
    assert "What you offer" in email.body and "Hub goals" in email.body

    login(applicant)
    thread = client.get(f"/applications/{application.id}/messages")
    assert thread.status_code == 200
    assert "Please say which districts you serve." in thread.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, error",
    [
        ({"message": "Tell us more"}, "Select at least one section to reopen"),
        ({"sections": ["offer"], "message": "   "}, "Enter a message to the applicant"),
        ({"sections": ["nonsense"], "message": "Tell us more"}, "Select sections from the list"),
    ],
)
def test_request_information_needs_sections_and_a_message(client, login, db, hub, organisation, applicant, officer, data, error):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    response = client.post(f"/office/applications/{application.id}/request-information", data=data)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.state is State.IN_REVIEW
    assert db.session.scalar(select(func.count(Message.id))) == 0


# --- assessment and putting to the trustees ----------------------------------------


def test_record_and_update_the_assessment(client, login, db, hub, organisation, applicant, officer):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    response = client.post(f"/office/applications/{application.id}/assessment", data=assessment_data(hub))
    assert response.status_code == 302
    assessment = db.session.scalar(select(Assessment))
    titles = [c.title for c in hub.criteria]
    assert assessment.checklist[titles[0]] == {"met": "yes", "note": "Note 1"}
    assert assessment.checklist[titles[1]] == {"met": "partly", "note": "Note 2"}
    assert (assessment.recommendation, assessment.reasons, assessment.recorded_by_id) == (
        Recommendation.APPROVE, "Fills a gap in Corby.", officer.id
    )
    assert len(events_of(db, application, "assessment_recorded")) == 1

    page = client.get(f"/office/applications/{application.id}").get_data(as_text=True)
    assert "Fills a gap in Corby." in page and 'value="partly" checked' in page

    client.post(
        f"/office/applications/{application.id}/assessment",
        data=assessment_data(hub, recommendation="decline", reasons="Duplicates an existing partner."),
    )
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Assessment.id))) == 1
    assessment = db.session.scalar(select(Assessment))
    assert (assessment.recommendation, assessment.reasons) == (Recommendation.DECLINE, "Duplicates an existing partner.")
    assert len(events_of(db, application, "assessment_recorded")) == 2


def test_assessment_rejects_unknown_answers(client, login, db, hub, organisation, applicant, officer):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    data = assessment_data(hub, recommendation="maybe")
    response = client.post(f"/office/applications/{application.id}/assessment", data=data)
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Assessment.id))) == 0


def test_put_to_trustees_needs_a_recommendation_with_reasons(client, login, db, hub, organisation, applicant, officer, trustees):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    url = f"/office/applications/{application.id}/put-to-trustees"
    assert "Record a recommendation with reasons" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"deadline": deadline_fields()})
    assert response.status_code == 409
    assert "Record a recommendation with reasons before putting this to the trustees" in response.get_data(as_text=True)

    client.post(f"/office/applications/{application.id}/assessment", data=assessment_data(hub, reasons=""))
    assert client.post(url, data={"deadline": deadline_fields()}).status_code == 409
    db.session.expire_all()
    assert application.state is State.IN_REVIEW
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert events_of(db, application, "put_to_trustees") == []


@pytest.mark.parametrize(
    "fields, error",
    [
        (["", "", ""], "Enter the date the vote closes"),
        (["31", "2", "2030"], "Enter the deadline as a real date"),
        (deadline_fields(0), "The vote must close on a date in the future"),
        (deadline_fields(-3), "The vote must close on a date in the future"),
    ],
)
def test_put_to_trustees_needs_a_future_deadline(client, login, db, hub, organisation, applicant, officer, trustees, fields, error):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    client.post(f"/office/applications/{application.id}/assessment", data=assessment_data(hub))
    response = client.post(f"/office/applications/{application.id}/put-to-trustees", data={"deadline": fields})
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.state is State.IN_REVIEW


def test_put_to_trustees_opens_the_vote(client, login, db, hub, organisation, applicant, officer, trustees):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    client.post(f"/office/applications/{application.id}/assessment", data=assessment_data(hub))
    page = client.get(f"/office/applications/{application.id}/put-to-trustees").get_data(as_text=True)
    assert "Fills a gap in Corby." in page
    default = (utcnow().astimezone(LONDON) + timedelta(days=14)).date()
    assert f'value="{default.year}"' in page

    response = client.post(f"/office/applications/{application.id}/put-to-trustees", data={"deadline": deadline_fields(10)})
    assert response.status_code == 302
    db.session.expire_all()
    assert application.state is State.WITH_TRUSTEES
    (vote,) = db.session.scalars(select(Vote).where(Vote.application_id == application.id)).all()
    assert vote.opened_by_id == officer.id
    local = vote.deadline.astimezone(LONDON)
    assert [str(local.day), str(local.month), str(local.year)] == deadline_fields(10)
    (put,) = events_of(db, application, "put_to_trustees")
    assert put.detail.text == "Fills a gap in Corby."
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "put_to_trustees_office")) == 1
    page = client.get(f"/office/applications/{application.id}").get_data(as_text=True)
    assert f'href="/trustees/votes/{vote.id}"' in page and "Close or defer" in page
    assert f"/office/applications/{application.id}/put-to-trustees" not in page


# --- notes and messages ------------------------------------------------------------


def test_internal_notes_stay_in_the_office(client, login, db, hub, organisation, applicant, officer, app):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    response = client.post(f"/office/applications/{application.id}/notes", data={"note-body": "Their treasurer is my cousin"})
    assert response.status_code == 302
    (note,) = db.session.scalars(select(Note)).all()
    assert (note.author_id, note.body) == (officer.id, "Their treasurer is my cousin")
    (added,) = events_of(db, application, "note_added")
    assert added.detail is None
    assert "Their treasurer is my cousin" in client.get(f"/office/applications/{application.id}").get_data(as_text=True)

    empty = client.post(f"/office/applications/{application.id}/notes", data={"note-body": "  "})
    assert empty.status_code == 200 and "Enter the note" in empty.get_data(as_text=True)

    login(applicant)
    seen = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("applications.") and "GET" in rule.methods and set(rule.arguments) <= {"application_id"}:
            page = client.get(rule.rule.replace("<int:application_id>", str(application.id)))
            assert b"Their treasurer is my cousin" not in page.get_data()
            seen += [rule.endpoint] if page.status_code == 200 else []
    assert "applications.show" in seen


def test_message_the_applicant(client, login, db, hub, organisation, applicant, officer):
    application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    login(officer)
    response = client.post(f"/office/applications/{application.id}/messages", data={"message-body": "Welcome aboard"})
    assert response.status_code == 302
    (message,) = db.session.scalars(select(Message)).all()
    assert (message.author_id, message.body) == (officer.id, "Welcome aboard")
    assert "Welcome aboard" in client.get(f"/office/applications/{application.id}").get_data(as_text=True)

    empty = client.post(f"/office/applications/{application.id}/messages", data={"message-body": ""})
    assert empty.status_code == 200 and "Enter a message" in empty.get_data(as_text=True)


# --- more filters, sorts and the far end of a long queue -------------------------------


def _with_districts(db, application, *names):
    from workflow.reviews.districts import index_districts

    db.session.add(ApplicationSection(application_id=application.id, key="offer", answers={"districts": list(names)}))
    db.session.commit()
    db.session.refresh(application)
    index_districts(application)
    db.session.commit()


def _submitted(db, application, when):
    db.session.execute(update(Application).where(Application.id == application.id).values(submitted_at=when))
    db.session.commit()


def test_queue_filters_by_type_district_and_submission_dates(
    client, login, db, hub, organisation, make_organisation, applicant, officer
):
    school = make_organisation("Corby Primary School")
    db.session.execute(update(Organisation).where(Organisation.id == school.id).values(organisation_type=OrganisationType.SCHOOL))
    db.session.commit()
    charity_corby = make_application(hub, organisation, applicant, State.IN_REVIEW)
    school_kettering = make_application(hub, school, applicant, State.IN_REVIEW)
    school_both = make_application(hub, school, applicant, State.IN_REVIEW)
    _with_districts(db, charity_corby, "Corby")
    _with_districts(db, school_kettering, "Kettering")
    _with_districts(db, school_both, "Corby", "Kettering")
    london_noon = datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
    _submitted(db, charity_corby, london_noon - timedelta(days=9))  # 1 March
    _submitted(db, school_kettering, london_noon)  # 10 March
    _submitted(db, school_both, london_noon + timedelta(days=5, hours=11, minutes=30))  # 15 March, 23:30 London
    login(officer)

    def shown(query):
        return set(references(client.get("/office?state=in_review&" + query)))

    assert shown("organisation_type=school") == {school_kettering.reference, school_both.reference}
    assert shown("organisation_type=registered_charity") == {charity_corby.reference}
    assert shown("district=Corby") == {charity_corby.reference, school_both.reference}
    assert shown("district=Kettering&organisation_type=school") == {school_kettering.reference, school_both.reference}
    assert shown("submitted_from=10&submitted_from=3&submitted_from=2026") == {school_kettering.reference, school_both.reference}
    assert shown("submitted_to=15&submitted_to=3&submitted_to=2026") == {
        charity_corby.reference, school_kettering.reference, school_both.reference
    }
    assert shown("submitted_to=14&submitted_to=3&submitted_to=2026") == {charity_corby.reference, school_kettering.reference}
    assert shown(
        "submitted_from=2&submitted_from=3&submitted_from=2026&submitted_to=10&submitted_to=3&submitted_to=2026"
    ) == {school_kettering.reference}
    # Dates that cannot be read, and a range the wrong way round, are said so and not applied.
    response = client.get("/office?state=in_review&submitted_from=31&submitted_from=2&submitted_from=2026")
    assert "Enter a real date" in response.get_data(as_text=True) and len(references(response)) == 3
    response = client.get(
        "/office?state=in_review&submitted_from=10&submitted_from=3&submitted_from=2026"
        "&submitted_to=1&submitted_to=3&submitted_to=2026"
    )
    assert "same as or after the first" in response.get_data(as_text=True) and len(references(response)) == 3
    assert len(shown("district=Nowhere&organisation_type=spaceship")) == 3
    parse(response)


@pytest.mark.parametrize(
    "sort, key",
    [
        ("oldest", lambda a: (a["changed"], a["id"])),
        ("newest", lambda a: (-a["changed"], -a["id"])),
        ("submitted", lambda a: (a["submitted"], a["id"])),
        ("reference", lambda a: a["reference"]),
        ("organisation", lambda a: (a["organisation"], a["id"])),
    ],
)
def test_queue_sorts_and_every_page_holds_the_right_rows(
    client, login, db, hub, make_organisation, applicant, officer, sort, key
):
    organisations = [make_organisation(name) for name in ("Beta Band", "Alpha Choir", "Gamma Strings")]
    now = utcnow()
    expected = []
    for n in range(113):
        application = make_application(hub, organisations[n % 3], applicant, State.SUBMITTED)
        changed, submitted = (n * 7) % 113, (n * 11) % 113
        db.session.execute(
            update(Application).where(Application.id == application.id).values(
                state_changed_at=now - timedelta(hours=changed), submitted_at=now - timedelta(days=submitted)
            )
        )
        expected.append({
            "id": application.id, "reference": application.reference, "changed": -changed, "submitted": -submitted,
            "organisation": organisations[n % 3].name,
        })
    db.session.commit()
    ordered = [a["reference"] for a in sorted(expected, key=key)]
    login(officer)
    pages = [references(client.get(f"/office?sort={sort}&page={page}")) for page in (1, 2, 3)]
    assert [len(page) for page in pages] == [50, 50, 13]
    assert pages[0] + pages[1] + pages[2] == ordered


# --- bulk actions ----------------------------------------------------------------------


def _report(response) -> tuple[list[str], dict[str, str]]:
    """The references done, and those not done with the reason, from a bulk report page."""
    html = response.get_data(as_text=True)
    done_part, _, refused_part = html.partition('id="not-done"')
    done = re.findall(r">([A-Z]+-\d{4}-\d+)</a></li>", done_part)
    refused = {row[0]: row[1] for row in parse(response).rows[1:]} if refused_part else {}
    return done, refused


def test_bulk_assign_applies_the_allowed_and_reports_the_rest(
    client, login, db, hub, organisation, applicant, officer, colleague
):
    new = make_application(hub, organisation, applicant, State.SUBMITTED)
    reviewing = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    approved = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    login(officer)
    response = client.post(
        "/office/bulk", data={"action": "assign", "assignee": colleague.id, "selected": [new.id, approved.id, reviewing.id]}
    )
    assert response.status_code == 200
    done, refused = _report(response)
    assert done == [new.reference, reviewing.reference]
    assert list(refused) == [approved.reference]
    assert "cannot be assigned" in refused[approved.reference]
    db.session.expire_all()
    assert (new.state, new.assigned_officer_id) == (State.IN_REVIEW, colleague.id)
    assert reviewing.assigned_officer_id == colleague.id
    assert (approved.state, approved.assigned_officer_id) == (State.APPROVED, officer.id)
    assert [e.kind for e in events_of(db, new)] == ["take"]
    assert [e.kind for e in events_of(db, approved)] == []
    parse(response)


@pytest.mark.parametrize("data, error", [
    ({"action": "assign", "assignee": ""}, "Choose an officer to assign the selected applications to"),
    ({"action": "assign"}, "Select at least one application"),
    ({"action": "request_information"}, "No applications are selected"),
])
def test_bulk_needs_a_selection_and_an_officer(client, login, db, hub, organisation, applicant, officer, colleague, data, error):
    application = make_application(hub, organisation, applicant, State.SUBMITTED)
    login(officer)
    if error.startswith("Choose"):
        data = {**data, "selected": [application.id]}
    else:
        data = {**data, "assignee": colleague.id}
    response = client.post("/office/bulk", data=data)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    parse(response)
    db.session.expire_all()
    assert application.state is State.SUBMITTED
    assert client.post("/office/bulk", data={"action": "delete"}).status_code == 400


def test_bulk_request_information_sends_one_message_to_each_in_review(client, login, db, hub, organisation, applicant, officer):
    first = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    second = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    waiting = make_application(hub, organisation, applicant, State.INFO_REQUESTED, officer=officer)
    login(officer)
    ids = [first.id, waiting.id, second.id]
    form = client.post("/office/bulk", data={"action": "request_information", "selected": ids})
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert all(f'name="selected" value="{n}"' in html for n in ids)
    parse(form)

    response = client.post(
        "/office/bulk/request-information",
        data={"selected": ids, "sections": ["offer"], "message": "Which districts do you serve?"},
    )
    done, refused = _report(response)
    assert done == [first.reference, second.reference]
    assert "only be requested while the application is in review" in refused[waiting.reference]
    db.session.expire_all()
    assert (first.state, second.state, waiting.state) == (State.INFO_REQUESTED, State.INFO_REQUESTED, State.INFO_REQUESTED)
    bodies = db.session.scalars(select(Message.body).order_by(Message.application_id)).all()
    assert bodies == ["Which districts do you serve?"] * 2
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "information_requested")) == 2
    assert events_of(db, waiting) == []

    invalid = client.post("/office/bulk/request-information", data={"selected": ids, "message": ""})
    assert invalid.status_code == 200 and "Select at least one section to reopen" in invalid.get_data(as_text=True)


def test_bulk_put_to_trustees_takes_only_the_recommended(client, login, db, hub, organisation, applicant, officer, trustees):
    ready = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    unassessed = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    new = make_application(hub, organisation, applicant, State.SUBMITTED)
    login(officer)
    client.post(f"/office/applications/{ready.id}/assessment", data=assessment_data(hub))
    ids = [ready.id, unassessed.id, new.id]
    form = client.post("/office/bulk", data={"action": "put_to_trustees", "selected": ids})
    default = (utcnow().astimezone(LONDON) + timedelta(days=14)).date()
    assert f'value="{default.year}"' in form.get_data(as_text=True)

    response = client.post("/office/bulk/put-to-trustees", data={"selected": ids, "deadline": deadline_fields(10)})
    done, refused = _report(response)
    assert done == [ready.reference]
    assert "Record a recommendation with reasons" in refused[unassessed.reference]
    assert "Only an application in review" in refused[new.reference]
    db.session.expire_all()
    assert (ready.state, unassessed.state, new.state) == (State.WITH_TRUSTEES, State.IN_REVIEW, State.SUBMITTED)
    assert db.session.scalar(select(func.count(Vote.id))) == 1
    assert [e.kind for e in events_of(db, unassessed)] == []


def test_a_failure_after_the_change_rolls_back_that_row_only(client, login, db, hub, organisation, applicant, officer, make_user):
    """Without a quorum of trustees the vote cannot open after the state moved: the savepoint undoes the move."""
    make_user(Role.CHAIR, Role.TRUSTEE)
    first = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    second = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    for application in (first, second):
        client.post(f"/office/applications/{application.id}/assessment", data=assessment_data(hub))
    response = client.post("/office/bulk/put-to-trustees", data={"selected": [first.id, second.id], "deadline": deadline_fields()})
    done, refused = _report(response)
    assert done == [] and set(refused) == {first.reference, second.reference}
    assert all("quorum" in reason for reason in refused.values())
    db.session.expire_all()
    assert (first.state, second.state) == (State.IN_REVIEW, State.IN_REVIEW)
    assert [e.kind for e in events_of(db, first)] == ["assessment_recorded"]
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "put_to_trustees_office")) == 0

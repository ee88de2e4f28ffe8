"""Revisions of the answers, through the pages: kept at submission and at each response, each
shown to the office in the words of its form version, and compared question by question."""

import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.builders import PDF, complete_answers, make_application
from tests.page_helpers import fill_every_section, loaded_version, page_text, parse
from workflow.applications.lifecycle import State
from workflow.applications.models import AnswerRevision, Application, Document
from workflow.applications.revisions import keep_revision
from workflow.audit.operations import record_event
from workflow.hubs.definition import definition_data, definition_of
from workflow.hubs.operations import publish_form
from workflow.privacy.anonymise import anonymise_due_applications
from workflow.types import utcnow

TYPED = "Weekly string groups and <b>summer</b> courses for young people across the whole county & beyond."


def _marked(html: str, change: str) -> list[str]:
    """The words (or file names) a comparison page marks as added or removed, in order."""
    tag = {"added": "ins", "removed": "del"}[change]
    found = re.findall(
        rf'<{tag} class="app-diff app-diff--{change}"><span class="govuk-visually-hidden">{change}: </span>(.*?)'
        rf'<span class="govuk-visually-hidden"> \(end of {change} text\)</span></{tag}>',
        html,
        flags=re.S,
    )
    return [re.sub(r"<[^>]+>", "", each) for each in found]


@pytest.fixture()
def responded(client, login, db, hub, draft, applicant, officer):
    """An application submitted, asked for more on its offer and documents, and answered: its
    description reworded and its safeguarding policy replaced."""
    fill_every_section(client, draft.id, hub)
    assert client.post(f"/applications/{draft.id}/submit").status_code == 302
    login(officer)
    assert client.post(f"/office/applications/{draft.id}/take").status_code == 302
    response = client.post(
        f"/office/applications/{draft.id}/request-information",
        data={"sections": ["offer", "documents"], "message": "Tell us more, and send your latest policy."},
    )
    assert response.status_code == 302
    login(applicant)
    url = f"/applications/{draft.id}/sections/offer"
    offer = {**complete_answers(hub)["offer"], "description": TYPED, "version": loaded_version(client, url)}
    assert client.post(url, data=offer).status_code == 302
    url = f"/applications/{draft.id}/sections/documents"
    documents = {
        **complete_answers(hub)["documents"], "version": loaded_version(client, url),
        "safeguarding_policy": (io.BytesIO(PDF), "Safeguarding policy 2027.pdf"),
    }
    response = client.post(url, data=documents, content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:2000]
    response = client.post(f"/applications/{draft.id}/respond", data={"message": "Both done."})
    assert response.status_code == 302
    db.session.expire_all()
    login(officer)
    return db.session.get(Application, draft.id)


def test_the_office_sees_both_revisions_and_what_changed(client, db, responded):
    application = responded
    assert application.state is State.IN_REVIEW
    assert [(r.number, r.reason) for r in application.revisions] == [(1, "submitted"), (2, "response")]

    page = client.get(f"/office/applications/{application.id}")
    html = page.get_data(as_text=True)
    links = parse(page).links
    first, second = (f"/office/applications/{application.id}/revisions/{n}" for n in (1, 2))
    changes = f"{second}/changes"
    assert first in links and second in links and changes in links
    # The history links each revision from the event that sent it.
    history = html[html.index('id="history"'):]
    submitted, responded_at = history.index("Submitted"), history.index("Applicant responded")
    assert submitted < history.index(f'href="{first}"') < responded_at < history.index(f'href="{second}"')

    original = client.get(first)
    assert original.status_code == 200
    text = page_text(original)
    assert "Weekly string groups and holiday courses for young people across the county." in text
    assert "Classical and orchestral" in text and "Safeguarding policy 2026.pdf" in text
    assert "Safeguarding policy 2027.pdf" not in text
    assert "Revision 1 of the answers" in text and "Submitted" in text

    later = client.get(second)
    text = page_text(later)
    assert "Safeguarding policy 2027.pdf" in text and "Safeguarding policy 2026.pdf" not in text
    assert "&lt;b&gt;summer&lt;/b&gt;" in later.get_data(as_text=True) and "<b>summer" not in later.get_data(as_text=True)
    assert "Response to a request for information" in text

    comparison = client.get(changes)
    assert comparison.status_code == 200
    html = comparison.get_data(as_text=True)
    assert _marked(html, "removed") == ["holiday", "county.", "Safeguarding policy 2026.pdf (1 KB)"]
    assert _marked(html, "added") == [
        "&lt;b&gt;summer&lt;/b&gt;", "whole county &amp; beyond.", "Safeguarding policy 2027.pdf (1 KB)"
    ]
    assert "<b>summer" not in html
    text = page_text(comparison)
    assert "What changed in revision 2 since revision 1" in text
    assert "2 changed, 0 added, 0 removed" in text
    assert "Which genres" not in text  # an answer the same in both is not listed
    # Each file is linked through the document route, whose policy lets the office download it.
    old, new = sorted(db.session.scalars(select(Document).where(Document.kind == "safeguarding_policy")), key=lambda d: d.id)
    for document in (old, new):
        href = f"/applications/{application.id}/documents/{document.id}"
        assert href in parse(comparison).links
        assert client.get(href).status_code == 200
    assert client.get(f"{changes}?since=1").get_data(as_text=True) == html


def test_revisions_of_two_form_versions_are_compared_in_each_ones_words(client, responded, hub, db):
    """A question reworded, one the newer version no longer asks and one it adds: each named so."""
    application = responded
    data = definition_data(definition_of(hub.current_form()))
    offer = next(section for section in data["sections"] if section["key"] == "offer")
    description = next(question for question in offer["questions"] if question["key"] == "description")
    asked_before = description["label"]
    description["label"] = "What does your <em>offer</em> give young people?"
    offer["questions"].append({"key": "instruments", "type": "text", "label": "Which instruments do you teach?"})
    goals = next(section for section in data["sections"] if section["key"] == "goals")
    goals["questions"] = [question for question in goals["questions"] if question["key"] != "how"]
    version = publish_form(hub, data)
    second = application.revisions[1]
    answers = {**second.answers, "offer": {**second.answers["offer"], "instruments": "Violins & cellos"}}
    db.session.execute(
        update(AnswerRevision).where(AnswerRevision.id == second.id).values(form_version_id=version.id, answers=answers)
    )
    db.session.commit()

    response = client.get(f"/office/applications/{application.id}/revisions/2/changes")
    html, text = response.get_data(as_text=True), page_text(response)
    assert "2 changed, 1 added, 1 removed" in text
    assert "(version 1 of the form)" in text and f"(version {version.number} of the form)" in text
    assert "What does your &lt;em&gt;offer&lt;/em&gt; give young people?" in html
    assert f"Asked before as “{asked_before}”" in text
    assert "Violins &amp; cellos" in _marked(html, "added")
    assert "Every pupil in our partner schools plays in a group." in _marked(html, "removed")
    assert re.search(r"Which instruments do you teach\?\s*<strong class=\"govuk-tag govuk-tag--green\">\s*Added", html)
    assert re.search(r"How does your work support these goals\\?.*?<strong class=\"govuk-tag govuk-tag--red\">\s*Removed", html, flags=re.S)
    revision = page_text(client.get(f"/office/applications/{application.id}/revisions/1"))
    assert asked_before in revision and "Which instruments" not in revision


@pytest.mark.parametrize(
    "path, status",
    [
        ("/revisions/3", 404),  # no such revision
        ("/revisions/3/changes", 404),
        ("/revisions/1/changes", 404),  # nothing before the first
        ("/revisions/2/changes?since=2", 404),  # a revision compared with itself
        ("/revisions/1/changes?since=2", 404),  # the earlier one is always `since`
        ("/revisions/2/changes?since=0", 404),
        ("/revisions/2/changes?since=one", 200),  # not a number: the one before
    ],
)
def test_revisions_that_do_not_exist_are_not_found(client, responded, path, status):
    assert client.get(f"/office/applications/{responded.id}{path}").status_code == status


def test_only_the_office_sees_revisions(client, login, responded, applicant, other_applicant, trustees, hub, organisation, officer):
    paths = [f"/office/applications/{responded.id}/revisions/1", f"/office/applications/{responded.id}/revisions/2/changes"]
    for person in (applicant, other_applicant, trustees[0], trustees[1]):
        login(person)
        for path in paths:
            assert client.get(path).status_code == 403, (person.name, path)
    # A draft is the organisation's own: the office is told it is not there.
    draft = make_application(hub, organisation, applicant, State.DRAFT, answers=complete_answers(hub))
    login(officer)
    assert client.get(f"/office/applications/{draft.id}/revisions/1").status_code == 404


def test_anonymising_erases_the_words_of_every_revision(client, login, responded, applicant, officer, db):
    application = responded
    login(applicant)
    response = client.post(f"/applications/{application.id}/withdraw", data={"reason": "Not this year."})
    assert response.status_code == 302
    db.session.execute(
        update(Application).where(Application.id == application.id).values(state_changed_at=utcnow() - timedelta(days=800))
    )
    db.session.commit()
    kept_before = [json.dumps(revision.answers) for revision in application.revisions]
    assert "holiday courses" in kept_before[0] and "summer" in kept_before[1]

    assert anonymise_due_applications(utcnow()) == 1
    db.session.commit()
    db.session.expire_all()

    revisions = db.session.scalars(select(AnswerRevision).where(AnswerRevision.application_id == application.id)).all()
    assert len(revisions) == 2
    typed = [
        "holiday courses", "summer", "Every pupil", "north of the county", "Saturday mornings", "NN16 8AA", "2 Example Road",
        "Ada Lovelace", "Grace Hopper", "strings.example.org", "Kettering Community Strings",
    ]
    for revision in revisions:
        kept = json.dumps(revision.answers)
        assert not [words for words in typed if words in kept], (revision.number, kept)
        assert revision.answers["offer"]["genres"] == ["classical", "folk"]  # choices stay, for the reports
    # The pages still show each revision, without its words (the organisation and the people
    # who sent it are still named: they are the live organisation's and accounts', not the answers').
    login(officer)
    answered_only = [words for words in typed if words not in (application.organisation.name, applicant.name)]
    for path in ("revisions/1", "revisions/2", "revisions/2/changes"):
        response = client.get(f"/office/applications/{application.id}/{path}")
        assert response.status_code == 200
        assert not [words for words in answered_only if words in page_text(response)], path


def test_an_application_moved_onto_forms_as_data_links_its_one_revision_to_its_submission(
    client, login, db, hub, organisation, applicant, officer
):
    """The migration kept one revision (as the submission's) of an application already answered
    once; its earlier response has none, and the next one is linked to the revision it made."""
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer, answers=complete_answers(hub))
    record_event(application, "submit", applicant, from_state="draft", to_state="submitted")
    record_event(application, "respond", applicant, from_state="info_requested", to_state="in_review", detail="Before")
    keep_revision(application, applicant, "submitted")  # as c4d8e2f1a7b9 keeps it
    db.session.commit()
    login(officer)
    html = client.get(f"/office/applications/{application.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    assert history.count("See the answers sent") == 1
    assert history.index("Submitted") < history.index("revision 1)") < history.index("Applicant responded")

    record_event(application, "respond", applicant, from_state="info_requested", to_state="in_review", detail="After")
    keep_revision(application, applicant, "response")
    db.session.commit()
    history = client.get(f"/office/applications/{application.id}").get_data(as_text=True)
    history = history[history.index('id="history"'):]
    before, after = history.index("Before"), history.index("After")
    assert history.count("See the answers sent") == 2
    assert before < after < history.index("revision 2)")
    assert "revision 2)" not in history[before:after]

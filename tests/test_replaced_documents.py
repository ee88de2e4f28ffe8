"""Uploads after the first: a draft never submitted keeps no replaced file; files the trust office was
sent stay, marked replaced; the history names each upload by its question."""

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.builders import complete_answers
from tests.test_applicant_journey import fill_draft
from tests.test_sections import PDF, post_section
from workflow.applications.documents import document_path
from workflow.applications.models import Document
from workflow.applications.operations import save_section, start_application, submit_application
from workflow.reviews.operations import request_information, take_application


def documents(db) -> dict[str, Document]:
    db.session.expire_all()
    return {document.filename: document for document in db.session.scalars(select(Document))}


def upload(client, application, filename: str, content: bytes):
    answers = complete_answers(application.hub)["documents"]
    response = post_section(client, application, "documents", answers, safeguarding_policy=(content, filename))
    assert response.status_code in {200, 302}  # saved, valid or not


def test_a_file_replaced_in_a_draft_never_submitted_is_deleted(client, db, app, draft):
    upload(client, draft, "first.pdf", PDF + b"first")
    first_path = document_path(documents(db)["first.pdf"])
    assert first_path.exists()

    upload(client, draft, "second.pdf", PDF + b"second")

    kept = documents(db)
    assert list(kept) == ["second.pdf"]
    assert not first_path.exists()
    assert document_path(kept["second.pdf"]).read_bytes() == PDF + b"second"


def test_a_replacement_rolled_back_keeps_the_old_file(db, app, hub, draft, applicant):
    upload_answers = {**complete_answers(hub)["documents"], "safeguarding_policy": FileStorage(io.BytesIO(PDF), "first.pdf")}
    save_section(draft, "documents", upload_answers, applicant, 0)
    db.session.commit()
    first = documents(db)["first.pdf"]
    first_path = document_path(first)

    replacing = {**complete_answers(hub)["documents"], "safeguarding_policy": FileStorage(io.BytesIO(PDF + b"2"), "second.pdf")}
    assert save_section(draft, "documents", replacing, applicant, 1).saved
    db.session.rollback()

    assert "first.pdf" in documents(db) and first_path.exists()
    db.session.commit()  # a later commit does not delete what the rolled-back save discarded
    assert first_path.exists()


@pytest.fixture()
def reopened(db, app, hub, organisation, applicant, officer, login):
    """An application submitted with policy.pdf, then reopened on its documents by the trust office."""
    application = start_application(applicant, organisation, hub)
    with app.test_request_context():
        fill_draft(application, applicant)
        submit_application(application, applicant)
        take_application(application, officer)
        request_information(application, officer, ["documents"], "Send us this year's safeguarding policy.")
    db.session.commit()
    login(applicant)
    return application


def test_a_file_the_trust_office_was_sent_stays_and_is_marked_replaced(client, db, reopened, officer, login):
    sent = documents(db)["policy.pdf"]

    upload(client, reopened, "policy-2026.pdf", PDF + b"2026")

    kept = documents(db)
    assert {"policy.pdf", "policy-2026.pdf"} <= set(kept) and document_path(sent).exists()
    page = login(officer).get(f"/office/applications/{reopened.id}").get_data(as_text=True)
    documents_part = page[page.index('id="documents"'):page.index("Replaced documents")]
    replaced_part = page[page.index("Replaced documents"):page.index('id="assessment"')]
    assert "policy-2026.pdf" in documents_part and "policy.pdf<" not in documents_part
    assert "Replaced</strong>" in replaced_part and "policy.pdf<" in replaced_part
    assert "policy-2026.pdf" not in replaced_part
    assert "(Safeguarding policy, uploaded" in documents_part


def test_a_file_uploaded_since_the_request_and_replaced_again_is_deleted(client, db, reopened):
    upload(client, reopened, "draft-policy.pdf", PDF + b"draft")
    draft_path = document_path(documents(db)["draft-policy.pdf"])

    upload(client, reopened, "final-policy.pdf", PDF + b"final")

    assert set(documents(db)) == {"policy.pdf", "insurance.pdf", "final-policy.pdf"}
    assert not draft_path.exists()


def test_the_history_names_each_upload_by_its_question(client, db, reopened, officer, login):
    page = login(officer).get(f"/office/applications/{reopened.id}").get_data(as_text=True)

    history = page[page.index('id="history"'):]
    assert "Safeguarding policy: policy.pdf" in history
    assert "Public liability insurance certificate: insurance.pdf" in history
    assert "safeguarding_policy" not in history and "insurance_certificate" not in history

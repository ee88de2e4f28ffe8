"""Uploads after the first: a draft never submitted keeps no replaced file; files the trust office was
sent stay, marked replaced; the history names each upload by its question."""

import io
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.builders import PDF, complete_answers, fill_draft
from tests.page_helpers import post_section
from workflow.applications.documents import document_path, documents_folder
from workflow.applications.models import Document
from workflow.applications.operations import save_section, start_application, submit_application
from workflow.reviews.operations import request_information, take_application


def stored_files() -> set:
    return set(documents_folder().iterdir())


def documents(db) -> dict[str, Document]:
    db.session.expire_all()
    return {document.filename: document for document in db.session.scalars(select(Document))}


def upload(client, application, filename: str, content: bytes, field: str = "safeguarding_policy", also=None, **answers):
    """Post the documents section with this file in `field` (and the files `also` names), and these answers."""
    answers = {**complete_answers(application.hub)["documents"], **answers}
    response = post_section(client, application, "documents", answers, **{field: (content, filename)}, **(also or {}))
    assert response.status_code in {200, 302}  # saved, valid or not
    return response.get_data(as_text=True)


def test_a_file_replaced_in_a_draft_never_submitted_is_deleted(client, db, app, draft):
    before = stored_files()
    upload(client, draft, "first.pdf", PDF + b"first")
    first_path = document_path(documents(db)["first.pdf"])
    assert first_path.exists()

    upload(client, draft, "second.pdf", PDF + b"second")

    kept = documents(db)
    assert list(kept) == ["second.pdf"]
    assert not first_path.exists()
    assert document_path(kept["second.pdf"]).read_bytes() == PDF + b"second"
    assert stored_files() - before == {document_path(kept["second.pdf"])}


def test_a_replacement_rolled_back_keeps_the_old_file(db, app, hub, draft, applicant):
    upload_answers = {**complete_answers(hub)["documents"], "safeguarding_policy": FileStorage(io.BytesIO(PDF), "first.pdf")}
    save_section(draft, "documents", upload_answers, applicant, 0)
    db.session.commit()
    first = documents(db)["first.pdf"]
    first_path = document_path(first)

    replacing = {**complete_answers(hub)["documents"], "safeguarding_policy": FileStorage(io.BytesIO(PDF + b"2"), "second.pdf")}
    assert save_section(draft, "documents", replacing, applicant, 1).saved
    second_path = document_path(documents(db)["second.pdf"])
    db.session.rollback()

    assert "first.pdf" in documents(db) and first_path.exists()
    assert not second_path.exists()  # the rolled-back upload leaves no file without a row
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


def test_the_cap_counts_the_files_sent_and_refuses_an_upload_past_it(client, db, app, reopened, monkeypatch):
    sent = sum(document.size for document in documents(db).values())
    before = stored_files()
    monkeypatch.setitem(app.config, "DOCUMENTS_MAX_BYTES_PER_APPLICATION", sent + 1000)

    upload(client, reopened, "policy-2026.pdf", PDF + b"0" * 900)
    upload(client, reopened, "policy-2027.pdf", PDF + b"1" * 900)  # the file it replaces makes room
    assert set(documents(db)) == {"policy.pdf", "insurance.pdf", "policy-2027.pdf"}

    next_year = str(date.today().year + 1)
    page = upload(client, reopened, "equality.pdf", PDF + b"2" * 200, field="equality_policy",
                  insurance_expiry=["30", "6", next_year])

    assert "The equality policy cannot be added: one application&#39;s documents can come to" in page
    assert "Ask the trust office how to send it." in page
    assert set(documents(db)) == {"policy.pdf", "insurance.pdf", "policy-2027.pdf"}
    assert reopened.section("documents").answers["insurance_expiry"] == ["30", "6", next_year]
    assert stored_files() - before == {document_path(documents(db)["policy-2027.pdf"])}


def test_the_cap_on_the_number_of_documents_refuses_one_more(client, db, app, draft, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_MAX_PER_APPLICATION", 2)
    upload(client, draft, "policy.pdf", PDF, also={"insurance_certificate": (PDF, "insurance.pdf")})
    upload(client, draft, "policy-2.pdf", PDF + b"2")  # a replacement in a draft does not count twice

    page = upload(client, draft, "equality.pdf", PDF, field="equality_policy")

    assert "The equality policy cannot be added: one application can keep 2 documents" in page
    assert set(documents(db)) == {"policy-2.pdf", "insurance.pdf"}

"""The form's sections and the profile: every check, what is kept when it fails, uploads, clashes."""

import hashlib
import html
import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.builders import PDF, complete_answers
from tests.page_helpers import post_section, section_url
from workflow.applications.documents import ODT
from workflow.applications.lifecycle import State
from workflow.applications.models import Document
from workflow.applications.operations import save_section, start_application
from workflow.applications.sections import form_of
from workflow.applications.sections import COMPLETED, NOT_STARTED, section_status
from workflow.organisations.models import OrganisationType
from workflow.types import london, utcnow

LIST_FIELDS = {"age_groups", "genres", "settings", "districts", "goals", "core_roles", "extension_roles", "contributions", "insurance_expiry"}


def words(n: int) -> str:
    return " ".join(["music"] * n)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zip_bytes({
    "[Content_Types].xml": b'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "word/document.xml": b"<w:document/>",
})
ODT_BYTES = zip_bytes({"mimetype": ODT[0].encode(), "content.xml": b"<office:document-content/>"})


def stored_as(value):
    return value if isinstance(value, list) else str(value)


# --- Every check of every section keeps what was typed --------------------------

NEXT_YEAR = str(date.today().year + 1)
YESTERDAY = london(utcnow()).date() - timedelta(days=1)

INVALID = [
    ("offer", {"description": ""}, "Describe what your organisation offers"),
    ("offer", {"description": words(301)}, "Description must be 300 words or fewer"),
    ("offer", {"age_groups": []}, "Select at least one age group"),
    ("offer", {"genres": ["jazz", "other"], "genres_other": ""}, "Say which other genres or activities you offer"),
    ("offer", {"settings": []}, "Select at least one place you work"),
    ("offer", {"settings": ["other"], "settings_other": " "}, "Say where else you work"),
    ("offer", {"districts": []}, "Select at least one district"),
    ("offer", {"districts": ["Atlantis"]}, "Select from the options shown"),
    ("goals", {"goals": []}, "Select at least one of the hub&#39;s goals"),
    ("goals", {"how": ""}, "Say how your work supports the goals you selected"),
    ("goals", {"how": words(301)}, "How your work supports the goals must be 300 words or fewer"),
    ("national_plan", {"core_roles": [], "extension_roles": []}, "Select at least one core or extension role"),
    ("national_plan", {"commissioning": ""}, "Select yes if you want to be considered for commissioning"),
    ("national_plan", {"commissioning": "maybe"}, "Select one of the options"),
    ("complementarity", {"complementarity": "   "}, "Say how your offer complements the hub&#39;s existing partners"),
    ("complementarity", {"complementarity": words(350)}, "Your answer must be 300 words or fewer"),
    ("in_kind", {"contributions": []}, "Select at least one thing you will contribute"),
    ("in_kind", {"contributions": ["other"], "contributions_other": ""}, "Say what else you will contribute"),
    ("in_kind", {"in_kind_description": words(201)}, "Description of your contribution must be 200 words or fewer"),
    ("in_kind", {"estimated_value": "about a grand"}, "Estimated value must be an amount in pounds"),
    ("documents", {"insurance_expiry": ["", "", ""]}, "Enter the date your public liability insurance expires"),
    ("documents", {"insurance_expiry": ["1", "4", ""]}, "Insurance expiry date must include a year"),
    ("documents", {"insurance_expiry": ["", "", NEXT_YEAR]}, "Insurance expiry date must include a day and month"),
    ("documents", {"insurance_expiry": ["31", "2", NEXT_YEAR]}, "Insurance expiry date must be a real date"),
    ("documents", {"insurance_expiry": ["1", "4", "27"]}, "Year must include 4 numbers"),
    ("documents", {"insurance_expiry": [str(YESTERDAY.day), str(YESTERDAY.month), str(YESTERDAY.year)]}, "Insurance expiry date must be in the future"),
    ("documents", {"dbs_confirmed": ""}, "Confirm that everyone who works with children has an enhanced DBS check"),
    ("documents", {}, "Upload your safeguarding policy"),
    ("declarations", {"information_true": ""}, "Confirm that the information in this application is true"),
    ("declarations", {"agrees_commitments": ""}, "Confirm that you agree to the partner commitments"),
    ("declarations", {"directory_consent": ""}, "Select yes if we may list your organisation in the public directory"),
]


@pytest.mark.parametrize("key, changes, message", INVALID, ids=[f"{k}-{'-'.join(c) or 'uploads'}" for k, c, _ in INVALID])
def test_invalid_answers_are_saved_and_shown_back(client, db, hub, draft, key, changes, message):
    posted = {**complete_answers(hub)[key], **changes}
    response = post_section(client, draft, key, posted)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert page.count(message) >= 2  # in the error summary and beside the field
    assert "We have saved what you typed" in page

    db.session.expire_all()
    row = draft.section(key)
    assert (row.version, row.completed) == (1, False)
    for name, value in posted.items():
        assert row.answers[name] == stored_as(value), name
        if isinstance(value, str) and value.strip() and value != "maybe":  # a forged radio value has no radio
            assert html.escape(value, quote=True) in page, name
        if name != "insurance_expiry" and isinstance(value, list):
            for choice in (c for c in value if c != "Atlantis"):  # a forged choice has no box to tick
                assert f'value="{html.escape(choice)}" checked' in page, choice
    assert section_status(draft, key) != COMPLETED


@pytest.mark.parametrize("key", ["offer", "goals", "national_plan", "complementarity", "in_kind", "declarations"])
def test_valid_answers_complete_the_section(client, db, hub, draft, key):
    assert section_status(draft, key) == NOT_STARTED
    response = post_section(client, draft, key, complete_answers(hub)[key])
    assert response.status_code == 302
    db.session.expire_all()
    assert draft.section(key).completed and section_status(draft, key) == COMPLETED
    assert draft.answers(key) == {name: stored_as(v) for name, v in complete_answers(hub)[key].items()}


def test_word_limits_allow_exactly_the_limit(client, db, hub, draft):
    answers = {**complete_answers(hub)["offer"], "description": words(300)}
    assert post_section(client, draft, "offer", answers).status_code == 302


def test_save_and_come_back_later_keeps_an_incomplete_section(client, db, hub, draft):
    response = post_section(client, draft, "goals", {"how": "Half an answer", "later": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{draft.id}")
    db.session.expire_all()
    assert draft.answers("goals") == {"goals": [], "how": "Half an answer"}
    page = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert "In progress" in page
    assert "Half an answer" in client.get(section_url(draft, "goals")).get_data(as_text=True)


def test_stored_answers_fill_the_form_again(client, db, hub, draft):
    post_section(client, draft, "in_kind", {**complete_answers(hub)["in_kind"], "contributions": ["space", "other"], "contributions_other": "Sheet music"})
    page = client.get(section_url(draft, "in_kind")).get_data(as_text=True)
    assert 'value="space" checked' in page and 'value="other" checked' in page and 'value="Sheet music"' in page
    assert 'value="1,500"' in page and 'name="version" value="1"' in page


# --- The profile ---------------------------------------------------------------

PROFILE_ERRORS = [
    ({"name": ""}, "Enter the legal name of your organisation"),
    ({"organisation_type": ""}, "Select the type of organisation"),
    ({"organisation_type": "other", "type_other": ""}, "Say what type of organisation it is"),
    ({"charity_number": ""}, "Enter the registered charity number"),
    ({"charity_number": "12AB56"}, "Charity number must be 6 to 8 digits"),
    ({"charity_number": "12345"}, "Charity number must be 6 to 8 digits"),
    ({"organisation_type": "cic", "company_number": ""}, "Enter the company number"),
    ({"organisation_type": "company_limited_by_guarantee", "company_number": "1234567"}, "Company number must be 8 characters"),
    ({"company_number": "ABC12345"}, "Company number must be 8 characters"),
    ({"postcode": "NN16"}, "Enter a real UK postcode"),
    ({"postcode": "12345"}, "Enter a real UK postcode"),
    ({"postcode": ""}, "Enter the postcode"),
    ({"contact_email": "ada-at-example"}, "Enter an email address in the correct format"),
    ({"contact_phone": "12345"}, "Enter a UK phone number"),
    ({"contact_phone": "+1 212 555 0100"}, "Enter a UK phone number"),
    ({"website": "not a web address"}, "Enter a web address in the correct format"),
    ({"safeguarding_lead": ""}, "Enter the name of your safeguarding lead"),
]


@pytest.mark.parametrize("changes, message", PROFILE_ERRORS, ids=[f"{'-'.join(c)}-{i}" for i, (c, _) in enumerate(PROFILE_ERRORS)])
def test_profile_checks_keep_what_was_typed(client, db, organisation, applicant, login, changes, message):
    before = organisation.profile()
    login(applicant)
    response = client.post("/organisation", data={**before, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "There is a problem" in page
    for value in changes.values():
        if value.strip():
            assert f'value="{html.escape(value)}"' in page
    db.session.expire_all()
    assert organisation.profile() == before


@pytest.mark.parametrize("changes, saved", [
    ({"postcode": "nn168aa"}, {"postcode": "NN16 8AA"}),
    ({"postcode": " ec1a  1bb "}, {"postcode": "EC1A 1BB"}),
    ({"charity_number": " 123 456 "}, {"charity_number": "123456"}),
    ({"organisation_type": "company_limited_by_guarantee", "company_number": "sc 123456"}, {"company_number": "SC123456"}),
    ({"organisation_type": "cic", "company_number": "01234567", "charity_number": ""}, {"company_number": "01234567", "charity_number": ""}),
    ({"organisation_type": "unincorporated", "charity_number": ""}, {"organisation_type": OrganisationType.UNINCORPORATED}),
    ({"organisation_type": "other", "type_other": "Cooperative"}, {"type_other": "Cooperative"}),
    ({"organisation_type": "school", "type_other": "Left over"}, {"type_other": ""}),
    ({"contact_phone": "+44 (0)7700 900-982"}, {"contact_phone": "+44 (0)7700 900-982"}),
    ({"contact_phone": "0044 1536 000 000"}, {"contact_phone": "0044 1536 000 000"}),
    ({"contact_phone": "07700900982"}, {"contact_phone": "07700900982"}),
    ({"website": "strings.example.org"}, {"website": "https://strings.example.org"}),
    ({"website": ""}, {"website": ""}),
])
def test_profile_saves_normalised_values(client, db, organisation, applicant, login, changes, saved):
    login(applicant)
    response = client.post("/organisation", data={**organisation.profile(), **changes})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    for name, value in saved.items():
        assert getattr(organisation, name) == value


# --- Uploads, checked by content ------------------------------------------------


def _documents_answers(hub):
    return complete_answers(hub)["documents"]


@pytest.mark.parametrize("content, filename, content_type", [
    (PDF, "Our policy.pdf", "application/pdf"),
    (DOCX, "policy.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (ODT_BYTES, "policy.odt", ODT[0]),
])
def test_real_documents_are_accepted_and_stored_safely(client, db, hub, app, draft, content, filename, content_type):
    response = post_section(
        client, draft, "documents", _documents_answers(hub),
        safeguarding_policy=(content, filename), insurance_certificate=(PDF, "../../etc/insurance.pdf"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    documents = {d.kind: d for d in db.session.scalars(select(Document))}
    policy = documents["safeguarding_policy"]
    assert (policy.filename, policy.content_type, policy.size) == (filename, content_type, len(content))
    assert policy.sha256 == hashlib.sha256(content).hexdigest()
    assert "policy" not in policy.stored_name.lower() and len(policy.stored_name) >= 32
    stored = app.config["STORAGE_DIR"] / "documents" / policy.stored_name
    assert stored.read_bytes() == content
    assert documents["insurance_certificate"].filename == "insurance.pdf"
    assert draft.answers("documents")["safeguarding_policy"] == str(policy.id)
    assert section_status(draft, "documents") == COMPLETED

    download = client.get(f"/applications/{draft.id}/documents/{policy.id}")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"].startswith(content_type)


@pytest.mark.parametrize("content, filename, message", [
    (b"Just some text, not a PDF", "policy.pdf", "must be a PDF, a Word document (.docx) or an OpenDocument text (.odt)"),
    (b"MZ\x90\x00 executable", "policy.docx", "must be a PDF, a Word document"),
    (zip_bytes({"readme.txt": b"hello"}), "policy.docx", "must be a PDF, a Word document"),
    (zip_bytes({"[Content_Types].xml": b"<Types/>"}), "policy.docx", "must be a PDF, a Word document"),
    (b"PK\x03\x04 broken zip", "policy.odt", "must be a PDF, a Word document"),
    (b"", "empty.pdf", "The safeguarding policy is empty"),
])
def test_files_that_are_not_documents_are_refused(client, db, hub, draft, content, filename, message):
    answers = _documents_answers(hub)
    response = post_section(client, draft, "documents", answers, safeguarding_policy=(content, filename))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    db.session.expire_all()
    assert db.session.scalars(select(Document)).all() == []
    assert draft.answers("documents")["insurance_expiry"] == answers["insurance_expiry"]
    assert draft.answers("documents")["safeguarding_policy"] == ""


def test_each_refused_file_is_named_in_the_error_summary(client, db, hub, draft):
    response = post_section(
        client, draft, "documents", _documents_answers(hub),
        safeguarding_policy=(b"not a document", "policy.pdf"), insurance_certificate=(b"", "insurance.pdf"),
    )
    page = html.unescape(response.get_data(as_text=True))
    summary = page[page.index("govuk-error-summary"):page.index("</ul>", page.index("govuk-error-summary"))]

    assert "The safeguarding policy must be a PDF, a Word document (.docx) or an OpenDocument text (.odt)" in summary
    assert "The public liability insurance certificate is empty" in summary
    assert "The selected file" not in page


def test_a_refused_file_leaves_the_previous_one_in_place(client, db, hub, draft):
    post_section(client, draft, "documents", _documents_answers(hub), safeguarding_policy=(PDF, "first.pdf"))
    db.session.expire_all()
    first = draft.answers("documents")["safeguarding_policy"]
    response = post_section(client, draft, "documents", _documents_answers(hub), safeguarding_policy=(b"text", "second.pdf"))
    assert response.status_code == 200 and "must be a PDF" in response.get_data(as_text=True)
    db.session.expire_all()
    assert draft.answers("documents")["safeguarding_policy"] == first
    assert "You uploaded <strong>first.pdf</strong>" in response.get_data(as_text=True)


def test_a_new_file_replaces_the_old_one_in_the_answers(client, db, hub, draft):
    post_section(client, draft, "documents", _documents_answers(hub), safeguarding_policy=(PDF, "first.pdf"))
    post_section(client, draft, "documents", _documents_answers(hub), safeguarding_policy=(PDF + b"2", "second.pdf"))
    db.session.expire_all()
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.filename for d in documents] == ["second.pdf"]  # a draft never submitted keeps no replaced file
    assert draft.answers("documents")["safeguarding_policy"] == str(documents[0].id)


def test_a_file_over_the_limit_is_refused(client, db, hub, app, draft):
    too_big = b"%PDF-1.4\n" + b"0" * (app.config["UPLOAD_MAX_BYTES"] - 8)
    assert len(too_big) == app.config["UPLOAD_MAX_BYTES"] + 1
    response = post_section(client, draft, "documents", _documents_answers(hub), safeguarding_policy=(too_big, "big.pdf"))
    assert response.status_code == 200 and "must be 10 MB or smaller" in response.get_data(as_text=True)
    assert db.session.scalars(select(Document)).all() == []


def test_a_request_over_the_request_limit_gets_a_page_that_says_the_limit(client, db, hub, app, draft):
    huge = b"%PDF-1.4\n" + b"0" * app.config["MAX_CONTENT_LENGTH"]
    response = post_section(client, draft, "documents", _documents_answers(hub), safeguarding_policy=(huge, "huge.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The file is too large" in page and "Each file must be 10 MB or smaller" in page
    db.session.expire_all()
    assert draft.section("documents") is None


def test_the_request_limit_lets_every_file_of_the_documents_page_reach_its_own_limit(app, draft):
    with app.test_request_context():
        file_fields = max(sum(q.type == "file" for q in section.questions) for section in form_of(draft).sections)
    assert file_fields == 3
    assert app.config["MAX_CONTENT_LENGTH"] > file_fields * (app.config["UPLOAD_MAX_BYTES"] + 1)


def test_an_11_mb_upload_is_refused_beside_its_field_and_keeps_the_other_answers(client, db, hub, draft):
    eleven_mb = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)
    next_year = str(date.today().year + 1)
    answers = {**_documents_answers(hub), "insurance_expiry": ["30", "6", next_year]}
    response = post_section(client, draft, "documents", answers, safeguarding_policy=(eleven_mb, "policy.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The safeguarding policy must be 10 MB or smaller" in page
    assert db.session.scalars(select(Document)).all() == []
    db.session.expire_all()
    assert draft.section("documents").answers["insurance_expiry"] == ["30", "6", next_year]


def test_two_large_documents_at_once_are_both_stored(client, db, hub, draft):
    six_mb = b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024)
    response = post_section(
        client, draft, "documents", _documents_answers(hub),
        safeguarding_policy=(six_mb, "policy.pdf"), insurance_certificate=(six_mb, "insurance.pdf"),
    )
    assert response.status_code == 302
    assert sorted(d.filename for d in db.session.scalars(select(Document))) == ["insurance.pdf", "policy.pdf"]


# --- Two tabs or two colleagues ------------------------------------------------


def test_a_stale_save_shows_both_versions_and_overwrites_nothing(client, db, hub, draft):
    theirs = {**complete_answers(hub)["complementarity"], "complementarity": "Their answer, saved first."}
    mine = {"complementarity": "My answer, typed in the other tab."}
    assert post_section(client, draft, "complementarity", theirs, version=0).status_code == 302

    response = post_section(client, draft, "complementarity", mine, version=0)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This section was changed after you opened it" in page
    assert "Their answer, saved first." in page and "My answer, typed in the other tab." in page
    assert 'name="version" value="1"' in page and "Save my answers instead" in page
    db.session.expire_all()
    row = draft.section("complementarity")
    assert (row.version, row.answers["complementarity"]) == (1, "Their answer, saved first.")

    assert post_section(client, draft, "complementarity", mine, version=1).status_code == 302
    db.session.expire_all()
    assert (row.version, row.answers["complementarity"]) == (2, "My answer, typed in the other tab.")


def test_a_colleague_saving_first_is_a_conflict(db, hub, organisation, applicant, make_user):
    colleague = make_user(name="Grace Colleague", organisation=organisation)
    application = start_application(applicant, organisation, hub)
    first = save_section(application, "goals", {"how": "Grace's words"}, colleague, 0)
    second = save_section(application, "goals", {"how": "Ada's words"}, applicant, 0)
    assert (first.saved, first.conflict, first.version) == (True, False, 1)
    assert (second.saved, second.conflict, second.version) == (False, True, 1)
    assert application.answers("goals")["how"] == "Grace's words"
    assert application.section("goals").updated_by_id == colleague.id


def test_uploads_in_a_clashing_save_are_not_kept(db, hub, organisation, applicant):
    application = start_application(applicant, organisation, hub)
    save_section(application, "documents", {"dbs_confirmed": "y"}, applicant, 0)
    result = save_section(
        application, "documents", {"safeguarding_policy": FileStorage(io.BytesIO(PDF), "p.pdf")}, applicant, 0
    )
    assert result.conflict and db.session.scalars(select(Document)).all() == []


def test_task_list_statuses(client, db, hub, draft):
    post_section(client, draft, "offer", complete_answers(hub)["offer"])
    post_section(client, draft, "goals", {"how": "Started"})
    page = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert page.count("Completed") == 2  # the organisation (from the profile) and the offer
    assert page.count("In progress") == 1 and page.count("Not started") == 5
    assert draft.state is State.DRAFT

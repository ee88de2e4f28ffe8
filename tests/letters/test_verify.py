"""The public check of a decision letter: by its printed code or by the PDF itself."""

import io
import re

import pytest
from flask import g

from tests.builders import make_application
from workflow.applications.lifecycle import State
from workflow.letters.models import DecisionLetter
from workflow.letters.operations import draft_letter, issue_letter
from workflow.letters.verification import normalise_code, verify_code, verify_pdf
from workflow.types import london
from workflow.votes.rule import Choice

SECRET_NAME = "Kettering Community Strings"


@pytest.fixture()
def issued(app, db, hub, organisation, applicant, officer, chair):
    application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    letter = draft_letter(application, Choice.APPROVE)
    letter.free_paragraph = "A confidential condition."
    db.session.commit()
    with app.test_request_context():
        issue_letter(letter, officer)
        db.session.commit()
    g.pop("_login_user", None)
    return db.session.get(DecisionLetter, letter.id)


def _page(response) -> str:
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _by_code(client, code: str) -> str:
    return _page(client.get("/verify", query_string={"code": code}))


def _by_upload(client, data: bytes) -> str:
    return _page(client.post(
        "/verify", data={"letter": (io.BytesIO(data), "letter.pdf")}, content_type="multipart/form-data"
    ))


def _genuine(issued) -> str:
    return f"Issued by {issued.application.hub.name} (Demo Lead Trust) on {london(issued.issued_at):%-d %B %Y}."


def _shows_what_the_letter_says(page: str, issued) -> None:
    """The organisation, reference and decision the letter was issued with, to compare with the paper."""
    assert f"Organisation {SECRET_NAME}" in page
    assert f"Reference {issued.application.reference}" in page
    assert "Decision Approved" in page


def _reveals_nothing_else(page: str, issued) -> None:
    for secret in ("Ada Lovelace", "confidential", issued.issued_by.name, issued.pdf_sha256):
        assert secret not in page


def _reveals_nothing(page: str, issued) -> None:
    _reveals_nothing_else(page, issued)
    for secret in (SECRET_NAME, issued.application.reference, "Approved"):
        assert secret not in page


def test_the_code_is_printed_in_the_issued_pdf_which_is_hashed_as_stored(issued):
    import hashlib

    import pypdf

    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(issued.pdf)).pages)
    code = issued.verification_code
    assert f"{code[:5]}-{code[5:]}" in "".join(text.split())
    assert "http://localhost/verify" in text
    assert hashlib.sha256(issued.pdf).hexdigest() == issued.pdf_sha256


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {code[0]}{code[1]}{code[2]}{code[3]}{code[4]}-{rest} "])
def test_a_real_letter_verifies_by_its_code_as_printed_or_typed(db, client, issued, typed):
    code = issued.verification_code
    page = _by_code(client, typed.format(code=code, lower=code.lower(), rest=code[5:]))
    assert "This letter is genuine" in page
    assert _genuine(issued) in page
    assert f"The code {issued.printed_code} belongs to this letter" in page
    _shows_what_the_letter_says(page, issued)
    _reveals_nothing_else(page, issued)


def test_a_real_letter_verifies_by_upload(db, client, issued):
    page = _by_upload(client, issued.pdf)
    assert "This letter is genuine" in page
    assert "not one byte has changed" in page
    assert _genuine(issued) in page
    _shows_what_the_letter_says(page, issued)
    _reveals_nothing_else(page, issued)


def test_the_check_shows_the_name_the_letter_was_issued_with(db, client, issued):
    issued.application.organisation.name = "Renamed Since"
    db.session.commit()
    page = _by_code(client, issued.verification_code)
    _shows_what_the_letter_says(page, issued)
    assert "Renamed Since" not in page


def test_after_anonymising_the_check_shows_only_the_hub_and_date(app, db, client, issued):
    from workflow.privacy.anonymise import anonymise_application

    with app.test_request_context():
        anonymise_application(issued.application)
        db.session.commit()
    page = _by_code(client, issued.verification_code)
    assert "This letter is genuine" in page and _genuine(issued) in page
    assert "can confirm only the hub and the date" in page
    _reveals_nothing(page, issued)


def test_checks_are_limited_per_address(app, db, client, issued, monkeypatch):
    from workflow.extensions import limiter

    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", True)
    monkeypatch.setitem(app.config, "VERIFY_LIMIT_PER_ADDRESS", "3 per minute")
    limiter.reset()
    try:
        for _ in range(5):
            assert client.get("/verify").status_code == 200  # reading the page checks nothing
        for n in range(3):
            assert client.get("/verify", query_string={"code": f"AAAAA{n}AAAA"}).status_code == 200
        refused = client.get("/verify", query_string={"code": issued.verification_code})
        assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
        assert SECRET_NAME not in refused.get_data(as_text=True)
        other = client.get("/verify", query_string={"code": issued.verification_code}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200
    finally:
        limiter.reset()


@pytest.mark.parametrize("position", [0, 1000, -20, "middle"])
def test_a_pdf_with_one_byte_changed_does_not_verify(db, client, issued, position):
    tampered = bytearray(issued.pdf)
    index = len(tampered) // 2 if position == "middle" else position
    tampered[index] ^= 0x01
    page = _by_upload(client, bytes(tampered))
    assert "This letter is genuine" not in page
    assert "not a letter we issued, or it has been changed since" in page
    assert verify_pdf(bytes(tampered)) is None


@pytest.mark.parametrize("code", ["AAAAA-AAAAA", "ZZZZZZZZZZ", "<script>", "x" * 40])
def test_an_unknown_code_says_so(db, client, issued, code):
    page = _by_code(client, code)
    assert "No issued letter matches" in page
    assert "This letter is genuine" not in page
    _reveals_nothing(page, issued)


def test_a_drafted_letter_does_not_verify(db, client, hub, organisation, applicant, officer):
    application = make_application(hub, organisation, applicant, State.DECLINED, officer=officer)
    draft_letter(application, Choice.DECLINE)
    db.session.commit()
    assert verify_code("") is None
    assert "No issued letter matches" in _by_code(client, "ABCDEFGHIJ")


def test_an_empty_code_or_no_file_is_asked_for_again(db, client):
    page = _by_code(client, "")
    assert "Enter the verification code printed on the letter" in page
    response = client.post("/verify", data={}, content_type="multipart/form-data")
    assert "Choose the PDF of the letter" in _page(response)


def test_the_page_without_a_check_shows_both_ways(db, client):
    page = _page(client.get("/verify"))
    assert "Verification code" in page and "The letter as a PDF" in page
    assert "genuine" not in page.replace("is genuine", "")


def test_codes_are_normalised():
    assert normalise_code(" abcde-fghij ") == "ABCDEFGHIJ"
    assert normalise_code("") == ""
    assert len(normalise_code("A" * 1000)) == 40

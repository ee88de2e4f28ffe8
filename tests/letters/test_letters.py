"""Decision letters: drafted from the hub's template, previewed, issued once, downloaded as stored."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from html.parser import HTMLParser

import pypdf
import pytest
from markupsafe import escape
from sqlalchemy import select

from tests.builders import make_application
from tests.image_helpers import give_demo_images
from workflow.applications.lifecycle import State
from workflow.audit.operations import history
from workflow.errors import NotAllowed, WrongState
from workflow.hubs.models import ImageKind
from workflow.letters.defaults import default_template_body
from workflow.letters.models import DecisionLetter, LetterStatus, LetterTemplate, display_code
from workflow.letters.operations import (
    add_years,
    chair_name,
    draft_letter,
    issue_letter,
    letter_html,
    merge_fields,
    preview_pdf,
    save_free_paragraph,
)
from workflow.letters.templating import (
    FIELDS,
    LetterTemplateError,
    render_letter_body,
    validate_template,
)
from workflow.notifications.models import OutboxMessage
from workflow.policy import authorize
from workflow.types import london, utcnow
from workflow.votes.rule import Choice

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:1/x.css">',
    "{{ ''.__class__ }}",
]


def _reader(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in _reader(pdf).pages)


def _squeezed(text: str) -> str:
    """Text without any whitespace, so line breaks in the PDF do not matter."""
    return "".join(text.split())


def _contains(pdf: bytes, *needles: str) -> bool:
    text = _squeezed(_text(pdf))
    return all(_squeezed(needle) in text for needle in needles)


def _has_attachments(pdf: bytes) -> bool:
    reader = _reader(pdf)
    names = reader.trailer["/Root"].get("/Names")
    embedded = names is not None and names.get_object().get("/EmbeddedFiles") is not None
    annotations = [
        annot.get_object().get("/Subtype")
        for page in reader.pages
        for annot in page.get("/Annots") or []
    ]
    return bool(reader.attachments) or embedded or "/FileAttachment" in annotations


def _image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in _reader(pdf).pages)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def _page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture()
def make_letter(db, hub, organisation, applicant, officer):
    def make(outcome: Choice = Choice.APPROVE, **changes) -> DecisionLetter:
        for name, value in changes.items():
            setattr(organisation, name, value)
        state = State.APPROVED if outcome is Choice.APPROVE else State.DECLINED
        application = make_application(hub, organisation, applicant, state, officer=officer)
        letter = draft_letter(application, outcome)
        db.session.commit()
        return letter

    return make


@pytest.fixture()
def letter(make_letter, chair):
    return make_letter(Choice.APPROVE)


def _issue(client, letter) -> object:
    return client.post(f"/office/applications/{letter.application_id}/letter/issue", data={"confirm": "y"})


# Drafting


def test_a_letter_is_drafted_from_the_current_template_version(app, db, hub, organisation, applicant, officer, login):
    for version, words in ((1, "OLD WORDING"), (2, "NEW WORDING")):
        db.session.add(
            LetterTemplate(hub_id=hub.id, outcome=Choice.APPROVE, version=version, body=f"<p>{words} for {{{{ organisation }}}}</p>")
        )
    db.session.commit()
    application = make_application(hub, organisation, applicant, State.APPROVED)
    letter = draft_letter(application, Choice.APPROVE)
    db.session.commit()

    assert letter.template.version == 2
    assert letter.status is LetterStatus.DRAFTED and letter.pdf_sha256 is None
    pdf = login(officer).get(f"/office/applications/{application.id}/letter/preview.pdf").data
    assert _contains(pdf, "NEW WORDING for Kettering Community Strings")
    assert "OLD WORDING" not in _text(pdf)


@pytest.mark.parametrize("outcome", [Choice.APPROVE, Choice.DECLINE])
def test_a_hub_without_a_template_starts_from_the_default(db, make_letter, outcome):
    letter = make_letter(outcome)
    assert letter.template.version == 1
    assert letter.template.body == default_template_body(outcome)
    assert letter.outcome is outcome


def test_drafting_again_returns_the_same_letter(db, letter):
    again = draft_letter(letter.application, Choice.APPROVE)
    assert again.id == letter.id
    assert db.session.query(DecisionLetter).count() == 1


def test_only_approvals_and_declines_have_letters(db, hub, organisation, applicant):
    application = make_application(hub, organisation, applicant, State.APPROVED)
    with pytest.raises(ValueError):
        draft_letter(application, Choice.ABSTAIN)


def test_the_default_templates_are_valid_and_use_only_merge_fields():
    for outcome in (Choice.APPROVE, Choice.DECLINE):
        assert validate_template(default_template_body(outcome)) is None


def test_merge_fields(app, db, letter, chair):
    letter.free_paragraph = "Keep a safeguarding policy."
    moment = utcnow()
    fields = merge_fields(letter, moment)
    application = letter.application
    decided = london(application.decided_at).date()
    assert set(fields) == set(FIELDS)
    assert fields["organisation"] == "Kettering Community Strings"
    assert fields["contact"] == "Ada Lovelace"
    assert fields["address"] == "2 Example Road\nKettering\nNN16 8AA"
    assert fields["reference"] == application.reference
    assert fields["date"] == london(moment).strftime("%-d %B %Y")
    assert fields["hub"] == "Northamptonshire Music Education Hub"
    assert fields["outcome"] == "approved"
    assert fields["conditions"] == "Keep a safeguarding policy."
    assert fields["chair_name"] == "Charlotte Chair"
    assert fields["chair_signature"] == ""
    assert fields["term_years"] == 3
    assert fields["term_end"] == add_years(decided, 3).strftime("%-d %B %Y")


def test_the_chair_is_named_or_the_chair_by_title(db, make_user):
    from workflow.accounts.models import Role

    assert chair_name() == "The Chair"
    make_user(Role.TRUSTEE, name="Just A Trustee")
    assert chair_name() == "The Chair"
    make_user(Role.CHAIR, Role.TRUSTEE, name="First Chair")
    make_user(Role.CHAIR, name="Second Chair")
    assert chair_name() == "First Chair"


def test_add_years_keeps_the_day_or_falls_back_to_28_february():
    from datetime import date

    assert add_years(date(2026, 11, 25), 3) == date(2029, 11, 25)
    assert add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)


# The office page, the preview and issuing


def test_the_office_page_offers_the_paragraph_preview_and_issue(client, login, officer, letter):
    response = login(officer).get(f"/office/applications/{letter.application_id}/letter")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _page_text(html)
    assert "Decision letter" in text and "Drafted" in text and "Approved" in text
    assert "Conditions or feedback" in text
    assert 'name="free_paragraph"' in html and 'name="confirm"' in html
    assert f'href="/office/applications/{letter.application_id}/letter/preview.pdf"' in html
    assert f'action="/office/applications/{letter.application_id}/letter/issue"' in html


def test_the_preview_renders_the_draft_and_stores_nothing(db, client, login, officer, letter):
    login(officer).post(
        f"/office/applications/{letter.application_id}/letter",
        data={"free_paragraph": "Share your safeguarding policy with the hub office."},
    )
    response = client.get(f"/office/applications/{letter.application_id}/letter/preview.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    pdf = response.data
    assert _contains(
        pdf,
        "Kettering Community Strings",
        letter.application.reference,
        "Draft for checking",
        "Share your safeguarding policy with the hub office.",
        "Page 1 of",
    )
    stored = db.session.get(DecisionLetter, letter.id)
    assert stored.status is LetterStatus.DRAFTED and stored.pdf is None and stored.pdf_sha256 is None


def test_saving_the_free_paragraph(db, client, login, officer, letter):
    response = login(officer).post(
        f"/office/applications/{letter.application_id}/letter", data={"free_paragraph": "  First.\r\n\r\nSecond.  "}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/office/applications/{letter.application_id}/letter")
    assert db.session.get(DecisionLetter, letter.id).free_paragraph == "First.\n\nSecond."


def test_a_free_paragraph_too_long_is_refused_with_a_message(db, client, login, officer, letter):
    response = login(officer).post(
        f"/office/applications/{letter.application_id}/letter", data={"free_paragraph": "x" * 5001}
    )
    assert response.status_code == 200
    assert "must be 5000 characters or fewer" in response.get_data(as_text=True)
    assert db.session.get(DecisionLetter, letter.id).free_paragraph == ""


def test_issuing_needs_the_confirmation(db, client, login, officer, letter):
    response = login(officer).post(f"/office/applications/{letter.application_id}/letter/issue", data={})
    assert response.status_code == 200
    assert "Confirm that you have checked the letter" in response.get_data(as_text=True)
    assert db.session.get(DecisionLetter, letter.id).status is LetterStatus.DRAFTED


def test_issuing_stores_the_pdf_its_digest_and_who_issued_it(db, app, client, login, officer, applicant, letter):
    login(officer).post(
        f"/office/applications/{letter.application_id}/letter",
        data={"free_paragraph": "Share your safeguarding policy with the hub office."},
    )
    before = utcnow()
    response = _issue(client, letter)
    assert response.status_code == 302

    issued = db.session.get(DecisionLetter, letter.id)
    application = issued.application
    assert issued.status is LetterStatus.ISSUED
    assert issued.pdf_sha256 == hashlib.sha256(issued.pdf).hexdigest()
    assert re.fullmatch(r"[A-Z2-7]{10}", issued.verification_code)
    assert issued.issued_by_id == officer.id
    assert before <= issued.issued_at <= utcnow()

    text = _text(issued.pdf)
    assert _contains(
        issued.pdf,
        "Kettering Community Strings",
        application.reference,
        "approved",
        "Share your safeguarding policy with the hub office.",
        "Charlotte Chair",
        "Chair of the trustees",
        "Registered charity number 0000000",
        "Company number 00000000",
        f"{issued.verification_code[:5]}-{issued.verification_code[5:]}",
        "http://localhost/verify",
        london(issued.issued_at).strftime("%-d %B %Y"),
    )
    assert "Page 1 of" in text
    assert "Draft for checking" not in text
    reader = _reader(issued.pdf)
    assert reader.metadata.title == f"Decision letter {application.reference}"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"

    assert [e.kind for e in history(application)][-1] == "letter_issued"
    assert history(application)[-1].actor_id == officer.id
    mail = db.session.query(OutboxMessage).filter_by(kind="letter_issued").all()
    assert [m.recipient for m in mail] == [applicant.email]
    assert f"http://localhost/applications/{application.id}/letter.pdf" in mail[0].body
    assert application.reference in mail[0].subject

    page = client.get(f"/office/applications/{letter.application_id}/letter").get_data(as_text=True)
    text = _page_text(page)
    for expected in ("Issued", issued.pdf_sha256, issued.printed_code, "Olive Officer"):
        assert expected in text
    assert 'name="free_paragraph"' not in page and 'name="confirm"' not in page


def test_an_approval_letter_states_the_partnership_term(db, client, login, officer, letter):
    _issue(login(officer), letter)
    issued = db.session.get(DecisionLetter, letter.id)
    decided = london(issued.application.decided_at).date()
    start, end = decided.strftime("%-d %B %Y"), add_years(decided, 3).strftime("%-d %B %Y")
    assert _contains(issued.pdf, "Partnership term", f"3 years, from {start} to {end}")
    assert _contains(issued.pdf, f"The partnership runs for 3 years, until {end}.")


def test_a_decline_letter_gives_feedback_and_no_term(db, client, login, officer, make_letter, chair):
    letter = make_letter(Choice.DECLINE)
    login(officer).post(
        f"/office/applications/{letter.application_id}/letter", data={"free_paragraph": "Show more of your reach."}
    )
    _issue(client, letter)
    pdf = db.session.get(DecisionLetter, letter.id).pdf
    assert _contains(pdf, "declined", "Show more of your reach.", "welcome to apply again", "Chair of the trustees")
    assert "Partnership term" not in _text(pdf)


def test_downloads_are_the_stored_bytes_every_time(db, client, login, officer, applicant, letter):
    _issue(login(officer), letter)
    stored = db.session.get(DecisionLetter, letter.id)
    reference = stored.application.reference

    login(applicant)
    first = client.get(f"/applications/{letter.application_id}/letter.pdf")
    second = client.get(f"/applications/{letter.application_id}/letter.pdf")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data == stored.pdf
    assert first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"] == f'attachment; filename="{reference}-decision.pdf"'
    assert first.headers["ETag"].strip('"') == stored.pdf_sha256 == hashlib.sha256(first.data).hexdigest()

    unchanged = client.get(
        f"/applications/{letter.application_id}/letter.pdf", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status_code == 304

    # Previewing an issued letter gives the stored bytes too, never a new rendering.
    login(officer)
    assert client.get(f"/office/applications/{letter.application_id}/letter/preview.pdf").data == stored.pdf
    assert preview_pdf(stored) == stored.pdf


def test_issuing_twice_is_refused(db, client, login, officer, admin, letter):
    assert _issue(login(officer), letter).status_code == 302
    stored = db.session.get(DecisionLetter, letter.id)
    digest, issued_at = stored.pdf_sha256, stored.issued_at

    response = _issue(login(admin), letter)
    assert response.status_code == 409
    assert "already been issued" in response.get_data(as_text=True)
    again = db.session.get(DecisionLetter, letter.id)
    assert (again.pdf_sha256, again.issued_at, again.issued_by_id) == (digest, issued_at, officer.id)
    assert db.session.query(OutboxMessage).filter_by(kind="letter_issued").count() == 1
    assert [e.kind for e in history(again.application)].count("letter_issued") == 1


def test_the_free_paragraph_cannot_change_once_issued(db, app, client, login, officer, letter):
    _issue(login(officer), letter)
    response = client.post(f"/office/applications/{letter.application_id}/letter", data={"free_paragraph": "Later words."})
    assert response.status_code == 409
    stored = db.session.get(DecisionLetter, letter.id)
    assert stored.free_paragraph == ""
    with pytest.raises(WrongState):
        save_free_paragraph(stored, officer, "Later words.")


def test_the_policy_refuses_people_who_are_not_officers(app, db, letter, applicant, chair):
    for person in (applicant, chair):
        for action in ("edit_letter", "issue_letter"):
            with pytest.raises(NotAllowed):
                authorize(person, action, letter)
    assert db.session.get(DecisionLetter, letter.id).status is LetterStatus.DRAFTED


def test_two_officers_issuing_at_once_exactly_one_wins(app, db, login, officer, admin, letter):
    clients = [login(person, app.test_client()) for person in (officer, admin)]
    url = f"/office/applications/{letter.application_id}/letter/issue"
    db.session.rollback()  # the test's own transaction must not hold SQLite's write lock
    statuses: list[int] = []
    start = threading.Barrier(2)

    def issue(test_client):
        start.wait(10)
        statuses.append(test_client.post(url, data={"confirm": "y"}).status_code)

    threads = [threading.Thread(target=issue, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    stored = db.session.get(DecisionLetter, letter.id)
    assert stored.pdf_sha256 == hashlib.sha256(stored.pdf).hexdigest()
    assert db.session.query(OutboxMessage).filter_by(kind="letter_issued").count() == 1


# Nothing the organisation or the officer types is markup, and nothing is fetched


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("where", ["organisation name", "free paragraph"])
def test_typed_markup_comes_out_as_literal_text(app, db, client, login, officer, make_letter, chair, payload, where):
    letter = make_letter(**({"name": f"Band {payload}"} if where == "organisation name" else {}))
    if where == "free paragraph":
        letter.free_paragraph = f"Note {payload}"
        db.session.commit()
    with app.test_request_context():
        html = letter_html(letter)
    assert payload not in html  # escaped in the document
    assert str(escape(payload)) in html

    _issue(login(officer), letter)
    pdf = db.session.get(DecisionLetter, letter.id).pdf
    assert _contains(pdf, payload)
    assert not _has_attachments(pdf)
    assert _image_count(pdf) == 0
    assert b"root:x:0:0" not in pdf


# The sandbox


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{% include '/etc/passwd' %}",
    "{{ organisation.__class__.__base__.__subclasses__() }}",
    "{{ ''.format.__globals__ }}",
    "{% import '/etc/passwd' as secrets %}",
    "{% extends '/etc/passwd' %}",
    "{{ lipsum.__globals__ }}",
    "{{ 'x' * 100000000 }}",
]


@pytest.mark.parametrize("body", SANDBOX_ESCAPES)
def test_templates_cannot_reach_python_internals_or_files(body):
    problem = validate_template(f"<p>Dear {{{{ contact }}}},</p>\n{body}")
    assert problem is not None and problem[0] == 2
    with pytest.raises(LetterTemplateError) as refused:
        render_letter_body(body, {"organisation": "Example", "contact": "Alex"})
    assert "root:" not in str(refused.value)
    assert "object at 0x" not in str(refused.value)


@pytest.mark.parametrize("body", SANDBOX_ESCAPES[:3])
def test_a_broken_template_refuses_the_preview_with_a_reason(db, client, login, officer, hub, letter, body):
    letter.template.body = f"<p>Dear {{{{ contact }}}},</p>\n{body}"
    db.session.commit()
    response = login(officer).get(f"/office/applications/{letter.application_id}/letter/preview.pdf")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "template has a problem on line 2" in page
    assert "root:" not in page
    assert _issue(client, letter).status_code == 409
    assert db.session.get(DecisionLetter, letter.id).status is LetterStatus.DRAFTED


def test_merge_fields_are_escaped_and_paragraphs_kept():
    body = render_letter_body(
        "<p>{{ organisation }}</p>{{ conditions|paragraphs }}<p>{{ address|lines }}</p>",
        {"organisation": '<img src="x">', "conditions": "One <b>\nline\n\nTwo", "address": "1 Road\n<Town>"},
    )
    assert str(body) == (
        "<p>&lt;img src=&#34;x&#34;&gt;</p><p>One &lt;b&gt;<br>line</p><p>Two</p><p>1 Road<br>&lt;Town&gt;</p>"
    )


@pytest.mark.parametrize(
    "body, line, words",
    [
        ("<p>Dear {{ contact }},</p>\n<p>{{ organisation }</p>", 2, "unexpected"),
        ("<p>One</p>\n<p>Two</p>\n{% if conditions %}<p>x</p>", 3, "end of template"),
        ("<p>One</p>\n\n<p>{{ organisaton }}</p>", 3, "'organisaton' is not a merge field"),
        ("<p>One</p>\n{% if outcome == 'declined' %}\n{{ secret }}\n{% endif %}", 3, "'secret' is not a merge field"),
        ("<p>{{ organisation.nickname }}</p>", 1, "nickname"),
    ],
)
def test_validate_template_reports_the_line_of_a_problem(body, line, words):
    found = validate_template(body)
    assert found is not None
    assert found[0] == line
    assert words in found[1]


def test_validate_template_accepts_merge_fields_loops_and_sets():
    body = (
        "{% set greeting = 'Dear ' ~ contact %}<p>{{ greeting }},</p>\n"
        "{% for word in ['one', 'two'] %}{{ loop.index }} {{ word }}{% endfor %}\n"
        "{% if conditions %}{{ conditions|paragraphs }}{% endif %}{{ term_end }}{{ chair_name|upper }}"
    )
    assert validate_template(body) is None


def test_issued_letters_keep_their_template_version(db, client, login, officer, hub, letter):
    _issue(login(officer), letter)
    db.session.add(LetterTemplate(hub_id=hub.id, outcome=Choice.APPROVE, version=2, body="<p>Changed later</p>"))
    db.session.commit()
    stored = db.session.get(DecisionLetter, letter.id)
    assert stored.template.version == 1
    assert client.get(f"/applications/{letter.application_id}/letter.pdf").data == stored.pdf
    assert db.session.scalar(select(LetterTemplate.body).where(LetterTemplate.version == 2)) == "<p>Changed later</p>"


def test_the_letterhead_embeds_the_hub_logo_from_the_database(app, db, client, login, officer, hub, letter):
    give_demo_images(db, hub, ImageKind.LOGO)
    with app.test_request_context():
        html = letter_html(letter)
    assert f'src="{escape(hub.logo_image.data_url)}"' in html
    assert hub.logo_image.data_url.startswith("data:image/svg+xml;base64,")
    pdf = login(officer).get(f"/office/applications/{letter.application_id}/letter/preview.pdf").data
    assert _contains(pdf, "Demo Lead Trust", "Northamptonshire Music Education Hub", "1 Demo Street", "NN1 1AA")


def test_letter_dates_are_london_days(app, db, letter):
    summer_evening = utcnow().replace(month=7, day=1, hour=23, minute=30)
    fields = merge_fields(letter, summer_evening)
    assert fields["date"] == london(summer_evening).strftime("%-d %B %Y")
    assert fields["date"].startswith("2 July")


def test_names_in_other_scripts_render(db, client, login, officer, make_letter, chair):
    letter = make_letter(name="王小明 Ensemble", contact_name="Ελένη Παπαδοπούλου")
    _issue(login(officer), letter)
    pdf = db.session.get(DecisionLetter, letter.id).pdf
    assert _contains(pdf, "王小明 Ensemble", "Dear Ελένη Παπαδοπούλου")
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in _reader(pdf).pages
        for font in page["/Resources"].get_object().get("/Font", {}).get_object().values()
    }
    assert any("CJK" in name for name in fonts), fonts


# Archival and accessible


def _structure(node, depth=0, found=None) -> list[tuple[int, str, str | None]]:
    """The structure tree as (depth, role, alternative text), in reading order."""
    found = [] if found is None else found
    node = node.get_object()
    if isinstance(node, dict) and "/S" in node:
        found.append((depth, str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            _structure(kid, depth + 1, found)
    return found


def test_an_issued_letter_is_tagged_titled_and_declares_pdf_a_3a(db, client, login, officer, hub, letter, tmp_path):
    import subprocess

    give_demo_images(db, hub, ImageKind.LOGO, ImageKind.SIGNATURE)
    _issue(login(officer), letter)
    pdf = db.session.get(DecisionLetter, letter.id).pdf
    reader = _reader(pdf)
    catalog = reader.trailer["/Root"]

    assert catalog["/Lang"] == "en-GB"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    title = f"Decision letter {letter.application.reference}"
    assert reader.metadata.title == title

    tree = catalog["/StructTreeRoot"].get_object()
    assert "/ParentTree" in tree
    nodes = [node for kid in tree["/K"] for node in _structure(kid)]
    assert nodes[0][:2] == (0, "/Document")
    assert {role for depth, role, _ in nodes if depth == 1} >= {"/Part"}
    roles = {role for _, role, _ in nodes}
    assert {"/H1", "/Table", "/P"} <= roles
    figures = [alt for _, role, alt in nodes if role == "/Figure"]
    assert figures == ["Northamptonshire Music Education Hub", "Signature of Charlotte Chair"]

    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert title in xmp
    assert catalog["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"

    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors" in checked.stdout


def test_an_issued_letter_carries_the_chairs_signature_and_the_official_details(db, client, login, officer, hub, letter):
    give_demo_images(db, hub, ImageKind.SIGNATURE)
    letter.free_paragraph = "Share your safeguarding policy."
    db.session.commit()
    _issue(login(officer), letter)
    issued = db.session.get(DecisionLetter, letter.id)
    pages = [_squeezed(page.extract_text()) for page in _reader(issued.pdf).pages]
    count = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Page{number}of{count}" in page
        assert "Registeredcharitynumber0000000" in page and "Companynumber00000000" in page
        assert f"{issued.verification_code[:5]}-{issued.verification_code[5:]}" in page
    assert _contains(issued.pdf, "Conditions of the approval", "Share your safeguarding policy.",
                     "Partnership term", "Yours sincerely", "Charlotte Chair")


def _words_cm(pdf: bytes, tmp_path) -> list[list[tuple[float, float, float, str]]]:
    """Each page's words as (left, top, bottom, word) in cm from the page's top left corner."""
    import subprocess

    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')
    return [
        [(float(x) / 72 * 2.54, float(top) / 72 * 2.54, float(bottom) / 72 * 2.54, text) for x, top, bottom, text in word.findall(page)]
        for page in xhtml.split("<page ")[1:]
    ]


def test_the_footer_and_page_number_sit_in_the_bottom_margin_well_inside_the_page(
    app, db, client, login, officer, hub, letter, monkeypatch, tmp_path
):
    give_demo_images(db, hub, ImageKind.LOGO, ImageKind.SIGNATURE)
    # A long address for the verification page, so that its line wraps.
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://partnerships.northamptonshire-music.example.org")
    _issue(login(officer), letter)
    issued = db.session.get(DecisionLetter, letter.id)
    pages = _words_cm(issued.pdf, tmp_path)
    for number, words in enumerate(pages, start=1):
        # A4 is 29.7 cm high, the bottom margin 2.5 cm; printers leave a few mm unprinted.
        assert max(bottom for _, _, bottom, _ in words) < 29.7 - 0.3
        margin = [(x, text) for x, top, _, text in words if top > 29.7 - 2.5]
        page_number = [x for x, text in margin if text in ("Page", str(number), "of", str(len(pages)))]
        footer = [x for x, text in margin if text not in ("Page", str(number), "of", str(len(pages)))]
        text = " ".join(text for _, text in margin)
        assert f"Page {number} of {len(pages)}" in text and "Demo Lead Trust" in text
        assert "Registered charity number 0000000" in text and display_code(issued.verification_code) in text
        assert min(page_number) > max(footer)  # side by side, the page number on the right

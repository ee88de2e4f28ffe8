"""A corpus of XSS payloads typed into every text field comes out escaped on every page,
as literal text in the decision letter, and only in plain-text emails."""

import io

from pypdf import PdfReader

from workflow.applications.lifecycle import State
from workflow.letters.operations import draft_letter, issue_letter
from workflow.notifications.delivery import deliver_outbox
from workflow.votes.rule import Choice

from ..builders import make_application
from ..page_helpers import Forms, PAGES, SKIPPED_ACTIONS

PAYLOADS = [
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert("x2")>',
    "<svg/onload=alert('x3')>",
    "</textarea><script>alert('x4')</script>",
    "<iframe src=javascript:alert('x5')>",
]
TEMPLATE_PROBE = "{{ 7*7 }}x6"


def fill(form: dict, payload: str) -> dict:
    """Every text field gets the payload; choices their first value; hidden fields kept."""
    data = {}
    for name, field in form["fields"].items():
        if field["kind"] in {"text", "textarea", "email", "url", "tel", "search"}:
            data[name] = payload
        elif field["kind"] in {"radio", "checkbox", "select", "hidden"} and field["values"]:
            data[name] = field["values"][0]
    return data


def test_payloads_are_escaped_on_every_page(client, login, world, db, app):
    for n, (role, page) in enumerate(PAGES):
        if role == "anonymous":
            continue
        login(world[role])
        url = page.format(**world)
        for form in Forms(client.get(url).get_data(as_text=True)).forms:
            if form["method"] != "post" or form["action"].endswith(SKIPPED_ACTIONS):
                continue
            for payload in PAYLOADS + [TEMPLATE_PROBE]:
                client.post(form["action"] or url, data=fill(form, payload))
    visits = {
        "applicant": ["/applications", "/organisation", "/applications/{draft}", "/applications/{draft}/check",
                      "/applications/{in_review}", "/applications/{in_review}/messages"],
        "officer": ["/office", "/office/applications/{draft}", "/office/applications/{in_review}",
                    "/office?q=%3Cscript%3E"],
        "trustee": ["/trustees", "/trustees/votes/{vote}"],
    }
    shown_escaped = 0
    for role, urls in visits.items():
        login(world[role])
        for url in urls:
            response = client.get(url.format(**world))
            page = response.get_data(as_text=True)
            shown_escaped += page.count("&lt;script&gt;alert(")
            for payload in PAYLOADS:
                assert payload not in page, (url, payload)
            assert "49x6" not in page, url
    assert shown_escaped >= 5, "the payloads were stored and shown (escaped) on the pages"


def test_payloads_are_literal_text_in_the_letter_and_plain_in_email(app, db, hub, make_organisation, make_user, officer):
    organisation = make_organisation(PAYLOADS[0] + PAYLOADS[1])
    member = make_user(organisation=organisation)
    application = make_application(hub, organisation, member, State.APPROVED, officer=officer)
    with app.test_request_context():
        letter = draft_letter(application, Choice.APPROVE)
        letter.free_paragraph = PAYLOADS[2] + TEMPLATE_PROBE
        issue_letter(letter, officer)
        db.session.commit()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.pdf)).pages)
    squashed = "".join(text.split())
    for payload in PAYLOADS[:3]:
        assert "".join(payload.split()) in squashed
    assert "49x6" not in squashed
    deliver_outbox()
    emails = [path.read_bytes() for path in app.config["MAIL_FOLDER"].glob("*.eml")]
    assert emails
    for email in emails:
        assert b"Content-Type: text/plain" in email
        assert b"text/html" not in email

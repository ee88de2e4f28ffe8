"""Reading pages and PDFs, and filling in forms through the pages, as the tests do."""

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pypdf
from flask import g
from sqlalchemy import select

from tests.account_helpers import emails, link_in, sign_in
from tests.builders import PDF, complete_answers
from workflow.extensions import db
from workflow.notifications.models import OutboxMessage
from workflow.types import LONDON, utcnow


class PageParser(HTMLParser):
    """Headings, images, links and visible text of a page."""

    def __init__(self):
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.images: list[dict] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._heading: int | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = int(tag[1])
            self.headings.append((self._heading, ""))
        elif tag == "img":
            self.images.append(attributes)
        elif tag == "a":
            self.links.append(attributes.get("href", ""))

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading is not None:
            level, text = self.headings[-1]
            self.headings[-1] = (level, text + data)


def parse(response) -> PageParser:
    """The page's headings, images, links and text."""
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser


def page_text(response) -> str:
    """The page's visible text, whitespace folded."""
    return " ".join(" ".join(parse(response).text).split())


def vote_action(client, login, user, vote, action, **data):
    """Sign in as `user` and post `action` (ballot, conflict, close…) on the vote."""
    sign_in(login, user)
    return client.post(f"/trustees/votes/{vote.id}/{action}", data=data)


class TextOf(HTMLParser):
    """The visible text of a page, and its form actions."""

    def __init__(self, html: str):
        super().__init__()
        self.parts, self.actions = [], []
        self.feed(html)
        self.text = " ".join(" ".join(self.parts).split())

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.actions.append(dict(attrs).get("action"))


def vote_page(client, login, user, vote) -> TextOf:
    """Sign in as `user` and read the vote's page."""
    sign_in(login, user)
    response = client.get(f"/trustees/votes/{vote.id}")
    assert response.status_code == 200
    return TextOf(response.get_data(as_text=True))


def pages_of(pdf: bytes) -> list[str]:
    """The text of each page of a PDF, whitespace folded."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


# Form actions the form-wide tests (fuzz, XSS) never post: they end the session or move the application on.
SKIPPED_ACTIONS = ("/sign-out", "/withdraw", "/submit", "/issue", "/close", "/defer")


class Forms(HTMLParser):
    """The forms of a page: method, action and fields (name -> kind, known values)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"method": method, "action": attrs.get("action") or "", "fields": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button"}:
            kind = attrs.get("type") or "text"
            entry = fields.setdefault(name, {"kind": kind, "values": []})
            if attrs.get("value") is not None:
                entry["values"].append(attrs["value"])
        elif tag == "textarea" and name:
            fields.setdefault(name, {"kind": "textarea", "values": []})
        elif tag == "select" and name:
            self._select = fields.setdefault(name, {"kind": "select", "values": []})
        elif tag == "option" and self._select is not None and attrs.get("value") is not None:
            self._select["values"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


# The pages whose forms the form-wide tests drive, by role; ids from the `world` fixture.
PAGES = [
    ("anonymous", "/register"),
    ("anonymous", "/sign-in"),
    ("applicant", "/organisation"),
    *[("applicant", f"/applications/{{draft}}/sections/{key}") for key in
      ("offer", "goals", "national_plan", "complementarity", "in_kind", "documents", "declarations")],
    ("applicant", "/applications/{in_review}/messages"),
    ("officer", "/office/applications/{in_review}"),
    ("officer", "/office/applications/{in_review}/request-information"),
    ("officer", "/office/applications/{in_review}/put-to-trustees"),
    ("officer", "/office"),
    ("trustee", "/trustees/votes/{vote}"),
]


APPLICANT_PASSWORD = "a long enough password"
PROFILE = {
    "name": "Corby Steel Band Trust",
    "organisation_type": "registered_charity",
    "type_other": "",
    "charity_number": "123 4567",
    "company_number": "",
    "address": "4 Example Way",
    "town": "Corby",
    "postcode": "nn17 1aa",
    "website": "www.steel.example.org",
    "contact_name": "Mary Seacole",
    "contact_role": "Chair",
    "contact_email": "Mary@Example.org",
    "contact_phone": "01536 000 001",
    "safeguarding_lead": "Florence Nightingale",
}


class FormValues(HTMLParser):
    """The hidden inputs of a page, by name."""

    def __init__(self, html: str):
        super().__init__()
        self.hidden = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs.get("name")] = attrs.get("value")


def loaded_version(client, url) -> int:
    """The section's version, as the page carries it in its form."""
    response = client.get(url)
    assert response.status_code == 200
    return int(FormValues(response.get_data(as_text=True)).hidden["version"])


def register_and_confirm(client, name, email, organisation):
    """Register through the page, then confirm the email address by the emailed link."""
    response = client.post("/register", data={
        "name": name, "email": email, "organisation_name": organisation, "password": APPLICANT_PASSWORD, "confirm": APPLICANT_PASSWORD,
    })
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.recipient == email.lower(), OutboxMessage.kind == "verify_email")
    ).one()
    link = re.search(r"/verify-email/\S+", body).group(0)
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    g.pop("_login_user", None)
    response = client.post(confirmed.headers["Location"], data={"email": email, "password": APPLICANT_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/organisation")
    return response


def fill_every_section(client, application_id, hub):
    """Post every section but the organisation's through the pages, complete and valid."""
    answers = complete_answers(hub)
    for key in answers:
        if key == "organisation":
            continue
        url = f"/applications/{application_id}/sections/{key}"
        data = {"version": loaded_version(client, url), **answers[key]}
        if key == "documents":
            data["safeguarding_policy"] = (io.BytesIO(PDF), "Safeguarding policy 2026.pdf")
            data["insurance_certificate"] = (io.BytesIO(PDF), "insurance.pdf")
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 302, (key, response.get_data(as_text=True)[:3000])
        assert response.headers["Location"].endswith(f"/applications/{application_id}")


def section_url(application, key):
    """The path of the application's section page."""
    return f"/applications/{application.id}/sections/{key}"


def post_section(client, application, key, answers, version=None, **files):
    """Post a section's page; `files` are name=(content, filename)."""
    row = application.section(key)
    data = {"version": row.version if row and version is None else (version or 0), **answers}
    data.update({name: (io.BytesIO(content), filename) for name, (content, filename) in files.items()})
    return client.post(section_url(application, key), data=data, content_type="multipart/form-data")


def deadline_fields(days: int = 10) -> list[str]:
    """Day, month and year of a date `days` from today in London, as the date fields take them."""
    day = (utcnow().astimezone(LONDON) + timedelta(days=days)).date()
    return [str(day.day), str(day.month), str(day.year)]


def assessment_data(hub, recommendation="approve", reasons="Fills a gap in Corby."):
    """The assessment form's fields: every criterion met, the second partly."""
    data = {"assessment-recommendation": recommendation, "assessment-reasons": reasons}
    for n, _ in enumerate(hub.criteria, 1):
        data[f"assessment-met_{n}"] = "yes"
        data[f"assessment-note_{n}"] = f"Note {n}"
    data["assessment-met_2"] = "partly"
    return {key: value for key, value in data.items() if value is not None}


def invite(client, organisation, email):
    """Invite `email` to the organisation through its page; the path of the emailed link."""
    response = client.post(f"/organisation/{organisation.id}/members", data={"email": email})
    assert response.status_code == 302, response.get_data(as_text=True)
    return link_in(emails("invitation", email.lower())[-1])

"""The admin's letter template editor: versions kept, broken templates refused with their line,
previews with sample details, and templates that can reach nothing outside the static folder."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pypdf
import pytest
from flask import g

from tests.builders import make_application
from tests.image_helpers import give_demo_images
from workflow.applications.lifecycle import State
from workflow.errors import NotAllowed
from workflow.hubs.models import ImageKind
from workflow.letters.defaults import default_template_body
from workflow.letters.models import DecisionLetter, LetterTemplate
from workflow.letters.operations import (
    draft_letter,
    issue_letter,
    save_template_version,
)
from workflow.letters.templating import LetterTemplateError
from workflow.policy import authorize
from workflow.votes.rule import Choice

GOOD = "<p>Dear {{ contact }},</p>\n<p>{{ organisation }} is {{ outcome }}.</p>\n{{ conditions|paragraphs }}"


def _editor(hub, outcome="approve") -> str:
    return f"/admin/letters/{hub.id}/{outcome}"


def _save(client, hub, body, outcome="approve", button="save"):
    return client.post(_editor(hub, outcome), data={"body": body, button: "y"})


def _versions(db, hub, outcome=Choice.APPROVE) -> list[LetterTemplate]:
    db.session.expire_all()
    return db.session.query(LetterTemplate).filter_by(hub_id=hub.id, outcome=outcome).order_by(LetterTemplate.version).all()


def _text(pdf: bytes) -> str:
    return "".join("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())


def _decoded(pdf: bytes) -> bytes:
    """Every stream of the PDF, inflated, and the raw bytes: where a leaked file would show."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    parts = [pdf]
    for number in range(1, reader.trailer["/Size"]):
        obj = reader.get_object(number)  # None for a free object number
        if hasattr(obj, "get_data"):
            parts.append(obj.get_data())
    return b"\n".join(parts)


def _figures(pdf: bytes) -> list[str]:
    """The alternative texts of the figures (images, SVG) in the PDF's structure tree."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject) and "/S" in node:
            if node["/S"] == "/Figure":
                found.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    for kid in pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]["/K"]:
        walk(kid)
    return found


def _attachments_and_images(pdf: bytes) -> tuple[int, int]:
    """Attached files, and raster images drawn."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = reader.trailer["/Root"].get("/Names")
    embedded = names is not None and names.get_object().get("/EmbeddedFiles") is not None
    annotations = [a.get_object().get("/Subtype") for p in reader.pages for a in p.get("/Annots") or []]
    attachments = len(reader.attachments) + embedded + annotations.count("/FileAttachment")
    return attachments, sum(len(page.images) for page in reader.pages)


# Editing


def test_the_list_shows_every_hub_and_outcome(db, client, login, admin, hub):
    page = login(admin).get("/admin/letters").get_data(as_text=True)
    for name in ("Northamptonshire Music Education Hub", "Rutland Music"):
        assert page.count(name) >= 2
    assert "The shipped default" in page
    assert f'href="{_editor(hub, "decline")}"' in page


def test_the_editor_starts_from_the_shipped_default(db, client, login, admin, hub):
    page = login(admin).get(_editor(hub, "decline")).get_data(as_text=True)
    assert "I am sorry to tell you" in page
    assert "saving it makes version 1" in page
    assert "{{ chair_name }}" in page  # the merge fields are listed


def test_saving_keeps_every_version_and_new_letters_use_the_newest(db, client, login, admin, officer, hub, organisation, applicant):
    login(admin)
    first = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    old_letter = draft_letter(first, Choice.APPROVE)  # drafted from the shipped default, version 1
    db.session.commit()
    assert _save(client, hub, GOOD).status_code == 302
    assert _save(client, hub, GOOD + "\n<p>Second edit</p>").status_code == 302
    versions = _versions(db, hub)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].body == default_template_body(Choice.APPROVE)
    assert versions[1].body == GOOD and versions[2].body.endswith("<p>Second edit</p>")
    assert versions[2].created_by_id == admin.id

    page = client.get(_editor(hub)).get_data(as_text=True)
    assert "You are editing version 3" in page and "Second edit" in page
    assert all(f"/admin/letters/{hub.id}/approve/{n}/preview.pdf" in page for n in (1, 2, 3))
    assert "Version 2 of the approved letter template" in client.get(f"{_editor(hub)}/2").get_data(as_text=True)

    second = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    new_letter = draft_letter(second, Choice.APPROVE)
    db.session.commit()
    assert new_letter.template.version == 3
    assert db.session.get(DecisionLetter, old_letter.id).template.version == 1


def test_outcomes_and_hubs_have_their_own_versions(db, client, login, admin, hub):
    login(admin)
    _save(client, hub, GOOD, outcome="decline")
    assert [v.version for v in _versions(db, hub, Choice.DECLINE)] == [1]
    assert _versions(db, hub, Choice.APPROVE) == []


@pytest.mark.parametrize(
    "body, line, reason",
    [
        ("<p>Dear {{ contact }},</p>\n<p>{{ organisation }</p>", 2, "unexpected"),
        ("<p>One</p>\n<p>Two</p>\n{% if conditions %}<p>x</p>", 3, "end of template"),
        ("<p>One</p>\n\n<p>{{ organisaton }}</p>", 3, "&#39;organisaton&#39; is not a merge field"),
        ("<p>One</p>\n{{ ''.__class__.__mro__ }}", 2, "__class__"),
        ("<p>One</p>\n<p>Two</p>\n{% include '/etc/passwd' %}", 3, "cannot include, import or extend"),
        ("<p>One</p>\n{{ 'x' * 100000000 }}", 2, "too long"),
    ],
)
@pytest.mark.parametrize("button", ["save", "preview"])
def test_a_broken_template_is_refused_with_its_line_and_nothing_is_saved(db, client, login, admin, hub, body, line, reason, button):
    response = _save(login(admin), hub, body, button=button)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert f"Line {line}: " in page and reason in page
    assert "root:" not in page
    assert _versions(db, hub) == []


def test_an_empty_template_is_refused(db, client, login, admin, hub):
    page = _save(login(admin), hub, "").get_data(as_text=True)
    assert "Enter the template" in page
    assert _versions(db, hub) == []


def test_the_operation_refuses_broken_templates_and_non_admins(db, hub, admin, officer):
    with pytest.raises(LetterTemplateError) as refused:
        save_template_version(hub, Choice.APPROVE, "<p>{{ nope }}</p>", admin)
    assert refused.value.line == 1
    with pytest.raises(NotAllowed):
        authorize(officer, "edit_letter_template")
    assert _versions(db, hub) == []


# Previews with sample details


def test_previewing_unsaved_text_renders_sample_details_and_saves_nothing(db, client, login, admin, chair, hub):
    response = _save(login(admin), hub, GOOD + "\n<p>Unsaved wording</p>", button="preview")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    for expected in ("Sampleletterforcheckingthetemplate", "DearAlexExample", "ExampleCommunityStringsisapproved",
                     "Unsavedwording", "CharlotteChair", "Northamptonshire", "Registeredcharitynumber0000000",
                     "Page1of1"):
        assert expected in text
    assert _versions(db, hub) == []


def test_previewing_a_kept_version(db, client, login, admin, hub):
    login(admin)
    _save(client, hub, GOOD + "\n<p>Version one words</p>")
    _save(client, hub, GOOD + "\n<p>Version two words</p>")
    old = client.get(f"{_editor(hub)}/1/preview.pdf")
    assert old.mimetype == "application/pdf"
    assert "Versiononewords" in _text(old.data) and "Versiontwowords" not in _text(old.data)


def test_the_preview_shows_the_chairs_signature_and_the_logo(db, client, login, admin, chair, hub):
    give_demo_images(db, hub, ImageKind.LOGO, ImageKind.SIGNATURE)
    pdf = _save(login(admin), hub, GOOD, button="preview").data
    assert _figures(pdf) == ["Northamptonshire Music Education Hub", "Signature of Charlotte Chair"]
    assert _attachments_and_images(pdf) == (0, 0)  # both are SVG: drawn as vectors


# Safe by construction, through the editor


class _Recorder(BaseHTTPRequestHandler):
    def _answer(self):
        self.server.requests.append(self.path)
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _hostile_template(port: int) -> str:
    http = f"http://127.0.0.1:{port}"
    svg = (
        "data:image/svg+xml,"
        "%3Csvg xmlns='http://www.w3.org/2000/svg' width='10' height='10'%3E"
        f"%3Cimage href='file:///etc/passwd' width='10' height='10'/%3E%3Cimage href='{http}/in-data.png'/%3E%3C/svg%3E"
    )
    return f"""<p>Dear {{{{ contact }}}},</p>
<link rel="stylesheet" href="{http}/t.css">
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="{http}/attachment.txt">
<link rel="attachment" href="/static/../../../etc/passwd">
<a rel="attachment" href="file:///etc/hostname">hostname</a>
<a rel="attachment" href="{http}/a-attachment.txt">remote</a>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="60" height="60">
  <image href="file:///etc/passwd" width="20" height="20"/>
  <image xlink:href="{http}/svg.png" width="20" height="20"/>
  <image href="/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd" width="20" height="20"/>
  <use href="file:///etc/passwd#x"/>
  <use xlink:href="{http}/sprite.svg#icon"/>
  <foreignObject width="20" height="20"><img src="file:///etc/passwd" alt="x"/></foreignObject>
</svg>
<img src="{svg}" alt="svg in a data URL">
<img src="{http}/x.png" alt="remote">
<style>p {{ background: url({http}/bg.png) }} @import url(file:///etc/hostname);</style>
<p>Body of {{{{ organisation }}}}</p>"""


def test_an_admin_template_reaching_for_files_or_the_network_gets_nothing(
    app, db, client, login, admin, officer, chair, hub, organisation, applicant, server
):
    body = _hostile_template(server.server_address[1])
    login(admin)
    assert _save(client, hub, body).status_code == 302  # valid Jinja: the renderer is the guard
    preview = _save(client, hub, body, button="preview").data

    application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    letter = draft_letter(application, Choice.APPROVE)
    db.session.commit()
    assert letter.template.body == body
    with app.test_request_context():
        issue_letter(letter, officer)
        db.session.commit()
    g.pop("_login_user", None)
    issued = db.session.get(DecisionLetter, letter.id).pdf

    assert server.requests == []
    for pdf in (preview, issued):
        assert _attachments_and_images(pdf) == (0, 0)
        assert b"root:x:0:0" not in _decoded(pdf)
    assert "BodyofExampleCommunityStrings" in _text(preview)
    assert "BodyofKetteringCommunityStrings" in _text(issued)

"""The hub's letterhead logo and chair's signature (issue 9): uploaded by an admin, checked by
their content, kept in the database, shown on the public page and embedded in the letters."""

import hashlib
import io

import pypdf
import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.builders import make_application
from tests.image_helpers import DEMO_IMAGES, raster
from tests.page_helpers import page_text, parse
from workflow.admin.models import AdminEvent
from workflow.applications.lifecycle import State
from workflow.hubs.images import MAX_IMAGE_BYTES, ImageRefused, checked_image
from workflow.hubs.models import Hub, HubImage, ImageKind
from workflow.letters.models import DecisionLetter
from workflow.letters.operations import draft_letter
from workflow.votes.rule import Choice

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
MALICIOUS_SVGS = {
    "script": SVG_OPEN + "<script>alert(1)</script></svg>",
    "event handler": SVG_OPEN.replace("<svg ", '<svg onload="alert(1)" ') + "</svg>",
    "handler on a shape": SVG_OPEN + '<rect width="5" height="5" onclick="alert(1)"/></svg>',
    "foreignObject": SVG_OPEN + '<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">Hi</p></foreignObject></svg>',
    "html": SVG_OPEN + '<div xmlns="http://www.w3.org/1999/xhtml">Hi</div></svg>',
    "external image": SVG_OPEN + '<image href="https://example.org/track.png" width="5" height="5"/></svg>',
    "external xlink": SVG_OPEN + '<use xlink:href="file:///etc/passwd#x"/></svg>',
    "data link": SVG_OPEN + '<image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" width="5" height="5"/></svg>',
    "javascript link": SVG_OPEN + '<a href="javascript:alert(1)"><rect width="5" height="5"/></a></svg>',
    "css url": SVG_OPEN + '<rect width="5" height="5" style="fill: url(https://example.org/x)"/></svg>',
    "presentation url": SVG_OPEN + '<rect width="5" height="5" fill="url(http://example.org/x#g)"/></svg>',
    "style import": SVG_OPEN + "<style>@import 'https://example.org/x.css';</style></svg>",
    "css escape": SVG_OPEN + "<style>rect { fill: \\75 rl(https://example.org/x) }</style></svg>",
    "entity": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>' + SVG_OPEN + "<text>&a;</text></svg>",
    "stylesheet instruction": '<?xml-stylesheet href="https://example.org/x.css"?>' + SVG_OPEN + "</svg>",
    "animated link": SVG_OPEN + '<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a></svg>',
    "character references": SVG_OPEN + '<a href="&#106;avascript:alert(1)"><rect width="5" height="5"/></a></svg>',
    "css after an element in a style": SVG_OPEN + "<style>rect{}<g/>rect{fill:url(https://example.org/x)}</style></svg>",
    "css image-set": SVG_OPEN + '<style>rect { fill: image-set("http://example.org/x.png" 1x) }</style></svg>',
    "css image-set in an attribute": SVG_OPEN + "<rect width=\"5\" height=\"5\" style=\"mask: image-set('https://example.org/x.png' 1x)\"/></svg>",
    "css vendor image-set": SVG_OPEN + "<style>rect { mask: -webkit-image-set('x.png' 1x) }</style></svg>",
    "css relative image-set": SVG_OPEN + "<style>rect { mask: image-set('logo.png' 1x) }</style></svg>",
    "css src": SVG_OPEN + "<style>rect { mask: src('https://example.org/x') }</style></svg>",
    "css image": SVG_OPEN + "<style>rect { mask: image('https://example.org/x') }</style></svg>",
    "css cross-fade": SVG_OPEN + "<style>rect { mask: cross-fade('a', 'b') }</style></svg>",
    "css url split by a comment": SVG_OPEN + "<style>rect { fill: u/**/rl(https://example.org/x) }</style></svg>",
    "css import split by a comment": SVG_OPEN + "<style>@im/**/port 'x.css';</style></svg>",
    "css import by url": SVG_OPEN + "<style>@import url(x.css);</style></svg>",
    "css font face": SVG_OPEN + "<style>@font-face { font-family: F; src: local(F) }</style></svg>",
    "css escaped image-set": SVG_OPEN + "<style>rect { fill: \\69 mage-set('x.png' 1x) }</style></svg>",
    "css escape in an attribute": SVG_OPEN + '<rect width="5" height="5" style="fill: \\75 rl(x.png)"/></svg>',
    "css scheme in a string": SVG_OPEN + "<style>rect { mask: paint('data:image/png;base64,AAAA') }</style></svg>",
    "css protocol-relative address": SVG_OPEN + "<style>rect { fill: url(//example.org/x) }</style></svg>",
    "css unquoted address": SVG_OPEN + "<style>rect { mask: foo(https://example.org/x) }</style></svg>",
    "chained reuse": SVG_OPEN + '<defs><g id="a0"><rect width="1" height="1"/></g>'
    + "".join(f'<g id="a{n}"><use href="#a{n - 1}"/><use href="#a{n - 1}"/></g>' for n in range(1, 30))
    + '</defs><use href="#a29"/></svg>',
}


def test_an_svg_that_draws_too_much_is_refused_and_a_little_reuse_is_not():
    group = '<defs><g id="s">' + '<rect width="1" height="1"/>' * 300 + "</g></defs>"
    with pytest.raises(ImageRefused, match="too complex"):
        checked_image((SVG_OPEN + group + '<use href="#s"/>' * 100 + "</svg>").encode())
    assert checked_image((SVG_OPEN + group + '<use href="#s"/>' * 3 + "</svg>").encode()) == "image/svg+xml"


def image_sizes(pdf: bytes) -> set[tuple[int, int]]:
    """The (width, height) of each raster image XObject drawn on the pages of a PDF."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = set()
    for page in reader.pages:
        objects = page["/Resources"].get_object().get("/XObject")
        for obj in objects.get_object().values() if objects is not None else []:
            obj = obj.get_object()
            if obj.get("/Subtype") == "/Image":
                found.add((int(obj["/Width"]), int(obj["/Height"])))
    return found


def images(db) -> int:
    return db.session.scalar(select(func.count()).select_from(HubImage))


def logged(db, kind: str) -> list[str]:
    return list(db.session.scalars(select(AdminEvent.summary).where(AdminEvent.kind == kind).order_by(AdminEvent.id)))


def upload(client, hub, kind: str, data: bytes, filename: str = "image.png"):
    return client.post(f"/admin/hubs/{hub.id}/{kind}", data={"image": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


# --- checking the bytes ---------------------------------------------------------


@pytest.mark.parametrize("data, content_type", [
    (raster("PNG"), "image/png"),
    (raster("JPEG"), "image/jpeg"),
    ((DEMO_IMAGES / "nmeh-demo-logo.svg").read_bytes(), "image/svg+xml"),
    ((DEMO_IMAGES / "demo-signature.svg").read_bytes(), "image/svg+xml"),
    (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
     b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">' + SVG_OPEN.encode()
     + b'<defs><linearGradient id="g"/></defs><rect width="5" height="5" fill="url(#g)"/><use href="#g"/></svg>',
     "image/svg+xml"),
    (SVG_OPEN.encode() + b"<style>/* brand */ @media print { rect { fill: url('#g'); font-family: 'DejaVu Sans';"
     b" transform: rotate(45deg) scale(2) } }</style><rect width=\"5\" height=\"5\" style=\"fill: rgb(1, 2, 3)\"/></svg>",
     "image/svg+xml"),
    (SVG_OPEN.replace("<svg ", '<svg xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                      'xmlns:cc="http://creativecommons.org/ns#" aria-label="Logo of music@hub.example" ').encode()
     + b'<metadata><rdf:RDF><cc:Work rdf:about=""><dc:type xmlns:dc="http://purl.org/dc/elements/1.1/" '
     b'rdf:resource="http://purl.org/dc/dcmitype/StillImage"/></cc:Work></rdf:RDF></metadata>'
     b'<rect width="5" height="5" fill="#123456"/></svg>',
     "image/svg+xml"),  # an editor's metadata (Inkscape writes this) is not CSS
])
def test_images_are_recognised_by_their_content(data, content_type):
    assert checked_image(data) == content_type


@pytest.mark.parametrize("name", sorted(MALICIOUS_SVGS))
def test_svgs_that_could_run_or_fetch_something_are_refused(name):
    with pytest.raises(ImageRefused, match="Upload a PNG or JPEG instead"):
        checked_image(MALICIOUS_SVGS[name].encode())


@pytest.mark.parametrize("data, message", [
    (b"", "The selected file is empty"),
    (raster("GIF"), "The selected file must be a PNG, JPEG or SVG image"),
    (b"%PDF-1.4\n%%EOF\n", "The selected file must be a PNG, JPEG or SVG image"),
    (b"<html><body>Hi</body></html>", "The selected file must be a PNG, JPEG or SVG image"),
    (raster("PNG")[:40], "The selected file is not a PNG image that can be opened"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "The selected file is not a JPEG image that can be opened"),
    (raster("PNG", size=(5001, 1)), "The image must be at most 5000 pixels wide and high"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_IMAGE_BYTES, "The selected file must be 1 MB or smaller"),
    (SVG_OPEN.encode() + b"<rect", "The selected SVG image is not valid"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><text>é</text></svg>'.encode("latin-1"), "must be saved as UTF-8"),
])
def test_files_that_are_not_usable_images_are_refused(data, message):
    with pytest.raises(ImageRefused, match=message):
        checked_image(data)


# --- the admin's pages ------------------------------------------------------------


def test_the_hub_page_offers_to_add_the_logo_and_the_signature(client, login, admin, hub):
    response = login(admin).get(f"/admin/hubs/{hub.id}")

    page = parse(response)
    assert f"/admin/hubs/{hub.id}/logo" in page.links and f"/admin/hubs/{hub.id}/signature" in page.links
    assert "Add the letterhead logo" in page_text(response)
    assert "Add the chair's signature" in page_text(response)


def test_an_uploaded_png_logo_shows_on_the_public_page_and_in_the_log(db, client, login, admin, hub):
    png = raster("PNG")
    response = upload(login(admin), hub, "logo", png, "logo.png")

    assert response.status_code == 302 and response.location.endswith(f"/admin/hubs/{hub.id}")
    digest = hashlib.sha256(png).hexdigest()
    admin_page = client.get(f"/admin/hubs/{hub.id}")
    assert "The letterhead logo has been saved." in page_text(admin_page)
    assert {"src": f"/admin/hubs/{hub.id}/logo/image?v={digest[:16]}", "alt": "The current letterhead logo", "width": "160"} in parse(admin_page).images
    public = parse(client.get(f"/hubs/{hub.slug}"))
    assert public.images == [{"src": f"/hubs/{hub.slug}/logo?v={digest[:16]}", "alt": f"{hub.name} logo", "width": "240"}]
    served = client.get(public.images[0]["src"])
    assert served.status_code == 200 and served.data == png and served.mimetype == "image/png"
    assert served.headers["ETag"] == f'"{digest}"' and served.headers["X-Content-Type-Options"] == "nosniff"
    assert logged(db, "hub_image_changed") == [f"{hub.name}: new letterhead logo (image/png, {len(png)} bytes, SHA-256 {digest[:12]})"]


def test_two_admins_adding_the_first_logo_at_once_both_succeed_and_the_later_is_kept(db, hub, monkeypatch):
    """The second admin's page was read before the first's upload was kept: no 500, one row, the later image."""
    from workflow.hubs import images as hub_images

    first, later = raster("PNG", colour=(0, 0, 0)), raster("PNG", colour=(200, 30, 30))
    hub_images.put_image(hub, ImageKind.LOGO, first)
    db.session.commit()
    real, looks = Hub.image, []

    def read_before_it_was_kept(self, kind):
        looks.append(kind)
        return None if len(looks) == 1 else real(self, kind)

    monkeypatch.setattr(Hub, "image", read_before_it_was_kept)

    image, changed = hub_images.put_image(hub, ImageKind.LOGO, later)
    db.session.commit()

    assert changed and image.sha256 == hashlib.sha256(later).hexdigest()
    assert images(db) == 1
    assert db.session.scalar(select(HubImage.sha256)) == hashlib.sha256(later).hexdigest()


def test_replacing_an_image_keeps_one_row_and_uploading_it_again_changes_nothing(db, client, login, admin, hub):
    login(admin)
    upload(client, hub, "signature", raster("PNG", colour=(0, 0, 0)))
    jpeg = raster("JPEG")
    upload(client, hub, "signature", jpeg, "signature.jpg")

    response = upload(client, hub, "signature", jpeg, "signature.jpg")

    assert response.status_code == 302
    assert "This is the image already saved: nothing was changed." in page_text(client.get(response.location))
    assert images(db) == 1
    db.session.expire_all()
    assert hub.signature_image.data == jpeg and hub.signature_image.content_type == "image/jpeg"
    assert len(logged(db, "hub_image_changed")) == 2


@pytest.mark.parametrize("data, filename, message", [
    (b"GIF89a" + b"\x00" * 20, "logo.gif", "The selected file must be a PNG, JPEG or SVG image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * MAX_IMAGE_BYTES), "big.png", "The selected file must be 1 MB or smaller"),
    (MALICIOUS_SVGS["script"].encode(), "logo.svg", "The selected SVG image contains a script element"),
    (MALICIOUS_SVGS["external image"].encode(), "logo.svg", "a link to something outside the image"),
    (MALICIOUS_SVGS["event handler"].encode(), "logo.svg", "an event handler (onload)"),
])
def test_refused_uploads_say_why_and_save_nothing(db, client, login, admin, hub, data, filename, message):
    before = images(db)

    response = upload(login(admin), hub, "logo", data, filename)

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text and message in text
    assert images(db) == before == 0
    assert logged(db, "hub_image_changed") == []


def test_uploading_without_choosing_a_file_is_refused(db, client, login, admin, hub):
    response = login(admin).post(f"/admin/hubs/{hub.id}/logo", data={})

    assert response.status_code == 200 and "Select an image" in page_text(response)
    assert images(db) == 0


def test_removing_an_image_takes_it_off_the_public_page_and_is_logged(db, client, login, admin, hub):
    login(admin)
    upload(client, hub, "logo", raster("PNG"))
    assert "Remove the letterhead logo" in page_text(client.get(f"/admin/hubs/{hub.id}/logo"))

    response = client.post(f"/admin/hubs/{hub.id}/logo/remove")

    assert response.status_code == 302
    assert "The letterhead logo has been removed." in page_text(client.get(response.location))
    assert images(db) == 0
    assert parse(client.get(f"/hubs/{hub.slug}")).images == []
    assert client.get(f"/hubs/{hub.slug}/logo").status_code == 404
    assert logged(db, "hub_image_removed") == [f"{hub.name}: letterhead logo removed"]


def test_the_signature_is_never_served_publicly(db, client, login, admin, hub):
    login(admin)
    upload(client, hub, "signature", raster("PNG"))
    assert client.get(f"/admin/hubs/{hub.id}/signature/image").status_code == 200
    assert client.get(f"/admin/hubs/{hub.id}/logo/image").status_code == 404

    client.post("/sign-out")

    assert client.get(f"/hubs/{hub.slug}/logo").status_code == 404
    assert client.get(f"/admin/hubs/{hub.id}/signature/image").status_code == 302


@pytest.mark.parametrize("method, path", [
    ("get", "/admin/hubs/{id}/logo"),
    ("post", "/admin/hubs/{id}/logo"),
    ("post", "/admin/hubs/{id}/signature/remove"),
    ("get", "/admin/hubs/{id}/signature/image"),
    ("get", "/admin/hubs/new"),
    ("post", "/admin/hubs/new"),
])
def test_people_who_are_not_admins_are_refused(db, client, login, officer, chair, applicant, hub, method, path):
    from workflow.hubs.images import put_image

    put_image(hub, ImageKind.SIGNATURE, raster("PNG"))
    db.session.commit()
    for person in (officer, chair, applicant):
        login(person)
        if method == "post":
            response = client.post(path.format(id=hub.id), data={"image": (io.BytesIO(raster("PNG")), "x.png")}, content_type="multipart/form-data")
        else:
            response = client.get(path.format(id=hub.id))
        assert response.status_code == 403, (person.name, path)
    assert images(db) == 1 and logged(db, "hub_image_changed") == logged(db, "hub_image_removed") == []


# --- the letters ---------------------------------------------------------------------


def test_uploaded_png_images_are_embedded_in_the_issued_letter(db, client, login, admin, officer, chair, hub, organisation, applicant):
    login(admin)
    upload(client, hub, "logo", raster("PNG", size=(300, 120)))
    upload(client, hub, "signature", raster("PNG", size=(240, 64), colour=(29, 58, 138)))
    application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    letter = draft_letter(application, Choice.APPROVE)
    db.session.commit()

    response = login(officer).post(f"/office/applications/{application.id}/letter/issue", data={"confirm": "y"})

    assert response.status_code == 302
    pdf = db.session.get(DecisionLetter, letter.id).pdf
    assert image_sizes(pdf) == {(300, 120), (240, 64)}


def test_a_letter_without_images_draws_none(db, client, login, officer, chair, hub, organisation, applicant):
    application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    letter = draft_letter(application, Choice.APPROVE)
    db.session.commit()

    login(officer).post(f"/office/applications/{application.id}/letter/issue", data={"confirm": "y"})

    assert image_sizes(db.session.get(DecisionLetter, letter.id).pdf) == set()


def test_a_very_large_image_is_kept_at_a_size_letters_draw_quickly(db, client, login, admin, hub):
    response = upload(login(admin), hub, "logo", raster("PNG", size=(3200, 1280)), "huge.png")

    assert response.status_code == 302
    served = client.get(parse(client.get(f"/hubs/{hub.slug}")).images[0]["src"])
    with Image.open(io.BytesIO(served.data)) as kept:
        assert (kept.format, kept.size) == ("PNG", (800, 320))

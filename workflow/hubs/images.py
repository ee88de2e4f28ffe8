"""A hub's logo and chair's signature: uploads checked by their content, kept in the database.

PNG and JPEG images must open and decode with Pillow. An SVG is accepted only when it
can do nothing but draw: no scripts, event handler attributes, foreignObject, foreign
markup (HTML, MathML), entities or processing instructions, and no reference outside
itself (every link is to a `#fragment`, every CSS `url()` too; no other CSS function
that takes an address such as `image-set()` or `src()`, no `@import` or other at-rule
but @media, @keyframes and @supports, no address-like text, and no CSS escapes or
comments that could hide one), and it must stay small to draw: at most MAX_SVG_ELEMENTS
parts, counting each reuse, and no reuse of a part that itself reuses another.
"""

import hashlib
import io
import re
from xml.etree import ElementTree

from flask import Response, request
from PIL import Image
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..types import utcnow
from .models import Hub, HubImage, ImageKind

MAX_IMAGE_BYTES = 1024 * 1024
MAX_SIDE_PIXELS = 5000
KEPT_SIDE_PIXELS = 800  # larger images are made this size when kept: 7 cm wide at 290 dpi, print quality
MAX_SVG_ELEMENTS = 5000  # parts an SVG draws, reused parts counted each time
PNG = "image/png"
JPEG = "image/jpeg"
SVG = "image/svg+xml"

SVG_NS = "http://www.w3.org/2000/svg"
FORBIDDEN_NAMESPACES = ("http://www.w3.org/1999/xhtml", "http://www.w3.org/1998/Math/MathML")
FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform", "animatecolor"}
CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
CSS_FUNCTION = re.compile(r"(-?[a-z_][-\w]*)\s*\(\s*['\"]?\s*(#?)", re.IGNORECASE)
CSS_AT_RULE = re.compile(r"@(-?[a-z_][-\w]*)", re.IGNORECASE)
CSS_STRING = re.compile(r"(['\"])(.*?)(?:\1|\Z)", re.DOTALL)
URL_LIKE = re.compile(r"//|\b[a-z][a-z0-9+.-]*\s*:\s*/|\b(?:data|javascript|https?|ftp|file|blob)\s*:", re.IGNORECASE)
VENDOR_PREFIX = re.compile(r"^-[a-z]+-", re.IGNORECASE)
FETCHING_FUNCTIONS = {"url", "src", "image", "image-set", "cross-fade", "element"}
ALLOWED_AT_RULES = {"media", "keyframes", "supports"}

IMAGE_NAMES = {ImageKind.LOGO: "letterhead logo", ImageKind.SIGNATURE: "chair's signature"}

WRONG_TYPE = "The selected file must be a PNG, JPEG or SVG image"
UNSAFE_SVG = (
    "The selected SVG image contains {what}. Upload a PNG or JPEG instead, or an SVG that only draws shapes and text"
)


class ImageRefused(ValueError):
    """An image that is not accepted; the message says why in plain words."""


def checked_image(data: bytes) -> str:
    """The content type of an acceptable image, or ImageRefused saying what is wrong."""
    if not data:
        raise ImageRefused("The selected file is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused("The selected file must be 1 MB or smaller")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _checked_raster(data, "PNG", PNG)
    if data.startswith(b"\xff\xd8\xff"):
        return _checked_raster(data, "JPEG", JPEG)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        _check_svg(data)
        return SVG
    raise ImageRefused(WRONG_TYPE)


def _checked_raster(data: bytes, image_format: str, content_type: str) -> str:
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            too_large = max(image.size) > MAX_SIDE_PIXELS
            if not too_large:
                image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRefused(f"The selected file is not a {image_format} image that can be opened") from None
    if too_large:
        raise ImageRefused(f"The image must be at most {MAX_SIDE_PIXELS} pixels wide and high")
    return content_type


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        namespace, local = name[1:].split("}", 1)
        return namespace, local
    return "", name


def _check_svg(data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImageRefused("The selected SVG image must be saved as UTF-8 text") from None
    if re.search(r"<!ENTITY|<!DOCTYPE[^>]*\[", text, re.IGNORECASE):
        raise ImageRefused(UNSAFE_SVG.format(what="entities"))
    if re.search(r"<\?(?!xml\s)", text):
        raise ImageRefused(UNSAFE_SVG.format(what="a processing instruction"))
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise ImageRefused("The selected SVG image is not valid: check it opens in a web browser") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ImageRefused(WRONG_TYPE)
    for element in root.iter():
        _check_element(element)
    _check_reuse(root)


def _check_reuse(root) -> None:
    """Refuse reuse that multiplies the drawing: a <use> of something holding a <use>, or too much reused."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    drawn = sum(1 for _ in root.iter())
    for element in root.iter(f"{{{SVG_NS}}}use"):
        target = by_id.get(_href(element).lstrip("#"))
        if target is None:
            continue
        parts = list(target.iter())
        if any(_local(inner.tag)[1] == "use" for inner in parts):
            raise ImageRefused(UNSAFE_SVG.format(what="a reused part that reuses another part"))
        drawn += len(parts)
    if drawn > MAX_SVG_ELEMENTS:
        raise ImageRefused(f"The selected SVG image is too complex: it must draw at most {MAX_SVG_ELEMENTS:,} parts")


def _href(element) -> str:
    return next((value for name, value in element.attrib.items() if _local(name)[1] == "href"), "").strip()


def _check_element(element) -> None:
    namespace, tag = _local(element.tag)
    if namespace in FORBIDDEN_NAMESPACES or (namespace == SVG_NS and tag.lower() in FORBIDDEN_ELEMENTS):
        raise ImageRefused(UNSAFE_SVG.format(what=f"a {tag} element"))
    if tag.lower() == "style":
        if len(element):
            raise ImageRefused(UNSAFE_SVG.format(what="a style sheet with elements inside it"))
        _check_css(element.text or "")
    for name, value in element.attrib.items():
        attribute_namespace, attribute = _local(name)
        if attribute.lower().startswith("on"):
            raise ImageRefused(UNSAFE_SVG.format(what=f"an event handler ({attribute})"))
        if attribute == "href" and not value.strip().startswith("#"):
            raise ImageRefused(UNSAFE_SVG.format(what="a link to something outside the image"))
        if tag.lower() in ANIMATIONS and attribute == "attributeName" and value.split(":")[-1].strip() == "href":
            raise ImageRefused(UNSAFE_SVG.format(what="an animation that changes a link"))
        if "javascript:" in "".join(value.split()).lower():
            raise ImageRefused(UNSAFE_SVG.format(what="a script address"))
        if attribute == "style":
            _check_css(value)
        elif not attribute_namespace:  # a presentation attribute (fill, mask, ...) is a CSS value
            _check_css_value(value)


def _check_css(css: str) -> None:
    """Refuse CSS that could reach outside the image, strictly: any escape, any at-rule
    but @media, @keyframes and @supports, any function that takes an address (url()
    only to a #fragment), and anything that looks like an address: a ``scheme:``,
    ``//``, or a quoted string holding ``:`` or ``/``. Comments are removed first, so
    they cannot split a word the check would otherwise see."""
    text = CSS_COMMENT.sub("", css)
    if "\\" in text or URL_LIKE.search(text) or _css_reaches_out(text):
        raise ImageRefused(UNSAFE_SVG.format(what="a reference to something outside the image"))


def _check_css_value(value: str) -> None:
    """A presentation attribute's value: no escape, and no function that takes an address.
    (Other attributes, and those of other namespaces such as an editor's metadata, are
    never read as CSS, so text that looks like an address is harmless there.)"""
    text = CSS_COMMENT.sub("", value)
    if "\\" in text or _calls_for_an_address(text):
        raise ImageRefused(UNSAFE_SVG.format(what="a reference to something outside the image"))


def _calls_for_an_address(text: str) -> bool:
    for name, fragment in CSS_FUNCTION.findall(text):
        name = VENDOR_PREFIX.sub("", name).lower()
        if name in FETCHING_FUNCTIONS and not (name == "url" and fragment):
            return True
    return False


def _css_reaches_out(text: str) -> bool:
    for rule in CSS_AT_RULE.findall(text):
        if VENDOR_PREFIX.sub("", rule).lower() not in ALLOWED_AT_RULES:
            return True
    if _calls_for_an_address(text):
        return True
    return any(":" in quoted or "/" in quoted for _, quoted in CSS_STRING.findall(text))


def _fitted(data: bytes, content_type: str) -> bytes:
    """A raster image no more than KEPT_SIDE_PIXELS on a side (plenty for print), so letters stay quick to draw."""
    if content_type == SVG:
        return data
    with Image.open(io.BytesIO(data)) as image:
        if max(image.size) <= KEPT_SIDE_PIXELS:
            return data
        image.thumbnail((KEPT_SIDE_PIXELS, KEPT_SIDE_PIXELS))
        smaller = io.BytesIO()
        image.save(smaller, format="PNG" if content_type == PNG else "JPEG", quality=90)
    return smaller.getvalue()


def put_image(hub: Hub, kind: ImageKind, data: bytes) -> tuple[HubImage, bool]:
    """Check `data` and keep it (made smaller if it is very large) as the hub's image of this kind.

    Returns the image and whether it changed. Two admins adding the hub's first image
    of a kind at the same moment both succeed: the later one replaces the earlier.
    """
    content_type = checked_image(data)
    data = _fitted(data, content_type)
    digest = hashlib.sha256(data).hexdigest()
    image = hub.image(kind)
    if image is not None and image.sha256 == digest:
        return image, False
    values = {"content_type": content_type, "data": data, "sha256": digest, "updated_at": utcnow()}
    if image is None:
        try:
            with db.session.begin_nested():
                db.session.add(HubImage(hub_id=hub.id, kind=kind, **values))
        except IntegrityError:
            pass  # a colleague's upload of this kind was kept meanwhile: replace it
        db.session.expire(hub, ["images"])
        image = hub.image(kind)
    for name, value in values.items():
        setattr(image, name, value)
    db.session.flush()
    return image, True


def image_response(image: HubImage, *, public: bool) -> Response:
    """The image's bytes with its own type, unable to run anything; a public one is cached for an
    hour and revalidated by its digest (a private one, to someone signed in, is never stored)."""
    response = Response(image.data, mimetype=image.content_type)
    response.set_etag(image.sha256)
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = 3600
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return response.make_conditional(request)


def image_data_url(image: HubImage | None) -> str:
    """The image as a ``data:`` URL for a letter, or "" when there is none."""
    return image.data_url if image is not None else ""

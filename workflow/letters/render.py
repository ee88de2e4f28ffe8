"""The one PDF renderer of Consort.

Every PDF the application produces (decision letters, the applicant's copy of their
answers, board packs) goes through :func:`render_pdf`. It renders with WeasyPrint 70 and
fetches **nothing** from the network and no file outside the application's static
folder, whatever the HTML contains (SPEC section 6).

Assets
------
Only two kinds of URL are ever read, both by :class:`SafeURLFetcher`:

* ``data:`` URLs;
* URLs under ``https://consort.invalid/static/`` (:data:`STATIC_URL`), which map onto
  files inside the ``static_folder`` given to :func:`render_pdf`. ``.invalid`` is a
  reserved top-level domain that never resolves; no request is made to it, the name is
  just a namespace.

The document's default base URL is :data:`DEFAULT_BASE_URL` (``https://consort.invalid/``),
so a template refers to a static asset with the same root-relative path it uses in the
browser: ``<img src="{{ url_for('static', filename='logo.png') }}">`` renders as
``/static/logo.png`` and is read from ``<static_folder>/logo.png``. The absolute form
``https://consort.invalid/static/logo.png`` (see :func:`static_url`) works too. Anything
else (``file:``, ``http:``, ``https:`` to any other host, paths that leave the static
folder through ``..`` or a symlink) is refused: the resource is simply missing from the
PDF and WeasyPrint logs an error; no exception escapes :func:`render_pdf`.

Performance
-----------
WeasyPrint is imported once, with this module. Each thread keeps one
``FontConfiguration`` for all its renders, and the stylesheets of this folder
(``letter.css``, ``decision-letter.css``) are parsed once per process
(:func:`stylesheet`). A document that declares
``@font-face`` gets its fonts in that thread's configuration, so the configuration is
discarded after such a render and the next render starts from a clean one: fonts
declared by one template never leak into another. Python's cyclic garbage collector
waits while any thread renders (:func:`_collector_paused`).

A PDF/A file carries an identifier, and pydyf 0.13 computes it from every object's bytes
after writing them: each object would be serialised, and each stream compressed (zlib
level 9), twice. :func:`_serialise_once` makes the second pass reuse the first's bytes;
the file is byte for byte the same.
"""

from __future__ import annotations

import gc
import mimetypes
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib import request
from urllib.parse import quote, unquote, urlsplit

import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "DEFAULT_BASE_URL",
    "PDF_VARIANT",
    "STATIC_URL",
    "SafeURLFetcher",
    "URLRefused",
    "letter_stylesheet",
    "render_pdf",
    "static_url",
    "stylesheet",
]

#: Origin of the application's own assets inside a rendered document. Never resolved.
ASSET_HOST = "consort.invalid"
#: Every static asset has a URL starting with this prefix.
STATIC_URL = f"https://{ASSET_HOST}/static/"
#: Base URL of a document unless the caller gives another one.
DEFAULT_BASE_URL = f"https://{ASSET_HOST}/"

#: PDF/A-3 level A: archival (fonts embedded, sRGB output intent, XMP metadata) and
#: tagged (logical structure, Unicode text), which is what WeasyPrint 70 offers closest
#: to PDF/A + PDF/UA in one file. WeasyPrint 70 has no combined A+UA variant.
PDF_VARIANT = "pdf/a-3a"

_STYLESHEETS = Path(__file__).parent
_LETTER_CSS = _STYLESHEETS / "letter.css"


class URLRefused(ValueError):
    """The URL is not one a rendered document may read."""


def static_url(filename: str) -> str:
    """Absolute URL under which ``filename`` (relative to the static folder) is read."""
    return STATIC_URL + quote(filename.lstrip("/"))


class SafeURLFetcher(URLFetcher):
    """WeasyPrint URL fetcher that reads only ``data:`` URLs and the static folder.

    WeasyPrint 70 routes every fetch through this object: the HTML itself when given
    as a URL, images (``<img>``, CSS ``url()``, SVG ``<image>``), stylesheets
    (``<link rel="stylesheet">``, ``@import``), ``@font-face`` sources, embedded SVG
    resources and PDF attachments (``<link rel="attachment">``, ``<a rel="attachment">``).

    :meth:`fetch` returns a ``URLFetcherResponse`` or raises :class:`URLRefused` (a
    ``ValueError``); WeasyPrint turns the exception into a logged error and leaves the
    resource out. The fetcher never opens a network connection, so there are no
    redirects to follow: none of urllib's handlers are installed.
    """

    def __init__(self, static_folder: str | Path | None):
        # fail_on_errors=False: a refusal must never abort the rendering.
        super().__init__(
            allowed_protocols=("data", "https"),
            allow_redirects=False,
            fail_on_errors=False,
        )
        # URLFetcher is a urllib OpenerDirector with handlers for http, https, ftp,
        # file and data. fetch() below never delegates to them, and removing them
        # makes sure nothing (even OpenerDirector.open called directly) can reach a
        # network socket or the file system through this object.
        self.handlers.clear()
        self.handle_open.clear()
        self.handle_error.clear()
        self.process_request.clear()
        self.process_response.clear()
        self._root = Path(static_folder).resolve() if static_folder is not None else None

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
        if scheme == "data":
            return self._fetch_data(url)
        path = self.resolve_static(url)
        if path is None:
            raise URLRefused(f"only static assets and data: URLs may be read, not {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def resolve_static(self, url: str) -> Path | None:
        """The file inside the static folder ``url`` names, or ``None`` if none."""
        if self._root is None:
            return None
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        # Exact host match: no user info, no port, no other host.
        if parts.scheme.lower() != "https" or parts.netloc.lower() != ASSET_HOST:
            return None
        prefix = urlsplit(STATIC_URL).path
        if not parts.path.startswith(prefix):
            return None
        try:
            relative = unquote(parts.path[len(prefix):], errors="strict")
            if not relative or "\x00" in relative or "\\" in relative:
                return None
            # resolve() follows symlinks and collapses "..", so the containment check
            # is made on the file that would actually be read.
            candidate = (self._root / relative).resolve()
            if not candidate.is_relative_to(self._root) or not candidate.is_file():
                return None
        except (OSError, RuntimeError, ValueError):
            return None
        return candidate

    @staticmethod
    def _fetch_data(url: str) -> URLFetcherResponse:
        # urllib's DataHandler only decodes the URL itself (RFC 2397); no I/O.
        response = request.DataHandler().data_open(request.Request(url))
        content_type = response.headers.get("Content-Type", "text/plain;charset=US-ASCII")
        return URLFetcherResponse(url, response.read(), {"Content-Type": content_type})


class _FontConfiguration(FontConfiguration):
    """A FontConfiguration that remembers whether a document added ``@font-face`` fonts."""

    has_font_faces = False

    def add_font_face(self, rule_descriptors, url_fetcher):
        self.has_font_faces = True
        return super().add_font_face(rule_descriptors, url_fetcher)


_local = threading.local()


def _font_config() -> _FontConfiguration:
    """This thread's font configuration, created on first use."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = _FontConfiguration()
    return config


@lru_cache(maxsize=None)
def stylesheet(name: str) -> weasyprint.CSS:
    """The stylesheet ``name`` of this folder (``letter.css``, ``decision-letter.css``).

    Parsed once per process. These hold no ``@font-face`` or ``url()``, so they do not
    depend on any font configuration or fetcher and can be shared by all renders.
    """
    path = _STYLESHEETS / name
    if path.suffix != ".css" or path.parent != _STYLESHEETS:
        raise ValueError(f"not a stylesheet of the renderer: {name!r}")
    return weasyprint.CSS(
        string=path.read_text(encoding="utf-8"),
        base_url=DEFAULT_BASE_URL,
        url_fetcher=SafeURLFetcher(None),
    )


def letter_stylesheet() -> weasyprint.CSS:
    """The base stylesheet (``letter.css``): A4, 2 cm margins, page numbers, Noto fonts."""
    return stylesheet(_LETTER_CSS.name)


class _SerialisedOnce:
    """Mixed into a PDF object's class: its bytes (``data``) computed once, then reused."""

    @property
    def data(self) -> bytes:
        data = self.__dict__.get("_consort_bytes")
        if data is None:
            data = self.__dict__["_consort_bytes"] = super().data
        return data


_serialised_once_classes: dict[type, type] = {}


def _serialise_once(document, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher: every object of the finished PDF is serialised once when written.

    Called when nothing will change the objects any more, just before pydyf writes them.
    """
    for pdf_object in pdf.objects:
        kind = type(pdf_object)
        if pdf_object.free == "f" or kind is pydyf.Object:
            continue
        once = _serialised_once_classes.get(kind)
        if once is None:
            once = _serialised_once_classes[kind] = type(kind.__name__, (_SerialisedOnce, kind), {})
        pdf_object.__class__ = once


_collector_lock = threading.Lock()
_renders = 0
_collector_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while this thread, or any other, renders.

    WeasyPrint makes some hundred thousand short-lived objects per letter, and the
    collector would walk them (and every object of the application) again and again:
    about 4 % of a letter's instructions. A render leaves a few thousand objects in
    cycles behind, which the collector frees once the last render ends.
    """
    global _renders, _collector_was_enabled
    with _collector_lock:
        if _renders == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _renders += 1
    try:
        yield
    finally:
        with _collector_lock:
            _renders -= 1
            if _renders == 0 and _collector_was_enabled:
                gc.enable()


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    static_folder: str | Path,
    title: str | None = None,
    lang: str = "en-GB",
    stylesheets: Iterable[str | weasyprint.CSS] | None = None,
    base_stylesheet: bool = True,
) -> bytes:
    """Render ``html`` to the bytes of a tagged PDF/A-3a document.

    :param html: the complete HTML document, already rendered by Jinja.
    :param base_url: base for relative URLs; leave it ``None`` (:data:`DEFAULT_BASE_URL`)
        so that ``/static/...`` paths find the static folder. Whatever it is, only
        ``data:`` URLs and URLs under :data:`STATIC_URL` are ever read.
    :param static_folder: the folder static assets are read from (the Flask app's
        ``static_folder``); nothing outside it is read.
    :param title: the PDF title; defaults to the document's ``<title>``.
    :param lang: the document language, used when ``<html>`` has no ``lang`` attribute.
    :param stylesheets: extra CSS, as source text or ``weasyprint.CSS`` objects, applied
        after ``letter.css``. ``CSS`` objects must have been built with a
        :class:`SafeURLFetcher`; text is parsed here with one.
    :param base_stylesheet: apply ``letter.css`` (default ``True``).
    """
    base_url = base_url or DEFAULT_BASE_URL
    fetcher = SafeURLFetcher(static_folder)
    font_config = _font_config()
    with _collector_paused():
        try:
            document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            root = document.etree_element
            if not root.get("lang") and lang:
                root.set("lang", lang)

            sheets: list[weasyprint.CSS] = [letter_stylesheet()] if base_stylesheet else []
            for sheet in stylesheets or ():
                if isinstance(sheet, str):
                    sheet = weasyprint.CSS(
                        string=sheet,
                        base_url=base_url,
                        url_fetcher=fetcher,
                        font_config=font_config,
                    )
                sheets.append(sheet)

            rendered = document.render(font_config=font_config, stylesheets=sheets)
            if title:
                rendered.metadata.title = title
            if not rendered.metadata.lang:
                rendered.metadata.lang = lang
            return rendered.write_pdf(
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
                uncompressed_pdf=False,
                finisher=_serialise_once,
            )
        finally:
            if font_config.has_font_faces:
                # Fonts declared by this document stay registered in the configuration;
                # drop it so that the next document starts clean.
                _local.font_config = None

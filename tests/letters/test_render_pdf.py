"""The PDF renderer: it renders, and it reads nothing but data: URLs and static assets."""

from __future__ import annotations

import base64
import gc
import io
import logging
import shutil
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from pypdf.generic import StreamObject
from weasyprint.urls import URLFetchingError, fetch

from workflow.letters.render import (
    DEFAULT_BASE_URL,
    PDF_VARIANT,
    STATIC_URL,
    SafeURLFetcher,
    URLRefused,
    letter_stylesheet,
    render_pdf,
    stylesheet,
    static_url,
)

LEAK = "LEAKED-OUTSIDE-STATIC"


def _png(colour: tuple[int, int, int], size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """A static folder with assets, and a sibling folder that must stay unreadable."""
    static = tmp_path / "static"
    outside = tmp_path / "outside"
    (static / "css").mkdir(parents=True)
    outside.mkdir()

    (static / "logo.png").write_bytes(_png((200, 30, 30)))
    (static / "css" / "extra.css").write_text(
        '.from-static::after { content: "STATIC-CSS-APPLIED"; color: rgb(1, 2, 3); }\n'
    )
    (static / "css" / "imported.css").write_text(
        '.from-import::after { content: "IMPORTED-CSS-APPLIED"; }\n'
    )
    (static / "notes.txt").write_text("attachment from the static folder\n")
    (static / "pic.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        '<image href="logo.png" width="40" height="20"/>'
        '<image href="file:///etc/passwd" width="40" height="20"/>'
        "</svg>"
    )

    (outside / "leak.png").write_bytes(_png((30, 30, 200)))
    (outside / "leak.css").write_text(f'body::after {{ content: "{LEAK}"; }}\n')
    (outside / "secret.txt").write_text(f"root:x:0:0:{LEAK}\n")
    # Symlinks inside the static folder that point out of it.
    (static / "link.png").symlink_to(outside / "leak.png")
    (static / "link.css").symlink_to(outside / "leak.css")
    (static / "linkdir").symlink_to(outside, target_is_directory=True)
    return static, outside


@pytest.fixture
def static(folders) -> Path:
    return folders[0]


class _RecordingHandler(BaseHTTPRequestHandler):
    """Records every request and answers with a redirect to a local file."""

    def _answer(self):
        self.server.requests.append((self.command, self.path))
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_PUT = do_OPTIONS = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _reader(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in _reader(pdf).pages)


def _decoded(pdf: bytes) -> bytes:
    """The file's bytes plus the decoded data of every stream (object streams too)."""
    reader = _reader(pdf)
    chunks = [pdf]
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:
            continue
        if isinstance(obj, StreamObject):
            chunks.append(obj.get_data())
    return b"\n".join(chunks)


def _image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in _reader(pdf).pages)


def _font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in _reader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.get_object().values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def _has_file_attachments(pdf: bytes) -> bool:
    reader = _reader(pdf)
    if reader.attachments:
        return True
    names = reader.trailer["/Root"].get("/Names")
    if names is not None and names.get_object().get("/EmbeddedFiles") is not None:
        return True
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                return True
    return b"/EmbeddedFile" in _decoded(pdf) or b"/Filespec" in _decoded(pdf)


# (1) It renders.

SIMPLE = """<!doctype html>
<html><head><title>Title from the template</title></head>
<body>
  <h1>Decision on your application</h1>
  <p>Dear applicant, the trustees approved Riverside Youth Theatre.</p>
</body></html>"""


def test_renders_text_title_language_and_page_numbers(static):
    pdf = render_pdf(SIMPLE, static_folder=static, title="Decision letter ACME-0042")

    reader = _reader(pdf)
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = _text(pdf)
    for word in ("Decision", "trustees", "approved", "Riverside", "Youth", "Theatre"):
        assert word in text
    assert "Page 1 of 1" in text  # letter.css footer
    assert reader.metadata.title == "Decision letter ACME-0042"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root  # tagged
    assert root["/MarkInfo"]["/Marked"]
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="A"' in xmp
    assert PDF_VARIANT == "pdf/a-3a"


def test_title_defaults_to_the_html_title_and_html_lang_wins(static):
    html = SIMPLE.replace("<html>", '<html lang="cy">')
    pdf = render_pdf(html, static_folder=static)
    reader = _reader(pdf)
    assert reader.metadata.title == "Title from the template"
    assert reader.trailer["/Root"]["/Lang"] == "cy"


def test_page_numbers_count_all_pages(static):
    body = "".join(f"<p>Paragraph {i} of a long board pack.</p>" for i in range(150))
    pdf = render_pdf(f"<html><body>{body}</body></html>", static_folder=static)
    pages = len(_reader(pdf).pages)
    assert pages > 1
    assert f"Page {pages} of {pages}" in _text(pdf)


def test_names_in_many_scripts_find_noto_fonts(static):
    names = {
        "Arabic": "محمد علي",
        "Bengali": "অমিত রায়",
        "Gurmukhi": "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ",
        "CJK": "王小明",
        "Hebrew": "יעל כהן",
    }
    html = "<html><body>" + "".join(f"<p>{n}</p>" for n in names.values()) + "</body></html>"
    fonts = " ".join(_font_names(render_pdf(html, static_folder=static)))
    for script in ("Arabic", "Bengali", "Gurmukhi", "CJK", "Hebrew"):
        assert f"Noto{script}" in fonts.replace("-", "").replace("Sans", ""), (script, fonts)
    assert "王小明" in _text(render_pdf(html, static_folder=static))


def test_concurrent_renders_each_get_a_whole_document(static):
    results: dict[int, bytes] = {}

    def work(i: int) -> None:
        results[i] = render_pdf(
            f"<html><body><p>Letter number {i} for organisation {i}</p></body></html>",
            static_folder=static,
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [0, 1, 2, 3]
    for i, pdf in results.items():
        assert f"Letter number {i} for organisation {i}" in _text(pdf)
    assert gc.isenabled()


def test_the_garbage_collector_waits_during_a_render_and_only_then(static, monkeypatch):
    import weasyprint

    seen = []
    write_pdf = weasyprint.Document.write_pdf

    def watched(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.Document, "write_pdf", watched)
    render_pdf(SIMPLE, static_folder=static)
    assert seen == [False] and gc.isenabled()

    def broken(self, *args, **kwargs):
        raise RuntimeError("the render failed")

    monkeypatch.setattr(weasyprint.Document, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        render_pdf(SIMPLE, static_folder=static)
    assert gc.isenabled()


def test_a_collector_the_application_turned_off_stays_off(static):
    gc.disable()
    try:
        render_pdf(SIMPLE, static_folder=static)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_renderers_stylesheets_are_parsed_once():
    assert letter_stylesheet() is letter_stylesheet() is stylesheet("letter.css")
    assert stylesheet("decision-letter.css") is stylesheet("decision-letter.css")


@pytest.mark.parametrize("name", ["../letters/letter.css", "render.py", "/etc/passwd"])
def test_only_the_renderers_own_stylesheets_can_be_named(name):
    with pytest.raises(ValueError):
        stylesheet(name)


# (2) It reads nothing it must not read.


def _hostile_html(port: int, outside: Path) -> str:
    http = f"http://127.0.0.1:{port}"
    out = outside.as_uri()
    return f"""<!doctype html>
<html><head><title>Hostile</title>
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="stylesheet" href="{out}/leak.css">
<link rel="stylesheet" href="{http}/x.css">
<link rel="stylesheet" href="//127.0.0.1:{port}/scheme-relative.css">
<link rel="stylesheet" href="/static/../outside/leak.css">
<link rel="stylesheet" href="/static/%2e%2e/outside/leak.css">
<link rel="stylesheet" href="/static/..%2Foutside%2Fleak.css">
<link rel="stylesheet" href="/static/link.css">
<link rel="stylesheet" href="/static/linkdir/leak.css">
<link rel="stylesheet" href="https://consort.invalid@127.0.0.1:{port}/static/css/extra.css">
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="{out}/secret.txt">
<link rel="attachment" href="{http}/attachment.txt">
<link rel="attachment" href="/static/%2e%2e/outside/secret.txt">
<style>
@import url(file:///etc/hostname);
@import url("{out}/leak.css");
@import url("{http}/import.css");
@import url("/static/%2e%2e/outside/leak.css");
@font-face {{ font-family: Evil; src: url({http}/font.ttf),
  url(file:///usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf),
  local("Noto Serif"); }}
body {{ font-family: Evil, sans-serif; background-image: url({http}/background.png); }}
.x::before {{ content: url({out}/leak.png); }}
.y {{ list-style-image: url({http}/bullet.png); }}
</style></head>
<body>
<p>Hostile body text</p>
<img src="file:///etc/passwd" alt="a">
<img src="{out}/leak.png" alt="b">
<img src="{http}/x.png" alt="c">
<img src="https://127.0.0.1:{port}/tls.png" alt="d">
<img src="//127.0.0.1:{port}/y.png" alt="e">
<img src="/static/../outside/leak.png" alt="f">
<img src="/static/%2e%2e/outside/leak.png" alt="g">
<img src="/static/link.png" alt="h">
<img src="/static/linkdir/leak.png" alt="i">
<img src="https://consort.invalid:{port}/static/logo.png" alt="j">
<img src="https://consort.invalid@127.0.0.1:{port}/static/logo.png" alt="k">
<object data="{http}/object.svg" type="image/svg+xml"></object>
<embed src="{out}/leak.png" type="image/png">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="100" height="100">
  <image href="file:///etc/passwd" width="50" height="50"/>
  <image xlink:href="{out}/leak.png" width="50" height="50"/>
  <image href="{http}/svg.png" width="50" height="50"/>
  <use href="file:///etc/passwd#root"/>
  <use xlink:href="{http}/sprite.svg#icon"/>
</svg>
<div class="x"></div><ul class="y"><li>item</li></ul>
<a rel="attachment" href="file:///etc/passwd">passwd</a>
<a rel="attachment" href="{out}/secret.txt">secret</a>
</body></html>"""


def test_hostile_html_reads_nothing(folders, server, caplog):
    static, outside = folders
    port = server.server_address[1]

    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = render_pdf(_hostile_html(port, outside), static_folder=static)

    assert server.requests == []
    assert not _has_file_attachments(pdf)
    assert _image_count(pdf) == 0
    text = _text(pdf)
    decoded = _decoded(pdf)
    assert b"Hostile" in decoded  # the decoding sees the (compressed) XMP title
    assert "Hostile body text" in text
    for secret in ("root:", LEAK):
        assert secret not in text
        assert secret.encode() not in decoded
    assert not any("Serif" in name for name in _font_names(pdf))
    assert any("URLRefused" in record.getMessage() for record in caplog.records)


def test_base_element_cannot_point_assets_elsewhere(static, server):
    port = server.server_address[1]
    html = f"""<html><head><base href="http://127.0.0.1:{port}/">
    <link rel="stylesheet" href="style.css"></head>
    <body><p>Based</p><img src="logo.png" alt="logo">
    <link rel="attachment" href="notes.txt"></body></html>"""
    pdf = render_pdf(html, static_folder=static)
    assert server.requests == []
    assert _image_count(pdf) == 0
    assert not _has_file_attachments(pdf)


def test_base_url_pointing_at_a_file_reads_nothing(folders, server):
    static, outside = folders
    html = (
        '<html><body><p>Based</p><img src="leak.png" alt="">'
        '<link rel="stylesheet" href="leak.css"></body></html>'
    )
    pdf = render_pdf(html, static_folder=static, base_url=outside.as_uri() + "/")
    assert _image_count(pdf) == 0
    assert LEAK not in _text(pdf)


def test_extra_stylesheets_use_the_safe_fetcher(folders, server):
    static, outside = folders
    port = server.server_address[1]
    extra = (
        f'@import url("{outside.as_uri()}/leak.css");\n'
        f'@import url("http://127.0.0.1:{port}/extra.css");\n'
        '.note::after { content: "EXTRA-CSS-APPLIED"; }\n'
    )
    pdf = render_pdf(
        '<html><body><p class="note">Note</p></body></html>',
        static_folder=static,
        stylesheets=[extra],
    )
    text = _text(pdf)
    assert "EXTRA-CSS-APPLIED" in text
    assert LEAK not in text
    assert server.requests == []


# (3) It reads what it should.


def test_static_and_data_assets_are_used(static):
    data_png = base64.b64encode(_png((30, 160, 30), size=(30, 30))).decode()
    data_css = "data:text/css,.from-data::after%7Bcontent:%22DATA-CSS-APPLIED%22%7D"
    html = f"""<!doctype html>
<html><head><title>Assets</title>
<link rel="stylesheet" href="/static/css/extra.css">
<link rel="stylesheet" href="{data_css}">
<link rel="attachment" href="/static/notes.txt" title="Notes">
<style>@import url("/static/css/imported.css");</style>
</head><body>
<img src="/static/logo.png" alt="Logo from a root-relative path">
<img src="{static_url('logo.png')}" alt="Logo from an absolute URL">
<img src="data:image/png;base64,{data_png}" alt="Inline image">
<img src="/static/pic.svg" alt="SVG from the static folder">
<p class="from-static">Static:</p>
<p class="from-import">Imported:</p>
<p class="from-data">Data:</p>
</body></html>"""
    pdf = render_pdf(html, static_folder=static)

    assert _image_count(pdf) >= 2  # the static logo and the data: image
    text = _text(pdf)
    assert "STATIC-CSS-APPLIED" in text
    assert "IMPORTED-CSS-APPLIED" in text
    assert "DATA-CSS-APPLIED" in text
    assert _reader(pdf).attachments == {"notes.txt": [b"attachment from the static folder\n"]}


def test_static_font_face_is_used_and_does_not_leak_into_the_next_render(static):
    serif = Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")
    assert serif.exists(), "scripts/install puts fonts-noto-core on the machine"
    (static / "fonts").mkdir()
    shutil.copy(serif, static / "fonts" / "face.ttf")
    uses_face = '<p style="font-family: \'Consort Test Face\'">Serif text</p>'

    with_face = render_pdf(
        "<html><head><style>@font-face { font-family: 'Consort Test Face';"
        " src: url(/static/fonts/face.ttf); }</style></head>"
        f"<body>{uses_face}</body></html>",
        static_folder=static,
    )
    # WeasyPrint names an embedded @font-face font after its family.
    assert any("Consort-Test-Face" in name for name in _font_names(with_face))

    without_face = render_pdf(f"<html><body>{uses_face}</body></html>", static_folder=static)
    assert not any("Consort-Test-Face" in name for name in _font_names(without_face))


# (4) The fetcher itself.

REFUSED = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "file://localhost/etc/passwd",
    "http://127.0.0.1:{port}/x.css",
    "https://127.0.0.1:{port}/x.css",
    "ftp://127.0.0.1:{port}/x.css",
    "http://consort.invalid/static/logo.png",
    "https://example.org/static/logo.png",
    "https://consort.invalid/logo.png",
    "https://consort.invalid/staticlogo.png",
    "https://consort.invalid:443/static/logo.png",
    "https://user@consort.invalid/static/logo.png",
    "https://consort.invalid@127.0.0.1:{port}/static/logo.png",
    "https://consort.invalid.example.org/static/logo.png",
    "https://consort.invalid/static/",
    "https://consort.invalid/static/css",
    "https://consort.invalid/static/missing.png",
    "https://consort.invalid/static/../outside/leak.png",
    "https://consort.invalid/static/%2e%2e/outside/leak.png",
    "https://consort.invalid/static/..%2Foutside%2Fleak.png",
    "https://consort.invalid/static/css/../../outside/leak.png",
    "https://consort.invalid/static//etc/passwd",
    "https://consort.invalid/static/%2Fetc%2Fpasswd",
    "https://consort.invalid/static/logo.png%00.css",
    "https://consort.invalid/static/%ff%fe",
    "https://consort.invalid/static/link.png",
    "https://consort.invalid/static/link.css",
    "https://consort.invalid/static/linkdir/leak.png",
    "jar:file:///etc/passwd!/x",
    "javascript:alert(1)",
    "about:blank",
    "/static/logo.png",
    "logo.png",
]


@pytest.mark.parametrize("url", REFUSED)
def test_fetcher_refuses(url, static, server):
    url = url.format(port=server.server_address[1])
    fetcher = SafeURLFetcher(static)
    with pytest.raises(URLRefused):
        fetcher.fetch(url)
    with pytest.raises(URLRefused):
        fetcher(url)
    with pytest.raises(URLRefused):
        fetcher.open(url)
    # How WeasyPrint sees it: a recoverable error, never a fatal one.
    with pytest.raises(URLFetchingError):
        with fetch(fetcher, url):
            pass
    assert server.requests == []


def test_fetcher_has_no_urllib_handlers_left(static, server):
    url = f"http://127.0.0.1:{server.server_address[1]}/direct"
    fetcher = SafeURLFetcher(static)
    # Even urllib's own entry point, bypassing fetch(), finds no handler to open with.
    try:
        result = urllib.request.OpenerDirector.open(fetcher, url, timeout=2)
    except urllib.error.URLError:
        result = None
    assert result is None
    assert server.requests == []


def test_fetcher_reads_static_files(static):
    fetcher = SafeURLFetcher(static)
    logo = (static / "logo.png").read_bytes()

    for url in (
        f"{STATIC_URL}logo.png",
        static_url("logo.png"),
        "HTTPS://CONSORT.INVALID/static/logo.png",
        f"{STATIC_URL}logo.png?v=3#top",
        f"{STATIC_URL}css/../logo.png",
        f"{STATIC_URL}%6Cogo.png",
    ):
        response = fetcher.fetch(url)
        assert response.read() == logo, url
        assert response.content_type == "image/png"

    css = fetcher.fetch(f"{STATIC_URL}css/extra.css")
    assert css.content_type == "text/css"
    assert b"STATIC-CSS-APPLIED" in css.read()
    assert DEFAULT_BASE_URL + "static/" == STATIC_URL


def test_fetcher_reads_data_urls(static):
    fetcher = SafeURLFetcher(static)
    png = _png((1, 2, 3))
    response = fetcher.fetch("data:image/png;base64," + base64.b64encode(png).decode())
    assert response.read() == png
    assert response.content_type == "image/png"

    css = fetcher.fetch("data:text/css;charset=utf-8,p%7Bcolor:red%7D")
    assert css.read() == b"p{color:red}"
    assert css.content_type == "text/css"

    assert SafeURLFetcher(None).fetch("data:,hello").read() == b"hello"


def test_fetcher_without_static_folder_refuses_static_urls(static):
    with pytest.raises(URLRefused):
        SafeURLFetcher(None).fetch(f"{STATIC_URL}logo.png")

"""Writing the PDF: each object is serialised, and each stream compressed, once."""

import io
import zlib

import pydyf
import pypdf
import weasyprint

from workflow.letters import render
from workflow.letters.render import DEFAULT_BASE_URL, PDF_VARIANT, SafeURLFetcher, letter_stylesheet, render_pdf

PAGES = "".join(f"<h2>Part {n}</h2><p>Zażółć gęślą jaźń, Ελληνικά, {n} · صفحہ</p>" for n in range(40))
HTML = f"<!DOCTYPE html><html lang='en-GB'><title>Two pages</title><body>{PAGES}</body></html>"


def _document(tmp_path):
    html = weasyprint.HTML(string=HTML, base_url=DEFAULT_BASE_URL, url_fetcher=SafeURLFetcher(tmp_path))
    return html.render(stylesheets=[letter_stylesheet()])


def _compressions(monkeypatch) -> list:
    made = []
    real = zlib.compressobj

    def counted(*args, **kwargs):
        made.append(args or kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pydyf.zlib, "compressobj", counted)
    return made


def test_the_pdf_is_byte_for_byte_what_weasyprint_writes(tmp_path):
    document = _document(tmp_path)
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}
    plain = document.write_pdf(**options)
    once = document.write_pdf(**options, finisher=render._serialise_once)
    assert once == plain
    assert len(pypdf.PdfReader(io.BytesIO(once)).pages) >= 2


def test_each_stream_is_compressed_once(tmp_path, monkeypatch):
    document = _document(tmp_path)
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}
    made = _compressions(monkeypatch)
    document.write_pdf(**options)
    twice = len(made)
    made.clear()
    document.write_pdf(**options, finisher=render._serialise_once)
    # Made while writing, after the finisher: the object stream, compressed twice
    # still, and the cross-reference stream, compressed once after the identifier.
    streams = len(made) - 3
    assert streams > 0
    assert twice == 2 * streams + 3


def test_render_pdf_writes_each_stream_once(tmp_path, monkeypatch):
    made = _compressions(monkeypatch)
    pdf = render_pdf(HTML, static_folder=tmp_path)
    streams = pdf.count(b"/FlateDecode")
    assert len(made) == streams + 1  # the object stream, compressed again for the identifier

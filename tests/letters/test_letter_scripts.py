"""Any name, any script: organisation and contact names in six scripts render with real glyphs.

How "a real glyph, never the missing-glyph box" is judged, from the issued PDF alone
-----------------------------------------------------------------------------------
WeasyPrint embeds each font as a Type0 font whose descendant has an Identity
CIDToGIDMap, so a CID is a glyph id (gid) of the embedded font program (subset with
HarfBuzz, keeping the original gids). Each two bytes of a shown string are a code; the
font's ``/Encoding`` maps codes to CIDs: ``/Identity-H`` (code = CID), or, when Pango
found no glyph for some character, a CMap that maps those codes to CID 0 (``.notdef``,
the box). For every page we:

1. walk the content stream, note the font chosen by each ``Tf`` and collect the codes
   shown by ``Tj``/``TJ``/``'``/``"``;
2. map each code to its CID through the font's encoding, open the embedded program
   with fontTools (``/FontFile2``: TrueType; ``/FontFile3`` of subtype OpenType: CFF,
   as for Noto Sans CJK) and require that no shown code draws CID 0 and that every
   other shown glyph exists in the program with an outline, unless it is a space;
3. read the font's ``/ToUnicode`` CMap, which maps each code to the text it stands for
   (a whole cluster for a ligature or a conjunct), and require that every non-space
   character of the name is the text of some shown, real glyph.

Shaping (HarfBuzz, through Pango) reorders and combines Bengali and Gurmukhi
characters, so the check is on the set of characters covered by drawn glyphs, not on
their order. Text extraction is also checked for the scripts where it is reliable
(Latin, Polish, Greek, Urdu); for Bengali and Gurmukhi it reorders vowel signs.
"""

import io
import re

import pypdf
import pytest
from flask import g
from fontTools.ttLib import TTFont
from pypdf.generic import ContentStream

from tests.builders import make_application
from workflow.applications.lifecycle import State
from workflow.letters.models import DecisionLetter
from workflow.letters.operations import draft_letter, issue_letter
from workflow.votes.rule import Choice

NAMES = {
    "Latin": ("Kettering Community Strings", "Ada Lovelace"),
    "Polish": ("Zespół Śpiewaczy Źródło", "Małgorzata Żółkiewska"),
    "Greek": ("Χορωδία Ελπίδα", "Ελένη Παπαδοπούλου"),
    "Urdu": ("بزمِ موسیقی", "عائشہ خان"),
    "Bengali": ("সুরের ধারা সংগীত", "সুমিতা দাস"),
    "Gurmukhi": ("ਸੰਗੀਤ ਸਭਾ", "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ"),
    "Chinese": ("北京青少年合唱团", "王小明"),
}
EXTRACTED_WHOLE = ("Latin", "Polish", "Greek", "Urdu")


@pytest.fixture()
def issued_in(app, db, hub, organisation, applicant, officer, chair):
    def issue(script: str) -> bytes:
        organisation.name, organisation.contact_name = NAMES[script]
        application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
        letter = draft_letter(application, Choice.APPROVE)
        db.session.commit()
        with app.test_request_context():
            issue_letter(letter, officer)
            db.session.commit()
        g.pop("_login_user", None)
        return db.session.get(DecisionLetter, letter.id).pdf

    return issue


def _encoding(font) -> dict[int, int] | None:
    """The font's code -> CID map; None for /Identity-H (code = CID)."""
    encoding = font["/Encoding"]
    if encoding == "/Identity-H":
        return None
    cmap = encoding.get_object().get_data().decode("latin-1")
    return {
        int(code, 16): int(cid)
        for block in re.findall(r"begincidchar(.*?)endcidchar", cmap, re.DOTALL)
        for code, cid in re.findall(r"<([0-9A-Fa-f]+)>\s*(\d+)", block)
    }


def _to_unicode(font) -> dict[int, str]:
    """The font's ToUnicode CMap: code -> the text it stands for."""
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    text = {}

    def utf16(hexa: str) -> str:
        return bytes.fromhex(hexa).decode("utf-16-be")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        for source, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            text[int(source, 16)] = utf16(target)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.DOTALL):
        for low, high, start in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = utf16(start)
            for offset in range(int(high, 16) - int(low, 16) + 1):
                text[int(low, 16) + offset] = first[:-1] + chr(ord(first[-1]) + offset)
    return text


def _shown_codes(reader: pypdf.PdfReader) -> list[tuple[object, set[int]]]:
    """For every page, each font resource and the codes shown with it."""
    shown = []
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        by_font: dict[str, set[int]] = {}
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = operands[0]
            elif operator in (b"Tj", b"'", b'"', b"TJ"):
                strings = operands[0] if operator == b"TJ" else [operands[-1]]
                for string in strings:
                    if isinstance(string, (int, float)) or not hasattr(string, "original_bytes"):
                        continue
                    data = string.original_bytes
                    by_font.setdefault(current, set()).update(
                        int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)
                    )
        shown += [(fonts[name].get_object(), gids) for name, gids in by_font.items()]
    return shown


def _has_outline(program: TTFont, gid: int) -> bool:
    order = program.getGlyphOrder()
    if gid >= len(order):
        return False
    name = order[gid]
    if "glyf" in program:
        return program["glyf"][name].numberOfContours != 0
    charstrings = program["CFF "].cff[0].CharStrings
    return name in charstrings and charstrings[name].calcBounds(charstrings) is not None


def _real_glyph_text(pdf: bytes) -> str:
    """The text of every glyph drawn; fails on a .notdef or a glyph the font does not have."""
    covered = []
    for font, codes in _shown_codes(pypdf.PdfReader(io.BytesIO(pdf))):
        assert font["/Subtype"] == "/Type0"
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant.get("/CIDToGIDMap", "/Identity") == "/Identity"
        descriptor = descendant["/FontDescriptor"].get_object()
        stream = (descriptor.get("/FontFile2") or descriptor["/FontFile3"]).get_object()
        program = TTFont(io.BytesIO(stream.get_data()))
        text, encoding = _to_unicode(font), _encoding(font)
        for code in codes:
            gid = code if encoding is None else encoding[code]
            assert gid != 0, f".notdef drawn for {text.get(code)!r} with {font['/BaseFont']}"
            if text.get(code, "").isspace():
                continue
            assert _has_outline(program, gid), f"gid {gid} of {font['/BaseFont']} has no outline"
            covered.append(text.get(code, ""))
    return "".join(covered)


@pytest.mark.parametrize("script", NAMES)
def test_every_character_of_a_name_is_drawn_with_a_real_glyph(issued_in, script):
    covered = set(_real_glyph_text(issued_in(script)))
    for name in NAMES[script]:
        missing = {char for char in name if not char.isspace()} - covered
        assert not missing, f"{script}: no glyph drawn for {sorted(missing)}"


@pytest.mark.parametrize("script", EXTRACTED_WHOLE)
def test_names_extract_back_whole(issued_in, script):
    pdf = issued_in(script)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for name in NAMES[script]:
        assert name in text


def test_a_character_no_font_has_is_caught(app):
    """The check itself: a private-use character no installed font draws is not passed as real."""
    from workflow.letters.render import render_pdf

    pdf = render_pdf("<p>Name \ue000\ue001</p>", static_folder=app.static_folder)
    with pytest.raises(AssertionError, match=r"\.notdef drawn for '\\ue00[01]'"):
        _real_glyph_text(pdf)

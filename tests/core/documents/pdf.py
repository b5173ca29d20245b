"""Reading a rendered PDF back: its text (poppler's pdftotext) and a PNG of
each page (pdftoppm), kept under GARAGEBOT_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zlib
from pathlib import Path

# Arabic presentation forms: a PDF whose text comes out in these was not
# shaped by a real engine (or was shaped by hand, letter by letter).
PRESENTATION_FORMS = [chr(c) for c in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00))]


_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} (poppler-utils) is needed to read the documents back"
    return found


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        out = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],  # noqa: S603
                             check=True, capture_output=True)
    # Document numbers are printed with non-breaking hyphens (kept on one line).
    # pdftotext marks right-to-left runs with bidi embeddings: only the letters matter here.
    return unicodedata.normalize("NFC", out.stdout.decode()).replace("\u2011", "-").translate(_MARKS)


def words(text: str) -> set[str]:
    """The text's words, bidi marks and punctuation stripped."""
    return {w.strip(".,:()«»،") for w in text.translate(_MARKS).split()}


def page_images(pdf: bytes, name: str) -> list[Path]:
    """A PNG of each page in a temporary folder, copied to GARAGEBOT_SCREENSHOTS when set."""
    folder = Path(tempfile.mkdtemp(prefix="documents-"))
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "80", str(path), str(folder / name)],  # noqa: S603
                   check=True)
    pages = sorted(folder.glob(f"{name}*.png"))
    keep = os.environ.get("GARAGEBOT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for page in pages:
            shutil.copy(page, Path(keep) / page.name)
    return pages


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_PAIR = re.compile(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


def glyphs_per_letter(pdf: bytes) -> list[dict[str, set[str]]]:
    """Per embedded font, Arabic letter → the glyph codes its ToUnicode map
    shows for it. A letter drawn from more than one glyph of one font was
    drawn in its joining forms (initial, medial, final): the text was shaped."""
    fonts = []
    for raw in _STREAM.findall(pdf):
        try:
            body = zlib.decompress(raw).decode("latin-1")
        except zlib.error:
            body = raw.decode("latin-1")
        if "beginbfchar" not in body:
            continue
        found: dict[str, set[str]] = {}
        fonts.append(found)
        for code, uni in _PAIR.findall(body.split("beginbfchar", 1)[1]):
            text = bytes.fromhex(uni).decode("utf-16-be", errors="ignore")
            if len(text) == 1 and "\u0621" <= text <= "\u064a":
                found.setdefault(text, set()).add(code)
    return fonts

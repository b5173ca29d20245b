"""One layout for every document: A4, the garage's letterhead, the sheet's
title and facts, the other party, the lines, the totals, a QR code when the
sheet has one, and a footer with page numbers.

Text is shaped by HarfBuzz (fpdf2's ``set_text_shaping``), so Arabic letters
join; in Arabic the page is mirrored: the letterhead, the columns and the
totals start from the right and text is right-aligned."""

from __future__ import annotations

import io
import re

from fpdf import FPDF
from fpdf.fonts import FontFace

from garagebot.core.documents.parties import display_phone
from garagebot.core.documents.profile import GarageProfile
from garagebot.core.documents.sheet import Column, Sheet, Total
from garagebot.core.documents.text import DocText
from garagebot.core.fonts import font_path

LATIN, ARABIC = "NotoSans", "NotoSansArabic"
MARGIN = 15.0
GREY = (235, 237, 240)
INK = (33, 37, 41)
MUTED = (100, 106, 115)
_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def _shape(pdf: FPDF, *values: str) -> None:
    """HarfBuzz shaping (and the bidi pass) only for text with Arabic letters:
    Latin runs print the same without it, several times faster."""
    pdf.set_text_shaping(any(_ARABIC_LETTER.search(v) for v in values))


def family(value: str) -> str:
    """The font for ``value``: Noto Sans Arabic when it has Arabic letters (its
    Latin runs fall back to Noto Sans), Noto Sans otherwise. Chosen per text
    because fpdf2 garbles the main font's next run after a whole run fell back."""
    return ARABIC if _ARABIC_LETTER.search(value) else LATIN


class _Pdf(FPDF):
    def __init__(self, text: DocText, footer_text: str) -> None:
        super().__init__(format="A4")
        self.doc_text = text
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(size=8)
        self.set_text_color(*MUTED)
        page = self.doc_text("documents.page", page=self.page_no())
        value = f"{self.footer_text}  ·  {page}"
        self.set_font(family(value), size=8)
        _shape(self, value)
        self.cell(0, 5, value, align="C")


def _pdf(text: DocText, footer_text: str) -> _Pdf:
    pdf = _Pdf(text, footer_text)
    for family in (LATIN, ARABIC):
        pdf.add_font(family, "", str(font_path(f"{family}-Regular")))
        pdf.add_font(family, "B", str(font_path(f"{family}-Bold")))
    pdf.set_font(ARABIC if text.rtl else LATIN, size=10)
    pdf.set_fallback_fonts([LATIN])
    pdf.set_text_shaping(True)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(footer_text)
    pdf.set_lang(text.locale)
    pdf.set_creator("garagebot")
    pdf.add_page()
    return pdf


class _Mirror:
    """Positions and alignments measured from the start side of the page."""

    def __init__(self, pdf: FPDF, rtl: bool) -> None:
        self.pdf, self.rtl = pdf, rtl
        self.width = pdf.epw

    def x(self, offset: float, width: float) -> float:
        return self.pdf.w - MARGIN - offset - width if self.rtl else MARGIN + offset

    @property
    def start(self) -> str:
        return "R" if self.rtl else "L"

    @property
    def end(self) -> str:
        return "L" if self.rtl else "R"

    def line(self, offset: float, width: float, height: float, value: str, *, end: bool = False) -> None:
        self.pdf.set_x(self.x(offset, width))
        self.pdf.set_font(family(value), style=self.pdf.font_style, size=self.pdf.font_size_pt)
        _shape(self.pdf, value)
        self.pdf.multi_cell(
            width, height, value, align=self.end if end else self.start, new_x="LMARGIN", new_y="NEXT"
        )


def _letterhead(pdf: FPDF, m: _Mirror, garage: GarageProfile, text: DocText, logo: bytes | None) -> None:
    top = pdf.get_y()
    if logo:
        pdf.image(io.BytesIO(logo), x=m.x(m.width - 30, 30), y=top, h=20, keep_aspect_ratio=True, w=30)
    pdf.set_text_color(*INK)
    pdf.set_font(style="B", size=16)
    m.line(0, m.width - 35, 8, garage.name(text.locale))
    pdf.set_font(style="", size=9)
    pdf.set_text_color(*MUTED)
    details = [garage.address(text.locale)]
    if garage.phone:
        details.append(text("documents.phone", phone=display_phone(garage.phone)))
    if garage.tax_number:
        details.append(text("documents.tax_number", number=garage.tax_number))
    for value in filter(None, details):
        m.line(0, m.width - 35, 4.6, value)
    pdf.set_y(max(pdf.get_y(), top + 22) + 2)
    pdf.set_draw_color(*GREY)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(4)


def _heading(pdf: FPDF, m: _Mirror, sheet: Sheet, text: DocText) -> None:
    top = pdf.get_y()
    half = m.width / 2 - 4
    pdf.set_text_color(*INK)
    pdf.set_font(style="B", size=18)
    m.line(0, half, 9, sheet.title)
    pdf.set_font(style="", size=11)
    m.line(0, half, 6, text.code(sheet.number))
    pdf.ln(3)
    pdf.set_font(style="B", size=9)
    pdf.set_text_color(*MUTED)
    m.line(0, half, 5, sheet.party_title)
    pdf.set_font(style="", size=10)
    pdf.set_text_color(*INK)
    for value in sheet.party:
        m.line(0, half, 5, value)
    left_bottom = pdf.get_y()
    pdf.set_y(top + 1)
    for label, value in sheet.facts:
        y = pdf.get_y()
        pdf.set_font(style="", size=9)
        pdf.set_text_color(*MUTED)
        m.line(half + 8, 35, 5.5, label)
        pdf.set_y(y)
        pdf.set_font(style="B", size=9.5)
        pdf.set_text_color(*INK)
        m.line(half + 43, half - 43 + 8, 5.5, value, end=True)
    pdf.set_y(max(pdf.get_y(), left_bottom) + 5)


def _table(pdf: FPDF, m: _Mirror, columns: tuple[Column, ...], rows: tuple[tuple[str, ...], ...]) -> None:
    order = list(reversed(range(len(columns)))) if m.rtl else list(range(len(columns)))
    share = sum(c.width for c in columns)
    widths = tuple(columns[i].width / share * m.width for i in order)
    aligns = tuple((m.end if columns[i].numeric else m.start) for i in order)
    pdf.set_font(size=9)
    pdf.set_draw_color(*GREY)
    _shape(pdf, *(c.title for c in columns), *(v for values in rows for v in values))
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=5.5,
        padding=1.6,
        headings_style=FontFace(emphasis="BOLD", fill_color=GREY, color=INK),
        borders_layout="HORIZONTAL_LINES",
        width=m.width,
        align="C",
    ) as table:
        head = table.row()
        for i in order:
            head.cell(
                columns[i].title,
                style=FontFace(family=family(columns[i].title), emphasis="BOLD", fill_color=GREY, color=INK),
            )
        for values in rows:
            row = table.row()
            for i in order:
                row.cell(values[i], style=FontFace(family=family(values[i])))
    pdf.ln(3)


def _totals(pdf: FPDF, m: _Mirror, totals: tuple[Total, ...]) -> None:
    if not totals:
        return
    width = 85.0
    for total in totals:
        y = pdf.get_y()
        pdf.set_font(style="B" if total.strong else "", size=11 if total.strong else 9.5)
        m.line(m.width - width, 45, 6, total.label)
        pdf.set_y(y)
        m.line(m.width - width + 45, width - 45, 6, total.value, end=True)


def _qr(pdf: FPDF, m: _Mirror, sheet: Sheet, top: float) -> None:
    if sheet.qr_png is None:
        return
    pdf.image(io.BytesIO(sheet.qr_png), x=m.x(0, 32), y=top, w=32, h=32)
    pdf.set_y(top + 33)
    pdf.set_font(size=7.5)
    pdf.set_text_color(*MUTED)
    m.line(0, 70, 4, sheet.qr_caption)
    pdf.set_text_color(*INK)


def draw(sheet: Sheet, garage: GarageProfile, text: DocText, logo: bytes | None = None) -> bytes:
    """The PDF of ``sheet`` with ``garage``'s letterhead, in ``text``'s language."""
    pdf = _pdf(text, f"{garage.name(text.locale)} · {sheet.title} {text.code(sheet.number)}")
    m = _Mirror(pdf, text.rtl)
    _letterhead(pdf, m, garage, text, logo)
    _heading(pdf, m, sheet, text)
    if sheet.stamp:
        pdf.set_font(style="B", size=14)
        pdf.set_text_color(180, 30, 30)
        m.line(0, m.width, 8, sheet.stamp)
        pdf.set_text_color(*INK)
    _table(pdf, m, sheet.columns, sheet.rows)
    if sheet.qr_png is not None and pdf.get_y() > pdf.h - 75:
        pdf.add_page()
    top = pdf.get_y()
    _totals(pdf, m, sheet.totals)
    bottom = pdf.get_y()
    _qr(pdf, m, sheet, top)
    pdf.set_y(max(bottom, pdf.get_y()) + 4)
    for title, columns, rows in sheet.extra_tables:
        pdf.set_font(style="B", size=11)
        m.line(0, m.width, 7, title)
        _table(pdf, m, columns, rows)
    pdf.set_font(style="", size=9)
    pdf.set_text_color(*MUTED)
    for note in sheet.notes:
        m.line(0, m.width, 4.8, note)
    return bytes(pdf.output())

"""Fonts shipped with garagebot for the documents and charts it draws
(Noto Sans and Noto Sans Arabic, SIL Open Font License 1.1, see OFL.txt).

``font_path(name)`` gives the file of one of them; nothing is read at import."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
FONTS = ("NotoSans-Regular", "NotoSans-Bold", "NotoSansArabic-Regular", "NotoSansArabic-Bold")


def font_path(name: str) -> Path:
    """The path of the shipped font ``name`` (one of ``FONTS``)."""
    if name not in FONTS:
        raise ValueError(f"no shipped font {name!r}")
    return _HERE / f"{name}.ttf"

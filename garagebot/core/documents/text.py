"""The texts, amounts and dates of one document, in one language."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from garagebot.core.i18n import RTL_LOCALES, Translator
from garagebot.core.money import Money, format_money

LOCALES = ("en", "ar")
NB_HYPHEN = "\u2011"
# The catalogs wrap Latin tokens in Arabic text in FSI … PDI for chat clients;
# the PDF's own bidi pass orders runs itself, and the fonts have no glyph for them.
_ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")


def document_locale(wanted: str | None, fallback: str) -> str:
    for value in (wanted, fallback):
        if value in LOCALES:
            return str(value)
    return "en"


@dataclass(frozen=True, slots=True)
class DocText:
    translator: Translator
    locale: str
    timezone: str

    @property
    def rtl(self) -> bool:
        return self.locale in RTL_LOCALES

    def __call__(self, key: str, **params: object) -> str:
        return self.translator.render(self.locale, key, params).translate(_ISOLATES)

    def pick(self, en: str, ar: str | None) -> str:
        """The Arabic or English text of a bilingual field (the other when one is empty)."""
        return (ar or en) if self.rtl else (en or ar or "")

    def money(self, value: Money) -> str:
        return format_money(value, self.locale).translate(_ISOLATES)

    def amount(self, value: Decimal, currency: str) -> str:
        return self.money(Money(value, currency))

    def number(self, value: Decimal) -> str:
        return str(
            format_decimal(value.normalize() if value == value.to_integral() else value, locale=self.locale)
        )

    def day(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(zoneinfo.ZoneInfo(self.timezone)).date()
        return str(format_date(value, "d MMM y" if self.locale == "en" else "d MMMM y", locale=self.locale))

    @staticmethod
    def code(value: str) -> str:
        """A document number or plate kept on one line."""
        return value.replace("-", NB_HYPHEN)

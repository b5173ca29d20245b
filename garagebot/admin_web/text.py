"""The texts, numbers, amounts and times of one console page, in one language."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_datetime
from babel.numbers import format_decimal

from garagebot.core.i18n import RTL_LOCALES, Translator
from garagebot.core.money import Money, format_money

LOCALES = ("en", "ar")
_FORMATS = {"en": "d MMM y, HH:mm", "ar": "d MMMM y، HH:mm"}


@dataclass(frozen=True, slots=True)
class Text:
    translator: Translator
    locale: str
    timezone: str = "Asia/Amman"

    def __call__(self, key: str, **params: object) -> str:
        return self.translator.render(self.locale, key, params)

    @property
    def dir(self) -> str:
        return "rtl" if self.locale in RTL_LOCALES else "ltr"

    @property
    def other(self) -> str:
        return "en" if self.locale == "ar" else "ar"

    def money(self, value: Money) -> str:
        return format_money(value, self.locale)

    def number(self, value: int | Decimal) -> str:
        return str(format_decimal(value, locale=self.locale))

    def when(self, at: dt.datetime | None) -> str:
        if at is None:
            return "—"
        local = at.astimezone(zoneinfo.ZoneInfo(self.timezone))
        return str(format_datetime(local, _FORMATS[self.locale], locale=self.locale))

    def date_input(self, at: dt.datetime | None) -> str:
        """A time as the value of an ``<input type="datetime-local">`` (the garage's zone)."""
        if at is None:
            return ""
        return at.astimezone(zoneinfo.ZoneInfo(self.timezone)).strftime("%Y-%m-%dT%H:%M")

    def status(self, value: object) -> str:
        """A session status for people (never the raw code)."""
        return self(f"status.session.{str(value).lower()}")

    def label(self, prefix: str, code: str) -> str:
        """The name of ``code`` under ``prefix`` (``prefix.other`` when the catalog has none)."""
        key = f"{prefix}.{code}"
        return self(key) if self.translator.has(self.locale, key) else self(f"{prefix}.other")

    def role(self, value: object) -> str:
        return self(f"console.role.{value}")

    def since(self, at: dt.datetime, now: dt.datetime) -> str:
        """How long ago, in hours (or minutes under an hour)."""
        minutes = max(0, int((now - at).total_seconds() // 60))
        if minutes < 60:
            return self("console.minutes", count=minutes, n=self.number(minutes))
        hours = minutes // 60
        return self("console.hours", count=hours, n=self.number(hours))

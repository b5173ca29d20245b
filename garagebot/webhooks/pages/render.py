"""Rendering the client pages: Jinja2 templates, texts in the client's
language, and the one place where errors become pages.

Every text comes from the catalogs (``pages.*`` keys) through ``PageText``;
Arabic pages are ``dir="rtl"``. ``guarded`` wraps each handler: a domain
error becomes a clear page in the visitor's language with a fitting status,
anything else is logged once and becomes a plain "something went wrong"
page, never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from babel.dates import format_datetime
from babel.numbers import format_decimal

from garagebot.core.errors import DomainError, NotFound
from garagebot.core.i18n import RTL_LOCALES, Translator
from garagebot.core.money import Money, format_money

log = logging.getLogger(__name__)

JINJA = web.AppKey("pages_jinja", jinja2.Environment)
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
STATIC_PREFIX = "/pages-static/"
LOCALES = ("en", "ar")
LOCALE_KEY = web.RequestKey("pages_locale", str)  # the request's chosen language, for error pages
NB_HYPHEN = "\u2011"
_TIME_FORMAT = {"en": "d MMM y, HH:mm", "ar": "d MMMM y، HH:mm"}

# Error key → (title key, HTTP status). Keys not listed: a 400 with the error's own text.
ERROR_PAGES: Mapping[str, tuple[str, int]] = {
    "error.link_invalid": ("pages.invalid.title", 404),
    "error.not_found": ("pages.invalid.title", 404),
    "error.link_expired": ("pages.expired.title", 410),
    "error.approval_expired": ("pages.expired.title", 410),
    "error.quote_expired": ("pages.expired.title", 410),
    "error.approval_link_used": ("pages.used.title", 410),
    "error.approval_already_decided": ("pages.decided.title", 409),
    "error.approval_quote_superseded": ("pages.superseded.title", 409),
    "error.approval_quote_changed": ("pages.superseded.title", 409),
    "pages.form_expired": ("pages.form_expired.title", 403),
    "pages.rate_limited": ("pages.rate_limited.title", 429),
}
# Headers of every page: no framing (a signing page must not be clickjacked), no
# Referer (the link is the credential), nothing cached, only our own scripts.
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; script-src 'self'; "
    "style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def setup_rendering(app: web.Application) -> None:
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), app_key=JINJA, autoescape=True,
                         undefined=jinja2.StrictUndefined)
    app.router.add_static(STATIC_PREFIX, STATIC, name="pages_static")


@dataclass(frozen=True, slots=True)
class PageText:
    """The texts, amounts and times of one page, in one language."""

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

    @staticmethod
    def unbroken(code: str) -> str:
        """A document number or plate with non-breaking hyphens, so a narrow
        screen never splits it (a split number also reorders badly in RTL)."""
        return code.replace("-", NB_HYPHEN)

    def number(self, value: Decimal) -> str:
        return str(format_decimal(value, locale=self.locale))

    def when(self, at: dt.datetime) -> str:
        local = at.astimezone(zoneinfo.ZoneInfo(self.timezone))
        return str(format_datetime(local, _TIME_FORMAT[self.locale], locale=self.locale))


def choose_locale(request: web.Request, default: str | None, chosen: object = None) -> str:
    """``chosen`` (a form's field) or ?lang=, else the client's language, else the browser's."""
    for value in (chosen, request.query.get("lang"), default):
        if isinstance(value, str) and value in LOCALES:
            request[LOCALE_KEY] = value
            return value
    accept = request.headers.get("Accept-Language", "").strip().lower()
    locale = "ar" if accept.startswith("ar") else "en"
    request[LOCALE_KEY] = locale
    return locale


def render(
    request: web.Request, template: str, text: PageText, context: Mapping[str, object], *, status: int = 200
) -> web.Response:
    base = {"t": text, "static": STATIC_PREFIX, "switch_url": f"{request.path}?lang={text.other}"}
    response = aiohttp_jinja2.render_template(template, request, {**base, **context}, app_key=JINJA,
                                              status=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def message_page(
    request: web.Request, text: PageText, title_key: str, body: str, *, status: int, garage: str = ""
) -> web.Response:
    return render(request, "message.html", text, {"title": text(title_key), "body": body, "garage": garage},
                  status=status)


def error_page(request: web.Request, translator: Translator, error: DomainError) -> web.Response:
    text = PageText(translator, choose_locale(request, request.get(LOCALE_KEY)))
    title_key, status = ERROR_PAGES.get(error.key, ("pages.error.title", 404 if isinstance(error, NotFound)
                                                    else 400))
    return message_page(request, text, title_key, text(error.key, **error.params), status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def guarded(translator: Callable[[web.Request], Translator], handler: Handler) -> Handler:
    """``handler`` with domain errors as pages and one logged catch-all."""

    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except DomainError as exc:
            return error_page(request, translator(request), exc)
        except Exception:  # the one catch-all of the pages: logged, never shown
            log.exception("client page %s failed", request.path)
            text = PageText(translator(request), choose_locale(request, request.get(LOCALE_KEY)))
            return message_page(request, text, "pages.error.title", text("pages.error.body"), status=500)

    return run

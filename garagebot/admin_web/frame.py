"""Every console request goes through ``page``: who is signed in (the
session cookie), which language, the CSRF check on every POST, the role check
through ``core/permissions.py``, rendering into the one layout with the
security headers, and the one place where a ``DomainError`` becomes a page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from garagebot.admin_web.deps import config, deps
from garagebot.admin_web.text import LOCALES, Text
from garagebot.core.console import sessions
from garagebot.core.console.sessions import SignedIn
from garagebot.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from garagebot.core.permissions import Permission, allowed

log = logging.getLogger(__name__)

JINJA = web.AppKey("console_jinja", jinja2.Environment)
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
STATIC_PREFIX = "/console-static/"
SESSION_COOKIE = "gb_session"
CSRF_COOKIE = "gb_csrf"
DEVICE_COOKIE = "gb_device"
LANG_COOKIE = "gb_lang"
CSRF_FIELD = "_csrf"
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; script-src 'self'; "
    "style-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
# Notices a redirect may ask the next page to show (?notice=…): only these.
NOTICES = frozenset({"saved", "signed_out", "link_sent", "moved", "password_set", "sessions_ended",
                     "invite_accepted"}) | frozenset({  # the session page's actions
                         "assigned", "quote_sent", "invoice_issued", "payment_recorded", "payment_repeated",
                         "delivered", "booking_confirmed", "time_proposed", "client_not_told",
                         "discount_approved"})


@dataclass(frozen=True, slots=True)
class Ctx:
    """One request as a console handler sees it."""

    request: web.Request
    text: Text
    user: SignedIn | None
    csrf: str

    @property
    def me(self) -> SignedIn:
        """The signed-in member (``page`` guarantees one unless ``public``)."""
        if self.user is None:
            raise PermissionDenied("console.error.signed_out")
        return self.user


Handler = Callable[[Ctx], Awaitable[web.StreamResponse]]


def setup_rendering(app: web.Application) -> None:
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), app_key=JINJA, autoescape=True,
                         undefined=jinja2.StrictUndefined)
    app.router.add_static(STATIC_PREFIX, STATIC, name="console_static")


def _csrf_token(secret: str, browser: str, user: SignedIn | None) -> str:
    bound = f"{browser}|{user.token_hash if user else ''}"
    return hmac.new(secret.encode(), ("csrf|" + bound).encode(), hashlib.sha256).hexdigest()


def _locale(request: web.Request, user: SignedIn | None) -> str:
    if user is not None and user.locale in LOCALES:
        return user.locale
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    return "ar" if request.headers.get("Accept-Language", "").strip().lower().startswith("ar") else "en"


async def _visitor(request: web.Request) -> SignedIn | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    db = deps(request).db
    now = db.clock.now()
    async with db.read() as s:
        user = await sessions.current(s, token, now)
    if user is not None and now - user.last_seen_at >= sessions.TOUCH_EVERY:
        async with db.raw_transaction() as s:
            await sessions.touch(s, user, now)
    return user


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="Lax",
                        secure=config(request).secure_cookies)


async def _context(request: web.Request) -> tuple[Ctx, str | None]:
    user = await _visitor(request)
    browser = request.cookies.get(CSRF_COOKIE)
    fresh = None if browser else secrets.token_urlsafe(24)
    text = Text(deps(request).translator, _locale(request, user), user.timezone if user else "Asia/Amman")
    return Ctx(request, text, user, _csrf_token(config(request).secret, browser or fresh or "", user)), fresh


async def _csrf_ok(ctx: Ctx) -> bool:
    if ctx.request.method != "POST":
        return True
    form = await ctx.request.post()
    sent = form.get(CSRF_FIELD) or ctx.request.headers.get("X-CSRF-Token", "")
    return bool(ctx.request.cookies.get(CSRF_COOKIE)) and hmac.compare_digest(str(sent), ctx.csrf)


def page(permission: Permission | None = None, *, public: bool = False) -> Callable[[Handler], Callable[
        [web.Request], Awaitable[web.StreamResponse]]]:
    """Wrap a handler: signed in (unless ``public``), allowed ``permission``,
    CSRF checked on POST, domain errors shown as a page."""

    def wrap(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def run(request: web.Request) -> web.StreamResponse:
            ctx, fresh = await _context(request)
            response = await _guarded(ctx, handler, permission, public)
            if fresh is not None:
                set_cookie(response, request, CSRF_COOKIE, fresh)
            response.headers.update(SECURITY_HEADERS)
            return response

        return run

    return wrap


async def _guarded(ctx: Ctx, handler: Handler, permission: Permission | None, public: bool
                   ) -> web.StreamResponse:
    try:
        if not public and ctx.user is None:
            if ctx.request.method == "GET":
                raise web.HTTPSeeOther("/signin")
            raise PermissionDenied("console.error.signed_out")
        if not await _csrf_ok(ctx):
            return message(ctx, "console.error.title", ctx.text("console.error.form_expired"), status=403)
        if permission is not None and (ctx.user is None or not allowed(ctx.user.role, permission)):
            raise PermissionDenied("error.permission_denied", permission=permission.value)
        return await handler(ctx)
    except web.HTTPException as exc:
        if exc.status >= 400:
            raise
        return web.Response(status=exc.status, headers=exc.headers)
    except DomainError as exc:
        return error_page(ctx, exc)
    except Exception:  # the console's one catch-all: logged, never shown
        log.exception("console page %s failed", ctx.request.path)
        return message(ctx, "console.error.title", ctx.text("console.error.unexpected"), status=500)


def status_of(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    return 409 if isinstance(error, Conflict) else 400


def error_page(ctx: Ctx, error: DomainError) -> web.Response:
    """The one place a domain error becomes a page: its message in the reader's
    language, with a fitting status (another garage's record is a plain 404)."""
    if isinstance(error, NotFound):
        return message(ctx, "console.error.not_found_title", ctx.text("console.error.not_found"), status=404)
    return message(ctx, "console.error.title", ctx.text(error.key, **error.params), status=status_of(error))


def render(ctx: Ctx, template: str, context: Mapping[str, object], *, status: int = 200) -> web.Response:
    notice = ctx.request.query.get("notice")
    base = {"t": ctx.text, "user": ctx.user, "csrf": ctx.csrf, "csrf_field": CSRF_FIELD,
            "path": ctx.request.path,
            "static": STATIC_PREFIX, "notice": notice if notice in NOTICES else None,
            "nav": nav(ctx.user, simulator=config(ctx.request).simulator)}
    return aiohttp_jinja2.render_template(template, ctx.request, {**base, **context}, app_key=JINJA,
                                          status=status)


def message(ctx: Ctx, title_key: str, body: str, *, status: int) -> web.Response:
    return render(ctx, "message.html", {"title": ctx.text(title_key), "body": body}, status=status)


NAV: tuple[tuple[str, str, Permission], ...] = (
    ("/", "console.nav.dashboard", Permission.VIEW_BOARD),
    ("/board", "console.nav.board", Permission.VIEW_BOARD),
    ("/alerts", "console_floor.nav.alerts", Permission.VIEW_BOARD),
    ("/sessions", "console.nav.sessions", Permission.VIEW_BOARD),
    ("/requests", "console.nav.requests", Permission.INTAKE),
    ("/staff", "console.nav.staff", Permission.MANAGE_STAFF),
    ("/settings", "console.nav.settings", Permission.CONFIGURE_REPAIR),
    ("/audit", "console.nav.audit", Permission.MANAGE_GARAGE),
)


def nav(user: SignedIn | None, *, simulator: bool = False) -> list[tuple[str, str]]:
    if user is None:
        return []
    items = [(href, key) for href, key, perm in NAV if allowed(user.role, perm)]
    if simulator and allowed(user.role, Permission.MANAGE_GARAGE):
        items.append(("/simulator", "console.nav.simulator"))
    return items


def redirect(location: str, notice: str | None = None) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location + (f"?notice={notice}" if notice else ""))

"""GET and POST /a/{token}: the client's approval page of one quote version.

GET shows the garage, the car, the lines with their photos and the totals,
a choice per pending line (approve / decline / later), a signature pad and
a name field. POST checks the form's signed nonce, parses the choices and
the drawn signature (a PNG data URL), and makes the one core call,
``record_signed_approval``, as the session's client on the web channel.
A link that is used, decided, superseded or expired shows a page that says
so (see ``render.ERROR_PAGES``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from aiohttp import web

from garagebot.core.actor import Actor
from garagebot.core.approvals import SignedApproval, link_key, record_signed_approval
from garagebot.core.billing.enums import LineDecision
from garagebot.core.client_pages import ApprovalPage, LinkState, approval_page
from garagebot.core.enums import Channel
from garagebot.core.errors import DomainError, InvalidInput
from garagebot.core.ids import QuoteId, QuoteLineId
from garagebot.core.links import APPROVAL, read_token
from garagebot.core.normalize import storable_text
from garagebot.webhooks.pages.csrf import form_nonce, nonce_ok
from garagebot.webhooks.pages.render import PageText, choose_locale, message_page, render
from garagebot.webhooks.pages.room import PagesRoom, client_ip

DATA_URL_PREFIX = "data:image/png;base64,"
# What a page says about a link that can no longer decide (the state's title and text).
CLOSED: Mapping[LinkState, tuple[str, str, int]] = {
    LinkState.USED: ("pages.used.title", "pages.used.body", 410),
    LinkState.DECIDED: ("pages.decided.title", "error.approval_already_decided", 409),
    LinkState.SUPERSEDED: ("pages.superseded.title", "error.approval_quote_superseded", 409),
    LinkState.EXPIRED: ("pages.expired.title", "error.approval_expired", 410),
}


class ApprovalHandlers:
    def __init__(self, room: PagesRoom) -> None:
        self.room = room

    async def _page(self, request: web.Request, token: str) -> ApprovalPage:
        self.room.limit(request, token)
        now = self.room.now(request)
        max_age = self.room.config.approval_link_hours * 3600
        quote_id = read_token(self.room.config.secret, APPROVAL, token, max_age, now=now)
        async with self.room.deps(request).db.read() as session:
            return await approval_page(session, QuoteId(quote_id), now)

    def _text(self, request: web.Request, page: ApprovalPage, chosen: object = None) -> PageText:
        locale = choose_locale(request, page.visit.client_locale, chosen)
        return PageText(self.room.translator(request), locale, page.visit.garage.timezone)

    def _closed(self, request: web.Request, page: ApprovalPage, text: PageText) -> web.Response:
        title, body, status = CLOSED[page.state]
        params: dict[str, object] = {"number": page.visit.number}
        if page.signed is not None:
            params.update(name=page.signed.name, time=text.when(page.signed.at))
        return message_page(request, text, title, text(body, **params), status=status,
                            garage=page.visit.garage.name(text.locale))

    def _form(self, request: web.Request, token: str, page: ApprovalPage, text: PageText, *,
              errors: tuple[str, ...] = (), chosen: Mapping[str, str] | None = None,
              name: str = "", status: int = 200) -> web.Response:
        now = self.room.now(request)
        photos = {line: [(self.room.media_url(now, p.media_id), p.caption or "") for p in found]
                  for line, found in page.line_photos.items()}
        return render(request, "approval.html", text, {
            "page": page, "quote": page.quote, "visit": page.visit,
            "garage": page.visit.garage.name(text.locale),
            "nonce": form_nonce(self.room.config.secret, token), "errors": errors, "chosen": chosen or {},
            "name": name, "line_photos": photos, "pending": LineDecision.PENDING,
            "session_photos": [(self.room.media_url(now, p.media_id), p.caption or "")
                               for p in page.session_photos],
        }, status=status)

    async def show(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        page = await self._page(request, token)
        text = self._text(request, page)
        if page.state is not LinkState.OPEN:
            return self._closed(request, page, text)
        return self._form(request, token, page, text)

    async def submit(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        page = await self._page(request, token)
        form = await _read_form(request)
        text = self._text(request, page, form.get("lang"))
        if not nonce_ok(self.room.config.secret, token, str(form.get("nonce", "")),
                        self.room.config.approval_link_hours * 3600):
            raise DomainError("pages.form_expired")
        if page.state is not LinkState.OPEN:
            return self._closed(request, page, text)
        approval = self._parse(request, token, page, form)
        try:
            async with self.room.deps(request).db.unit_of_work(
                Actor.client(page.visit.garage.id, page.visit.client_id, Channel.WEB)
            ) as uow:
                receipt = await record_signed_approval(uow, self.room.deps(request).storage, approval)
        except InvalidInput as exc:
            chosen = {k: str(v) for k, v in form.items() if k.startswith("line-")}
            return self._form(request, token, page, text, errors=(text(exc.key, **exc.params),),
                              chosen=chosen, name=approval.signer_name, status=400)
        return message_page(request, text, "pages.thanks.title", text(
            "pages.thanks.body", number=page.visit.number, time=text.when(receipt.signed_at)),
            status=200, garage=page.visit.garage.name(text.locale))

    def _parse(self, request: web.Request, token: str, page: ApprovalPage,
               form: Mapping[str, object]) -> SignedApproval:
        decisions: dict[QuoteLineId, LineDecision] = {}
        for line in page.quote.lines:
            value = form.get(f"line-{line.id}")
            if line.decision is LineDecision.PENDING and isinstance(value, str) and value in (
                    LineDecision.APPROVED, LineDecision.DECLINED, LineDecision.DEFERRED):
                decisions[line.id] = LineDecision(value)
        return SignedApproval(
            quote_id=page.quote.id, link_key=link_key(token), content_hash=str(form.get("hash", "")),
            decisions=decisions, signer_name=str(form.get("name", "")),
            signature_png=_png(form.get("signature")), ip=client_ip(request),
            user_agent=storable_text(request.headers.get("User-Agent", "")),
        )


async def _read_form(request: web.Request) -> dict[str, object]:
    """The posted form's first values, text made storable; a body that is not
    a form in UTF-8 is refused like a stale form (the client reloads the page)."""
    try:
        raw = await request.post()
    except (UnicodeDecodeError, ValueError) as exc:
        raise DomainError("pages.form_expired") from exc
    return {k: storable_text(v) if isinstance(v := raw[k], str) else v for k in raw}


def _png(value: object) -> bytes:
    """The bytes of a PNG data URL; empty when the field is anything else."""
    if not isinstance(value, str) or not value.startswith(DATA_URL_PREFIX):
        return b""
    try:
        return base64.b64decode(value[len(DATA_URL_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return b""

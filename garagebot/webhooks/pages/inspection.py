"""GET and POST /i/{token}: the client's inspection report.

GET shows the findings grouped by severity (red, amber, green), their photos
and videos, each measurement against its limits, and the recommended work
with prices, a choice per pending line (approve / decline / later). POST
checks the form's signed nonce and makes the one core call,
``decide_from_report``, as the session's client on the web channel: the
same per-line quote decisions as the approval page or the chat, keyed by
the link and the answers (a repeated post changes nothing)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from garagebot.core.actor import Actor
from garagebot.core.approvals import link_key
from garagebot.core.billing.enums import LineDecision
from garagebot.core.enums import Channel
from garagebot.core.errors import DomainError, InvalidInput
from garagebot.core.ids import QuoteLineId
from garagebot.core.inspections.decide import decide_from_report
from garagebot.core.inspections.enums import InspectionId, InspectionStatus, Severity
from garagebot.core.inspections.templates import UNIT_KEYS, plain_number
from garagebot.core.inspections.views import Report, report_for_link
from garagebot.core.links import INSPECTION, INSPECTION_MAX_AGE_SECONDS, read_token
from garagebot.webhooks.pages.approval import _read_form
from garagebot.webhooks.pages.csrf import form_nonce, nonce_ok
from garagebot.webhooks.pages.render import PageText, choose_locale, message_page, render
from garagebot.webhooks.pages.room import PagesRoom

CHOICES = (LineDecision.APPROVED, LineDecision.DECLINED, LineDecision.DEFERRED)


class InspectionHandlers:
    def __init__(self, room: PagesRoom) -> None:
        self.room = room

    async def _report(self, request: web.Request, token: str) -> Report:
        self.room.limit(request, token)
        now = self.room.now(request)
        inspection_id = read_token(self.room.config.secret, INSPECTION, token, INSPECTION_MAX_AGE_SECONDS,
                                   now=now)
        async with self.room.deps(request).db.read() as session:
            found = await report_for_link(session, InspectionId(inspection_id))
        if found.status is not InspectionStatus.PUBLISHED:
            raise DomainError("error.link_invalid")
        return found

    def _text(self, request: web.Request, found: Report, chosen: object = None) -> PageText:
        locale = choose_locale(request, found.visit.client_locale, chosen)
        return PageText(self.room.translator(request), locale, found.visit.garage.timezone)

    def _page(self, request: web.Request, token: str, found: Report, text: PageText, *,
              errors: tuple[str, ...] = (), status: int = 200) -> web.Response:
        now = self.room.now(request)
        media = {f.id: [(self.room.media_url(now, m.media_id), m.kind, m.caption or "") for m in f.media]
                 for f in found.findings}
        pending = found.pending_lines() if found.open_for_decision else []
        total = found.quote.total if found.quote else None
        return render(request, "inspection.html", text, {
            "report": found, "visit": found.visit, "garage": found.visit.garage.name(text.locale),
            "groups": [(s, found.by_severity(s))
                       for s in (Severity.CRITICAL, Severity.ADVISORY, Severity.OK)],
            "earlier": found.earlier, "media": media, "pending": {ln.id for ln in pending},
            "choices": CHOICES, "nonce": form_nonce(self.room.config.secret, token), "errors": errors,
            "total": total, "open": bool(pending),
            "unit": lambda written: text(UNIT_KEYS[written]) if written in UNIT_KEYS else written,
            "num": plain_number,
        }, status=status)

    async def show(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        found = await self._report(request, token)
        return self._page(request, token, found, self._text(request, found))

    async def submit(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        found = await self._report(request, token)
        form = await _read_form(request)
        text = self._text(request, found, form.get("lang"))
        nonce = str(form.get("nonce", ""))
        if not nonce_ok(self.room.config.secret, token, nonce, INSPECTION_MAX_AGE_SECONDS):
            raise DomainError("pages.form_expired")
        decisions = _decisions(found, form)
        try:
            async with self.room.deps(request).db.unit_of_work(
                Actor.client(found.visit.garage.id, found.visit.client_id, Channel.WEB)
            ) as uow:
                await decide_from_report(uow, found.id, decisions, link_key=link_key(token))
        except InvalidInput as exc:
            return self._page(request, token, found, text, errors=(text(exc.key, **exc.params),), status=400)
        return message_page(request, text, "inspections.page.thanks.title",
                            text("inspections.page.thanks.body"), status=200,
                            garage=found.visit.garage.name(text.locale))


def _decisions(found: Report, form: Mapping[str, object]) -> dict[QuoteLineId, LineDecision]:
    out: dict[QuoteLineId, LineDecision] = {}
    for line in found.pending_lines():
        value = form.get(f"line-{line.id}")
        if isinstance(value, str) and value in CHOICES:
            out[line.id] = LineDecision(value)
    return out

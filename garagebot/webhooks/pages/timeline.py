"""GET /t/{token}: the client's read-only timeline of a repair session —
status history in the garage's time zone, the photos the garage marked
visible to the client, the issued invoice, and a quote waiting for them."""

from __future__ import annotations

from aiohttp import web

from garagebot.core.client_pages import timeline_page
from garagebot.core.ids import SessionId
from garagebot.core.inspections.views import published_of
from garagebot.core.links import (
    APPROVAL,
    APPROVAL_PATH,
    INSPECTION,
    INSPECTION_PATH,
    TIMELINE,
    TIMELINE_MAX_AGE_SECONDS,
    make_token,
    read_token,
)
from garagebot.webhooks.pages.render import PageText, choose_locale, render
from garagebot.webhooks.pages.room import PagesRoom


class TimelineHandlers:
    def __init__(self, room: PagesRoom) -> None:
        self.room = room

    async def show(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        self.room.limit(request, token)
        now = self.room.now(request)
        session_id = read_token(self.room.config.secret, TIMELINE, token, TIMELINE_MAX_AGE_SECONDS, now=now)
        async with self.room.deps(request).db.read() as session:
            page = await timeline_page(session, SessionId(session_id), now)
            inspection = await published_of(session, page.visit.garage.id, page.visit.session_id)
        text = PageText(self.room.translator(request), choose_locale(request, page.visit.client_locale),
                        page.visit.garage.timezone)
        quote_link = None
        if page.open_quote_id is not None:
            quote_token = make_token(self.room.config.secret, APPROVAL, page.open_quote_id, now=now)
            quote_link = APPROVAL_PATH + quote_token
        return render(request, "timeline.html", text, {
            "page": page, "visit": page.visit, "garage": page.visit.garage.name(text.locale),
            "photos": [(self.room.media_url(now, p.media_id), p.caption or "") for p in page.photos],
            "entries": list(reversed(page.entries)), "quote_link": quote_link,
            "report_link": None if inspection is None else
            INSPECTION_PATH + make_token(self.room.config.secret, INSPECTION, inspection, now=now),
        })

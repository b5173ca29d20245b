"""The client's signed pages: approval (/a/…), timeline (/t/…), the photos
they show (/m/…) and the invoice's PDF (/d/…). ``setup_pages`` mounts them on the app; the composition
root passes the settings and a getter for the runtime's database,
translator and file storage."""

from __future__ import annotations

from aiohttp import web

from garagebot.core.documents.links import DOCUMENT_PATH
from garagebot.webhooks.pages.approval import ApprovalHandlers
from garagebot.webhooks.pages.deps import DepsGetter, PagesConfig, PagesDeps, RateLimit
from garagebot.webhooks.pages.documents import DocumentHandlers
from garagebot.webhooks.pages.media import MediaHandlers
from garagebot.webhooks.pages.render import guarded, setup_rendering
from garagebot.webhooks.pages.room import MEDIA_PATH, PagesRoom
from garagebot.webhooks.pages.timeline import TimelineHandlers

__all__ = ["PagesConfig", "PagesDeps", "RateLimit", "setup_pages"]


def setup_pages(app: web.Application, config: PagesConfig, deps: DepsGetter) -> PagesRoom:
    """Add the client pages' routes and templates to ``app``."""
    room = PagesRoom(config, deps)
    setup_rendering(app)
    approval, timeline, media = ApprovalHandlers(room), TimelineHandlers(room), MediaHandlers(room)
    documents = DocumentHandlers(room)
    app.router.add_get("/a/{token}", guarded(room.translator, approval.show))
    app.router.add_post("/a/{token}", guarded(room.translator, approval.submit))
    app.router.add_get("/t/{token}", guarded(room.translator, timeline.show))
    app.router.add_get(MEDIA_PATH + "{token}", guarded(room.translator, media.show))
    app.router.add_get(DOCUMENT_PATH + "{token}", guarded(room.translator, documents.show))
    return room

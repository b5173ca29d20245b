"""The console through HTTP as a browser uses it: cookies kept, the CSRF field
read from each page's form and sent back."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient

from garagebot.core.actor import Actor
from garagebot.core.console.accounts import set_password
from garagebot.core.ids import UserId
from garagebot.core.uow import Database

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]
PASSWORD = "floor-manager-2026"  # noqa: S105  (a test password)
_CSRF = re.compile(r'name="_csrf" value="([0-9a-f]+)"')


def login_of(actor: Actor) -> str:
    return f"u{actor.id}.{int(actor.org_id)}"


async def give_password(db: Database, actor: Actor, password: str = PASSWORD) -> str:
    """Set ``actor``'s console login and password (as the garage's system); the login."""
    assert actor.id is not None
    async with db.unit_of_work(Actor.system(actor.org_id)) as uow:
        await set_password(uow, UserId(actor.id), login=login_of(actor), password=password)
    return login_of(actor)


@dataclass
class Browser:
    client: Client
    csrf: str = ""

    async def get(self, path: str, **kw: object) -> tuple[int, str]:
        resp = await self.client.get(path, allow_redirects=False, **kw)  # type: ignore[arg-type]
        body = (await resp.read()).decode("utf-8", errors="replace")
        found = _CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return resp.status, body

    async def post(self, path: str, data: Mapping[str, str] | None = None,
                   *, csrf: bool = True) -> tuple[int, str, str]:
        """POST a form; (status, body, Location)."""
        form = dict(data or {})
        if csrf:
            form["_csrf"] = self.csrf
        resp = await self.client.post(path, data=form, allow_redirects=False)
        body = await resp.text()
        found = _CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return resp.status, body, resp.headers.get("Location", "")

    async def sign_in(self, login: str, password: str = PASSWORD) -> tuple[int, str, str]:
        await self.get("/signin")
        result = await self.post("/signin", {"login": login, "password": password})
        if result[0] == 303:
            await self.get("/")
        return result


async def link_telegram(db: Database, actor: Actor, telegram_id: int) -> None:
    """Give ``actor`` a linked Telegram chat (test setup)."""
    from sqlalchemy import update

    from garagebot.core.models import User

    async with db.raw_transaction() as s:
        await s.execute(update(User).where(User.id == actor.id).values(telegram_user_id=telegram_id))


async def sent_to(db: Database, recipient: str, key: str) -> list[dict[str, object]]:
    """The params of every message with ``key`` queued to ``recipient``."""
    from sqlalchemy import select

    from garagebot.core.models import OutboxRow

    async with db.read() as s:
        rows = (await s.scalars(select(OutboxRow).where(OutboxRow.recipient == recipient,
                                                        OutboxRow.topic == key).order_by(OutboxRow.id))).all()
    return [dict(r.payload.get("params") or {}) for r in rows]  # type: ignore[call-overload]

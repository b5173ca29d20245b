"""Set-up for staff transcript tests: a linked member of staff chatting with
the engine (with the real flows and an in-memory file store), a fake media
source for the files they send, and work assigned to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from garagebot.conversations.engine import Engine
from garagebot.conversations.flows import default_registry
from garagebot.conversations.types import MediaKind, MediaRef
from garagebot.core.actor import Actor
from garagebot.core.billing.quotes import create_quote, set_quote_discount
from garagebot.core.db import Base
from garagebot.core.enums import Channel, Role, SessionStatus
from garagebot.core.ids import OrgId, SessionId, StepId, UserId
from garagebot.core.models import MediaFile, Quote, RepairSession, TimeLog, Vehicle
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.templates import StepSpec
from tests.conversations.chat import Chat, Sent, linked_user
from tests.core.work.helpers import Card, make_card
from tests.fakes import MemoryFileStorage

JPEG = b"\xff\xd8\xff\xe0 a photo of the brake disc"


class FakeMedia:
    """The channel's file download: every file is a small JPEG."""

    def __init__(self) -> None:
        self.fetched: list[str] = []

    async def fetch(self, ref: MediaRef) -> bytes:
        self.fetched.append(ref.provider_file_id)
        return JPEG


@dataclass
class StaffChat:
    chat: Chat
    user_id: UserId
    actor: Actor
    storage: MemoryFileStorage
    media: FakeMedia
    inbound: int = 0

    async def say(self, text: str = "", *, choice: str | None = None,
                  origin_message_id: str | None = None) -> list[Sent]:
        self.inbound += 1
        return await self.chat.say(text, choice=choice, origin_message_id=origin_message_id)

    async def send_photo(self, caption: str = "") -> list[Sent]:
        return await self.send_file(MediaKind.PHOTO, "image/jpeg", caption, file_id="file-{n}")

    async def send_file(self, kind: MediaKind, mime: str | None, caption: str = "",
                        file_name: str | None = None, *, file_id: str = "file-{kind}-{n}") -> list[Sent]:
        """A file of ``kind`` sent from the chat (the fake source returns a few bytes);
        ``file_id`` is the provider's id, ``{n}`` the message's number in the chat."""
        self.inbound += 1
        ref = MediaRef(kind, file_id.format(kind=kind.value, n=self.inbound), mime, file_name)
        await self.chat.send(self.chat.inbound(caption, media=[ref]))
        return await self.chat.new_messages()


async def staff_chat(db: Database, org: OrgId, role: Role, locale: str = "en",
                     name: str = "Sami") -> StaffChat:
    storage, media = MemoryFileStorage(), FakeMedia()
    engine = Engine(db, default_registry(storage))
    engine.media.set(Channel.TELEGRAM, media)
    uid, tg = await linked_user(db, org, role=role, locale=locale, name=name)
    return StaffChat(Chat(engine, db, tg), uid, Actor.user(org, uid, Channel.TELEGRAM), storage, media)


async def assigned_card(db: Database, planner: Actor, lead: Actor, person: UserId,
                        steps: Sequence[StepSpec],
                        status: SessionStatus = SessionStatus.IN_PROGRESS) -> Card:
    """A job card with ``steps`` on a new session, every step assigned to ``person``."""
    card = await make_card(db, planner, steps, status=status)
    async with db.unit_of_work(lead) as uow:
        for step_id in card.step_ids:
            await assign_step(uow, StepId(step_id), person, override=True)
    return card


async def count(db: Database, model: type[Base], *where: object) -> int:
    async with db.read() as s:
        stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int((await s.execute(stmt)).scalar_one())


def texts(sent: Sequence[Sent]) -> str:
    return "\n".join(s.text for s in sent)


def choice_ids(sent: Sequence[Sent]) -> list[str]:
    return [cid for s in sent for cid, _ in s.choices]


async def step_media(db: Database, step_id: StepId) -> list[tuple[str, str, str | None]]:
    """(kind, content type, caption) of every file attached to the step, in order."""
    async with db.read() as s:
        rows = (await s.execute(
            select(MediaFile.kind, MediaFile.content_type, MediaFile.caption)
            .where(MediaFile.step_id == step_id).order_by(MediaFile.id)
        )).all()
    return [(r.kind, r.content_type, r.caption) for r in rows]


async def time_logs(db: Database, step_id: StepId) -> list[bool]:
    """For each time log of the step, in order: is it still running?"""
    async with db.read() as s:
        ended = (await s.scalars(
            select(TimeLog.ended_at).where(TimeLog.step_id == step_id).order_by(TimeLog.id)
        )).all()
    return [e is None for e in ended]


async def plate_and_number(db: Database, sid: SessionId) -> tuple[str, str]:
    """The session's car plate and its number."""
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
        assert rs is not None
        vehicle = await s.get(Vehicle, rs.vehicle_id)
        assert vehicle is not None
        return vehicle.plate, rs.number


async def quote_at_half_discount(db: Database, advisor: Actor, sid: SessionId) -> int:
    """A quote of the session with half its subtotal off: above an advisor's
    limit, so it waits for a manager (discount PENDING)."""
    async with db.unit_of_work(advisor) as uow:
        quote_id = await create_quote(uow, sid)
        quote = await uow.get(Quote, quote_id)
        half = (Decimal(quote.subtotal) * Decimal("0.5")).quantize(Decimal("0.001"))
        await set_quote_discount(uow, quote_id, half)
    return int(quote_id)

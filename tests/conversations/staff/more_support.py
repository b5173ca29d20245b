"""Helpers for the coverage transcripts (``test_*_more.py``): files of any kind
sent from the chat, and small reads of what the database holds."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.conversations.types import MediaKind, MediaRef
from garagebot.core.ids import StepId
from garagebot.core.models import MediaFile, TimeLog
from garagebot.core.uow import Database
from tests.conversations.chat import Sent
from tests.conversations.staff.support import StaffChat


async def send_file(staff: StaffChat, kind: MediaKind, mime: str | None, caption: str = "",
                    file_name: str | None = None) -> list[Sent]:
    """A file of ``kind`` sent from the chat (the fake source returns a few bytes)."""
    staff.inbound += 1
    ref = MediaRef(kind, f"file-{kind.value}-{staff.inbound}", mime, file_name)
    await staff.chat.send(staff.chat.inbound(caption, media=[ref]))
    return await staff.chat.new_messages()


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

"""Helpers the staff flows share: reading button ids and typed words, names
in the reader's language, times in the garage's zone, the flow data, media.

Domain errors need no handling here: a step that raises one is rolled back
and the error's key becomes the reply, in the reader's language (one place:
``Dialog._step`` and the engine's rerun). Every key used by the staff flows lives in
``locales/*/LC_MESSAGES/staff.po``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping

from garagebot.conversations.router import StepContext
from garagebot.conversations.text import COMMON_PHRASES, Match, Vocabulary
from garagebot.conversations.types import MediaKind, MediaRef
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import MediaId, SessionId, StepId
from garagebot.core.jsonable import JsonValue
from garagebot.core.normalize import clean_text
from garagebot.core.ports import FileStorage
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.media import attach_media

STAFF_PHRASES: Mapping[str, tuple[str, ...]] = {
    **COMMON_PHRASES,
    "tick": ("tick", "check", "علم", "اشر", "صح"),
    "flag": ("problem", "flag", "issue", "مشكلة", "مشكله", "عطل"),
    "extra": ("extra", "additional work", "more work", "شغل اضافي", "عمل اضافي", "اضافي"),
    "parts": ("parts", "part", "قطع", "قطع غيار", "قطعة"),
    "retry": ("retry", "again", "اعادة", "أعد", "حاول مرة أخرى"),
    "delay": ("delay", "later", "تأجيل", "أجل", "لاحقا"),
    "approve": ("approve", "approved", "اعتماد", "اعتمد", "موافقة"),
    "send_back": ("send back", "reject", "ارجاع", "أرجع", "رفض"),
    "pick": ("pick", "picked", "استلمت", "سحب"),
    "consume": ("used", "consume", "consumed", "استخدمت", "ركبت"),
    "return": ("return", "returned", "ارجاع القطعة", "رجعت"),
    "fits": ("fits", "fitment", "for this car", "تناسب", "للسيارة"),
}
WORDS = Vocabulary(STAFF_PHRASES)


def understood(ctx: StepContext) -> Match | None:
    """The typed intent ("done", "start 2", "note brakes worn"), if any."""
    return WORDS.match(ctx.msg.text) if ctx.msg.text and ctx.msg.choice is None else None


def chosen_id(ctx: StepContext, prefix: str) -> int | None:
    """The number of a pressed button ``<prefix>:<n>``."""
    choice = ctx.msg.choice or ""
    if not choice.startswith(prefix + ":"):
        return None
    tail = choice[len(prefix) + 1:]
    return int(tail) if tail.isdigit() else None


def pressed(ctx: StepContext, choice_id: str) -> bool:
    return ctx.msg.choice == choice_id


def typed(ctx: StepContext) -> str:
    """The message's text, cleaned (bidi controls stripped), or ""."""
    return clean_text(ctx.msg.text) if ctx.msg.text and ctx.msg.choice is None else ""


def localized(ctx: StepContext, en: str, ar: str) -> str:
    return ar if ctx.me.locale == "ar" and ar else en


def data_int(data: Mapping[str, JsonValue], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def data_step(ctx: StepContext) -> StepId | None:
    found = data_int(ctx.data, "step")
    return None if found is None else StepId(found)


def data_session(ctx: StepContext) -> SessionId | None:
    found = data_int(ctx.data, "session")
    return None if found is None else SessionId(found)


async def zone(uow: UnitOfWork) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo((await uow.organization()).timezone)


async def local_time(uow: UnitOfWork, when: dt.datetime | None) -> str:
    """``when`` as the garage's local "YYYY-MM-DD HH:MM" ("-" when unknown)."""
    if when is None:
        return "-"
    return when.astimezone(await zone(uow)).strftime("%Y-%m-%d %H:%M")


# Our media kinds for what the channel says a file is (audio files count as voice notes).
_KINDS = {MediaKind.PHOTO: "photo", MediaKind.DOCUMENT: "document", MediaKind.VOICE: "voice",
          MediaKind.AUDIO: "voice"}
_DEFAULT_TYPES = {"photo": "image/jpeg", "document": "application/pdf", "voice": "audio/ogg"}


async def attach_sent_media(
    ctx: StepContext, storage: FileStorage, *, step_id: StepId | None = None,
    session_id: SessionId | None = None,
) -> list[MediaId]:
    """Fetch every file of the message from the channel and attach it (caption = the text)."""
    out: list[MediaId] = []
    for ref in ctx.msg.media:
        kind = _KINDS.get(ref.kind)
        if kind is None:
            raise InvalidInput("error.media_kind_unknown", kind=ref.kind.value)
        data = await ctx.fetch(ref)
        out.append(await attach_media(
            ctx.uow, storage, step_id=step_id, session_id=session_id, kind=kind,
            content_type=_content_type(ref, kind), data=data, caption=clean_text(ctx.msg.text) or None,
        ))
    return out


def _content_type(ref: MediaRef, kind: str) -> str:
    return ref.mime_type or _DEFAULT_TYPES[kind]

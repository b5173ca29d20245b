"""Photos, documents, voice notes and signatures attached to a step or a session.

The bytes go to the ``FileStorage`` port under a content-addressed key
``{org}/{yyyy}/{mm}/{sha256}``; the database keeps the metadata. A stored
file whose transaction then rolls back is harmless: the same bytes map to the
same key, and nothing refers to it.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

from garagebot.core.enums import ActorKind
from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.ids import MediaId, SessionId, StepId
from garagebot.core.models import MediaFile, RepairSession, Step
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.ports import FileStorage
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle

MAX_MEDIA_BYTES = 20 * 1024 * 1024
MAX_CAPTION_CHARS = 1000


class MediaKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    SIGNATURE = "signature"
    VIDEO = "video"  # inspection findings (Telegram and WhatsApp videos)


# No SVG or HTML anywhere: they could carry scripts into the console.
CONTENT_TYPES: dict[MediaKind, frozenset[str]] = {
    MediaKind.PHOTO: frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"}),
    MediaKind.DOCUMENT: frozenset({"application/pdf", "image/jpeg", "image/png"}),
    MediaKind.VOICE: frozenset({"audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac",
                                "audio/amr", "audio/wav"}),
    MediaKind.SIGNATURE: frozenset({"image/png", "image/jpeg"}),
    MediaKind.VIDEO: frozenset({"video/mp4", "video/quicktime", "video/3gpp", "video/webm"}),
}


def _validate(kind: str, content_type: str, data: bytes) -> MediaKind:
    try:
        kind_v = MediaKind(kind)
    except ValueError as exc:
        raise InvalidInput("error.media_kind_unknown", kind=kind) from exc
    base_type = content_type.split(";", 1)[0].strip().lower()
    if base_type not in CONTENT_TYPES[kind_v]:
        raise InvalidInput("error.media_type_not_allowed", kind=kind_v.value,
                           content_type=content_type)
    if not data:
        raise InvalidInput("error.media_empty")
    if len(data) > MAX_MEDIA_BYTES:
        raise InvalidInput("error.media_too_large", size=len(data), max=MAX_MEDIA_BYTES)
    return kind_v


async def _target(
    uow: UnitOfWork, step_id: StepId | None, session_id: SessionId | None
) -> tuple[int | None, int, int | None]:
    """(step id, session id, uploading user id) after the permission checks."""
    if step_id is not None:
        step = await uow.get(Step, step_id)
        user = await lifecycle.require_worker(uow, step)
        await lifecycle.open_card_of(uow, step, lock=False)
        if session_id is not None and session_id != step.session_id:
            raise InvalidInput("error.media_step_not_in_session", step=step.id)
        return step.id, step.session_id, user.id
    if session_id is None:
        raise InvalidInput("error.media_target_required")
    if uow.actor.kind is ActorKind.CLIENT:  # a client's own file, sent from the chat
        session = await uow.get(RepairSession, session_id)
        if session.client_id != uow.actor.id:
            raise PermissionDenied("error.not_your_session")
        return None, session.id, None
    staff = await uow.require(Permission.VIEW_BOARD)
    session = await uow.get(RepairSession, session_id)
    return None, session.id, None if staff is None else staff.id


async def attach_media(
    uow: UnitOfWork,
    storage: FileStorage,
    *,
    step_id: StepId | None = None,
    session_id: SessionId | None = None,
    kind: str,
    content_type: str,
    data: bytes,
    caption: str | None = None,
    client_visible: bool = False,
) -> MediaId:
    """Store a file and attach it to a step (its worker or a lead) or to a
    session (any staff). Refuses unknown kinds, disallowed content types,
    empty files and files over 20 MB."""
    kind_v = _validate(kind, content_type, data)
    caption = clean_text(caption) if caption else None
    if caption and len(caption) > MAX_CAPTION_CHARS:
        raise InvalidInput("error.media_caption_too_long", max=MAX_CAPTION_CHARS)
    target_step, target_session, user_id = await _target(uow, step_id, session_id)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{uow.org_id}/{uow.now:%Y}/{uow.now:%m}/{digest}"
    base_type = content_type.split(";", 1)[0].strip().lower()
    await storage.put(key, data, base_type)
    media = MediaFile(
        organization_id=uow.org_id, session_id=target_session, step_id=target_step,
        kind=kind_v.value, content_type=base_type, storage_key=key, size_bytes=len(data),
        sha256=digest, uploaded_by_user_id=user_id, client_visible=client_visible,
        caption=caption, created_at=uow.now,
    )
    uow.session.add(media)
    await uow.session.flush()
    await uow.audit("media_file", media.id, "attach", after={
        "step": target_step, "session": target_session, "kind": kind_v, "size": len(data),
        "sha256": digest, "client_visible": client_visible,
    })
    uow.emit("media.attached", {"media_id": media.id, "step_id": target_step,
                                "session_id": target_session, "kind": kind_v})
    return MediaId(media.id)

"""Files clients send, and everything no flow understands: both reach a person.

Photos, documents and voice notes attach to the client's active session
(``core.work.media.attach_media`` through the FileStorage port, fetched from
the provider through its media source), and the advisor hears of them.
Text no flow understands is forwarded to the session's advisor on Telegram
(``core.client_threads.forward_to_staff``) and the client is told so.
"""

from __future__ import annotations

from garagebot.conversations.client.types import ClientCtx, ClientStep, reply
from garagebot.conversations.types import MediaKind, Reply
from garagebot.core.client_threads import ClientMessage, forward_to_staff
from garagebot.core.errors import InvalidInput
from garagebot.core.work.media import attach_media

# What a client may send, as the kind stored with the session.
_STORED_KIND = {MediaKind.PHOTO: "photo", MediaKind.DOCUMENT: "document", MediaKind.VOICE: "voice",
                MediaKind.AUDIO: "voice"}


def message_for_staff(ctx: ClientCtx, text: str, attachments: int = 0) -> ClientMessage:
    visit = ctx.visit if ctx.visit is not None and ctx.visit.active else None
    return ClientMessage(
        phone=ctx.msg.sender, channel=ctx.msg.channel, text=text,
        client_id=ctx.client.id if ctx.client else None,
        client_name=ctx.client.name if ctx.client else None,
        session_id=visit.session_id if visit else None, session_number=visit.number if visit else None,
        plate=visit.plate if visit else None, advisor_id=visit.advisor_id if visit else None,
        attachments=attachments,
    )


async def forward(ctx: ClientCtx, text: str | None = None, *, acknowledge: bool = True) -> ClientStep:
    """Thread the message to staff; tell the client (unless ``acknowledge`` is off)."""
    await forward_to_staff(ctx.uow, message_for_staff(ctx, ctx.msg.text if text is None else text))
    return reply(Reply("client.forwarded_ack")) if acknowledge else reply()


async def attach(ctx: ClientCtx) -> ClientStep:
    """Store the message's files with the client's active session."""
    visit = ctx.visit
    if ctx.client is None or visit is None or not visit.active:
        await forward_to_staff(ctx.uow, message_for_staff(ctx, ctx.msg.text, len(ctx.msg.media)))
        return reply(Reply("client.media_no_visit"))
    storage = ctx.services.storage
    if storage is None:
        raise InvalidInput("error.media_unavailable", kind=ctx.msg.media[0].kind.value)
    stored = 0
    for ref in ctx.msg.media:
        kind = _STORED_KIND.get(ref.kind)
        if kind is None:
            return reply(Reply("client.media_unsupported"))
        data = await ctx.services.fetch(ctx.msg.provider, ref)
        media_id = await attach_media(  # as the client, on their own visit
            ctx.uow, storage, session_id=visit.session_id, kind=kind,
            content_type=ref.mime_type or "application/octet-stream", data=data,
            caption=ctx.msg.text or None,
        )
        await ctx.uow.audit("media_file", media_id, "client_upload", after={
            "client_id": ctx.client.id, "session_id": visit.session_id, "kind": kind,
            "provider_file_id": ref.provider_file_id[:200]})
        stored += 1
    await forward_to_staff(ctx.uow, message_for_staff(ctx, ctx.msg.text, stored))
    return reply(Reply("client.media_attached", {"count": stored, "number": visit.number}))

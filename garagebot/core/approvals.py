"""Signed approvals: the client decides a quote version on its link and signs.

``record_signed_approval`` is the one write behind the approval page. In one
unit of work it checks that the link is unused and the version still open and
unchanged (the SHA-256 the client was shown equals ``Quote.content_hash``),
stores the drawn signature as a MediaFile of kind "signature", records the
per-line decisions through billing's ``decide_quote_lines`` (keyed by the
link, so a replay decides nothing twice), and writes the ``QuoteApproval``
row with the signer's name, IP, user agent and time. A second submission of
the same link is refused (``error.approval_link_used``); a changed or
superseded version is refused and the client is told a new link was sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.billing.states import DECIDED
from garagebot.core.enums import ActorKind
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from garagebot.core.ids import MediaId, QuoteId, QuoteLineId
from garagebot.core.models import MediaFile, Quote, QuoteApproval, QuoteLine, RepairSession
from garagebot.core.normalize import clean_text
from garagebot.core.ports import FileStorage
from garagebot.core.uow import UnitOfWork

SIGNATURE_KIND = "signature"
MAX_SIGNATURE_BYTES = 512 * 1024
MAX_SIGNATURE_PIXELS = 4000 * 2000
MAX_NAME_CHARS = 200
MAX_USER_AGENT_CHARS = 500
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class SignedApproval:
    """What the approval page submits (already parsed by the adapter)."""

    quote_id: QuoteId
    link_key: str  # link_key(token): the decision's idempotency key
    content_hash: str  # Quote.content_hash of the version the page showed
    decisions: Mapping[QuoteLineId, LineDecision]
    signer_name: str
    signature_png: bytes
    ip: str
    user_agent: str


@dataclass(frozen=True, slots=True)
class ApprovalReceipt:
    approval_id: int
    quote_id: QuoteId
    status: QuoteStatus
    signature_media_id: MediaId
    signed_at: dt.datetime


def link_key(token: str) -> str:
    """The SHA-256 (hex) of a link token: stored instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def _png_rows(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, inflated image data) of a PNG; InvalidInput otherwise."""
    if not data.startswith(PNG_MAGIC) or len(data) > MAX_SIGNATURE_BYTES:
        raise InvalidInput("error.approval_signature_invalid")
    pos, idat, header = len(PNG_MAGIC), bytearray(), b""
    try:
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos:pos + 4])
            kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
            (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
            if len(body) != length or zlib.crc32(kind + body) != crc:
                raise InvalidInput("error.approval_signature_invalid")
            header = body if kind == b"IHDR" else header
            idat += body if kind == b"IDAT" else b""
            pos += 12 + length
        width, height, depth, colour = struct.unpack(">IIBB", header[:10])
        channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        if depth != 8 or not 0 < width * height <= MAX_SIGNATURE_PIXELS:
            raise InvalidInput("error.approval_signature_invalid")
        inflated = zlib.decompressobj().decompress(bytes(idat), (width * channels + 1) * height + 1)
    except (struct.error, KeyError, zlib.error) as exc:
        raise InvalidInput("error.approval_signature_invalid") from exc
    return width, height, channels, inflated


def check_signature_png(data: bytes) -> None:
    """Refuse anything but a well-formed 8-bit PNG with some ink on it.

    A blank canvas filters to rows of zeros (whatever the filter), so a
    signature is "drawn" when any byte besides the per-row filter byte is set."""
    if not data:
        raise InvalidInput("error.approval_signature_empty")
    width, height, channels, rows = _png_rows(data)
    stride = width * channels + 1
    if len(rows) != stride * height:
        raise InvalidInput("error.approval_signature_invalid")
    if not any(any(rows[r * stride + 1:(r + 1) * stride]) for r in range(height)):
        raise InvalidInput("error.approval_signature_empty")


async def _open_quote(uow: UnitOfWork, approval: SignedApproval) -> tuple[Quote, RepairSession]:
    """The quote (locked) and its session, refused unless the client may still decide it."""
    quote = await uow.get(Quote, approval.quote_id, lock=True)
    rs = await uow.get(RepairSession, quote.session_id)
    if uow.actor.kind is not ActorKind.CLIENT or uow.actor.id != rs.client_id:
        raise PermissionDenied("error.not_your_quote")
    used = (await uow.session.execute(select(QuoteApproval.id).where(
        QuoteApproval.organization_id == uow.org_id, QuoteApproval.quote_id == quote.id,
    ))).first()
    if used is not None:
        raise Conflict("error.approval_link_used")
    status = QuoteStatus(quote.status)
    if status is QuoteStatus.DRAFT:
        raise NotFound("error.link_invalid")
    if status is QuoteStatus.SUPERSEDED:
        raise Conflict("error.approval_quote_superseded")
    if status in DECIDED:
        raise Conflict("error.approval_already_decided")
    if status is QuoteStatus.EXPIRED or (quote.expires_at is not None and quote.expires_at <= uow.now):
        raise InvalidTransition("error.approval_expired")
    if not approval.content_hash or approval.content_hash != quote.content_hash:
        raise Conflict("error.approval_quote_changed")
    return quote, rs


async def _check_decisions(
    uow: UnitOfWork, quote: Quote, decisions: Mapping[QuoteLineId, LineDecision]
) -> None:
    """Every line still pending gets exactly one real decision on the page."""
    pending = set((await uow.session.scalars(select(QuoteLine.id).where(
        QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote.id,
        QuoteLine.decision == LineDecision.PENDING.value,
    ))).all())
    unknown = [line for line in decisions if line not in pending]
    if unknown:
        raise InvalidInput("error.line_not_in_quote", line=min(unknown))
    missing = pending - set(decisions)
    if missing or any(d is LineDecision.PENDING for d in decisions.values()):
        raise InvalidInput("error.approval_decision_missing", count=len(missing) or 1)


async def _store_signature(uow: UnitOfWork, storage: FileStorage, rs: RepairSession, png: bytes) -> MediaFile:
    digest = hashlib.sha256(png).hexdigest()
    key = f"{uow.org_id}/{uow.now:%Y}/{uow.now:%m}/{digest}"
    await storage.put(key, png, "image/png")
    media = MediaFile(
        organization_id=uow.org_id, session_id=rs.id, step_id=None, kind=SIGNATURE_KIND,
        content_type="image/png", storage_key=key, size_bytes=len(png), sha256=digest,
        uploaded_by_client_id=rs.client_id, client_visible=False, caption=None, created_at=uow.now,
    )
    uow.session.add(media)
    await uow.session.flush()
    return media


def _signer(approval: SignedApproval) -> tuple[str, str, str]:
    """(name, ip, user agent), cleaned; the name is required."""
    name = clean_text(approval.signer_name)
    if not name:
        raise InvalidInput("error.approval_name_required")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput("error.approval_name_too_long", max=MAX_NAME_CHARS)
    return name, clean_text(approval.ip)[:64], clean_text(approval.user_agent)[:MAX_USER_AGENT_CHARS]


async def record_signed_approval(
    uow: UnitOfWork, storage: FileStorage, approval: SignedApproval
) -> ApprovalReceipt:
    """Record the client's decisions on a quote version with their drawn
    signature and typed name (see the module docstring). The actor is the
    session's client on Channel.WEB. Validation happens before any write."""
    quote, rs = await _open_quote(uow, approval)
    name, ip, user_agent = _signer(approval)
    check_signature_png(approval.signature_png)
    await _check_decisions(uow, quote, approval.decisions)
    media = await _store_signature(uow, storage, rs, approval.signature_png)
    status = await decide_quote_lines(uow, QuoteId(quote.id), approval.decisions,
                                      key=f"link:{approval.link_key}")
    decisions = {str(k): v.value for k, v in sorted(approval.decisions.items())}
    row = QuoteApproval(
        organization_id=uow.org_id, quote_id=quote.id, session_id=rs.id, client_id=rs.client_id,
        quote_version=quote.version, content_hash=quote.content_hash or "", signer_name=name,
        signature_media_id=media.id, ip=ip, user_agent=user_agent, link_key=approval.link_key,
        decisions=decisions, signed_at=uow.now,
    )
    uow.session.add(row)
    await uow.session.flush()
    await uow.audit("quote_approval", row.id, "sign", after={
        "quote_id": quote.id, "version": quote.version, "content_hash": row.content_hash,
        "signer_name": name, "signature_media_id": media.id, "signature_sha256": media.sha256,
        "ip": ip, "user_agent": user_agent, "decisions": decisions, "status": status.value,
    })
    uow.emit("approval.signed", {
        "approval_id": row.id, "quote_id": quote.id, "session_id": rs.id, "client_id": rs.client_id,
        "status": status.value, "signature_media_id": media.id,
    })
    return ApprovalReceipt(row.id, QuoteId(quote.id), status, MediaId(media.id), uow.now)

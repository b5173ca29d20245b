"""Read side of the client's signed pages: the approval page of a quote
version, the timeline of a session, and the client-visible files they show.

A signed link names only its subject (a quote, a session, a file); the
subject's row tells which garage it belongs to, and every further query is
scoped to that garage. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import InvoiceStatus, PayerKind, QuoteStatus
from garagebot.core.billing.states import DECIDED
from garagebot.core.billing.views import InvoiceView, QuoteView, invoice_view, quote_view
from garagebot.core.enums import SessionStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import ClientId, InvoiceId, MediaId, OrgId, QuoteId, QuoteLineId, SessionId
from garagebot.core.models import (
    Client,
    Invoice,
    MediaFile,
    Organization,
    Quote,
    QuoteApproval,
    QuoteLine,
    RepairSession,
    SessionStatusChange,
    Step,
    Vehicle,
)

PHOTO_KIND = "photo"
VIDEO_KIND = "video"


@dataclass(frozen=True, slots=True)
class PageGarage:
    id: OrgId
    name_en: str
    name_ar: str
    timezone: str

    def name(self, locale: str) -> str:
        return self.name_ar if locale == "ar" else self.name_en


@dataclass(frozen=True, slots=True)
class PageVisit:
    """The session and car a page is about, and whose they are."""

    garage: PageGarage
    session_id: SessionId
    number: str
    status: SessionStatus
    eta: dt.datetime | None
    client_id: ClientId
    client_name: str
    client_locale: str
    plate: str
    car: str  # "Toyota Corolla 2018", or "" when unknown


@dataclass(frozen=True, slots=True)
class Photo:
    media_id: MediaId
    caption: str | None


class LinkState(StrEnum):
    OPEN = "open"
    USED = "used"  # signed on its link already
    DECIDED = "decided"  # decided another way (chat, at the desk)
    SUPERSEDED = "superseded"  # a newer version was sent
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class SignedBy:
    name: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class ApprovalPage:
    visit: PageVisit
    quote: QuoteView
    state: LinkState
    line_photos: Mapping[QuoteLineId, tuple[Photo, ...]]
    session_photos: tuple[Photo, ...]
    signed: SignedBy | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    status: SessionStatus
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class TimelinePage:
    visit: PageVisit
    entries: tuple[TimelineEntry, ...]
    photos: tuple[Photo, ...]
    invoice: InvoiceView | None
    open_quote_id: QuoteId | None


@dataclass(frozen=True, slots=True)
class StoredFile:
    storage_key: str
    content_type: str


async def page_visit(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> PageVisit:
    row = (await session.execute(
        select(RepairSession, Client, Vehicle, Organization)
        .join(Client, Client.id == RepairSession.client_id)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .join(Organization, Organization.id == RepairSession.organization_id)
        .where(RepairSession.organization_id == org_id, RepairSession.id == session_id,
               Client.organization_id == org_id, Vehicle.organization_id == org_id)
    )).first()
    if row is None:
        raise NotFound("error.link_invalid")
    rs, client, vehicle, org = row._tuple()
    car = " ".join(str(p) for p in (vehicle.make, vehicle.model, vehicle.year) if p)
    return PageVisit(
        PageGarage(OrgId(org.id), org.name_en, org.name_ar, org.timezone), SessionId(rs.id), rs.number,
        SessionStatus(rs.status), rs.eta, ClientId(client.id), client.name, client.locale, vehicle.plate, car,
    )


async def _photos(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> list[MediaFile]:
    return list((await session.scalars(
        select(MediaFile).where(
            MediaFile.organization_id == org_id, MediaFile.session_id == session_id,
            MediaFile.client_visible.is_(True), MediaFile.kind == PHOTO_KIND,
        ).order_by(MediaFile.created_at, MediaFile.id)
    )).all())


async def _line_photos(
    session: AsyncSession, org_id: OrgId, quote_id: QuoteId, photos: Sequence[MediaFile]
) -> dict[QuoteLineId, tuple[Photo, ...]]:
    """Photos of each line's step, or of the steps of its job card."""
    lines = (await session.execute(select(QuoteLine.id, QuoteLine.step_id, QuoteLine.job_card_id).where(
        QuoteLine.organization_id == org_id, QuoteLine.quote_id == quote_id))).all()
    cards = {c for _, _, c in lines if c is not None}
    step_card: dict[int, int] = {int(s): int(c) for s, c in (await session.execute(
        select(Step.id, Step.job_card_id).where(Step.organization_id == org_id, Step.job_card_id.in_(cards))
    )).all()} if cards else {}
    found: dict[QuoteLineId, tuple[Photo, ...]] = {}
    for line_id, step_id, card_id in lines:
        mine = tuple(Photo(MediaId(m.id), m.caption) for m in photos if m.step_id is not None and (
            m.step_id == step_id or (step_id is None and card_id is not None
                                     and step_card.get(m.step_id) == card_id)))
        if mine:
            found[QuoteLineId(line_id)] = mine
    return found


def _state(quote: Quote, signed: SignedBy | None, now: dt.datetime) -> LinkState:
    status = QuoteStatus(quote.status)
    if signed is not None:
        return LinkState.USED
    if status is QuoteStatus.SUPERSEDED:
        return LinkState.SUPERSEDED
    if status in DECIDED:
        return LinkState.DECIDED
    if status is QuoteStatus.EXPIRED or (quote.expires_at is not None and quote.expires_at <= now):
        return LinkState.EXPIRED
    return LinkState.OPEN


async def approval_page(session: AsyncSession, quote_id: QuoteId, now: dt.datetime) -> ApprovalPage:
    """What the approval link of ``quote_id`` shows; NotFound for a draft or a missing quote."""
    quote = await session.get(Quote, quote_id)
    if quote is None or quote.status == QuoteStatus.DRAFT.value:
        raise NotFound("error.link_invalid")
    org_id = OrgId(quote.organization_id)
    visit = await page_visit(session, org_id, SessionId(quote.session_id))
    approval = (await session.execute(select(QuoteApproval.signer_name, QuoteApproval.signed_at).where(
        QuoteApproval.organization_id == org_id, QuoteApproval.quote_id == quote.id))).first()
    signed = SignedBy(approval[0], approval[1]) if approval else None
    photos = await _photos(session, org_id, visit.session_id)
    return ApprovalPage(
        visit=visit, quote=await quote_view(session, org_id, QuoteId(quote.id)),
        state=_state(quote, signed, now),
        line_photos=await _line_photos(session, org_id, QuoteId(quote.id), photos),
        session_photos=tuple(Photo(MediaId(m.id), m.caption) for m in photos if m.step_id is None),
        signed=signed,
    )


async def _latest_invoice(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> InvoiceView | None:
    found = await session.scalar(select(Invoice.id).where(
        Invoice.organization_id == org_id, Invoice.session_id == session_id,
        Invoice.payer_kind == PayerKind.CLIENT.value,
        Invoice.status.not_in([InvoiceStatus.DRAFT.value, InvoiceStatus.VOID.value]),
    ).order_by(Invoice.id.desc()).limit(1))
    return None if found is None else await invoice_view(session, org_id, InvoiceId(int(found)))


async def timeline_page(session: AsyncSession, session_id: SessionId, now: dt.datetime) -> TimelinePage:
    """The status history, client-visible photos, the issued invoice and any
    quote waiting for a decision, of ``session_id``."""
    org_id = await session.scalar(select(RepairSession.organization_id).where(RepairSession.id == session_id))
    if org_id is None:
        raise NotFound("error.link_invalid")
    org = OrgId(int(org_id))
    visit = await page_visit(session, org, session_id)
    history = (await session.execute(select(SessionStatusChange.to_status, SessionStatusChange.at).where(
        SessionStatusChange.organization_id == org, SessionStatusChange.session_id == session_id,
    ).order_by(SessionStatusChange.at, SessionStatusChange.id))).all()
    waiting = await session.scalar(select(Quote.id).where(
        Quote.organization_id == org, Quote.session_id == session_id, Quote.status == QuoteStatus.SENT.value,
        or_(Quote.expires_at.is_(None), Quote.expires_at > now),
    ).order_by(Quote.version.desc()).limit(1))
    return TimelinePage(
        visit=visit, entries=tuple(TimelineEntry(SessionStatus(s), at) for s, at in history),
        photos=tuple(Photo(MediaId(m.id), m.caption) for m in await _photos(session, org, session_id)),
        invoice=await _latest_invoice(session, org, session_id),
        open_quote_id=None if waiting is None else QuoteId(int(waiting)),
    )


async def client_file(session: AsyncSession, media_id: MediaId) -> StoredFile | None:
    """Where a photo or video (an inspection's) the garage marked client-visible
    is stored; None for any other file."""
    media = await session.get(MediaFile, media_id)
    if media is None or not media.client_visible or media.kind not in (PHOTO_KIND, VIDEO_KIND):
        return None
    return StoredFile(media.storage_key, media.content_type)

"""What the action forms of a session page need, read for the signed-in
member's role: the work to assign and who could take it (skills and load,
the suggested person first), the QC list, the latest quote with what may be
added to a draft, the live invoice, and whether the car may go yet. Every
list is of the member's garage; the forms post to ``session_actions``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.billing.enums import InvoiceStatus, PaymentMethod
from garagebot.core.billing.views import InvoiceView, QuoteView, invoice_view, quote_view
from garagebot.core.console.sessions import SignedIn
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import InvoiceId, JobCardId, OrgId, QuoteId, SessionId, StepId
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import (
    InventoryItem,
    Invoice,
    JobCard,
    Quote,
    QuoteLine,
    RepairSession,
    Reservation,
)
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair.delivery import InvoiceBlock, invoice_block
from garagebot.core.repair.machine import FINAL, OPEN
from garagebot.core.repair.views import SessionDetail
from garagebot.core.staff_views import TemplateRow, active_templates, session_steps
from garagebot.core.uow import Database, UnitOfWork
from garagebot.core.work.machines import CLOSED_JOB_CARD_STATUSES, OPEN_STEP_STATUSES
from garagebot.core.work.picker import Candidate, candidates, open_steps_of

S = SessionStatus
QUOTABLE = OPEN | {S.COMPLETED}  # as the chat: a car quoted late can still be invoiced
INVOICEABLE = frozenset({S.READY_FOR_PICKUP, S.COMPLETED})
METHODS = tuple(m.value for m in PaymentMethod)


@dataclass(frozen=True, slots=True)
class Work:
    """One thing to assign: a whole job card (``card:<id>``) or a step (``step:<id>``)."""

    value: str
    name_en: str
    name_ar: str
    card: bool
    skill: str | None = None


@dataclass(frozen=True, slots=True)
class PartToQuote:
    reservation_id: int
    name_en: str
    name_ar: str
    quantity: str


@dataclass(frozen=True, slots=True)
class Can:
    """Which forms the member's role may use on this session now."""

    assign: bool
    steer: bool
    qc: bool
    billing: bool
    deliver: bool
    override: bool
    approve_discount: bool = False


@dataclass(frozen=True, slots=True)
class Panel:
    can: Can
    status: SessionStatus
    open: bool
    work: tuple[Work, ...] = ()
    people: tuple[Candidate, ...] = ()
    quote: QuoteView | None = None
    templates: tuple[TemplateRow, ...] = ()
    parts: tuple[PartToQuote, ...] = ()
    invoice: InvoiceView | None = None
    block: InvoiceBlock | None = None
    methods: tuple[str, ...] = METHODS

    @property
    def qc_ready(self) -> bool:
        return self.status is S.QA_CHECK

    @property
    def quotable(self) -> bool:
        return self.can.billing and self.status in QUOTABLE

    @property
    def invoiceable(self) -> bool:
        return self.can.billing and (self.status in INVOICEABLE or self.invoice is not None)

    @property
    def invoice_open(self) -> bool:
        return self.invoice is not None and self.invoice.status in (InvoiceStatus.ISSUED,
                                                                    InvoiceStatus.PARTIALLY_PAID)


def can_of(me: SignedIn) -> Can:
    return Can(assign=allowed(me.role, Permission.ASSIGN_STEP),
               steer=allowed(me.role, Permission.CHANGE_SESSION_STATUS),
               qc=allowed(me.role, Permission.QC_CHECK), billing=allowed(me.role, Permission.MANAGE_BILLING),
               deliver=allowed(me.role, Permission.CONFIRM_DELIVERY),
               override=allowed(me.role, Permission.OVERRIDE_GUARD),
               approve_discount=allowed(me.role, Permission.APPROVE_DISCOUNT))


async def panel(db: Database, me: SignedIn, d: SessionDetail) -> Panel:
    """The panel of session ``d`` for ``me`` (the core's reads, which take a unit of work, on a
    read-only session)."""
    can, status = can_of(me), d.session.status
    base = Panel(can, status, status not in FINAL)
    if not any((can.assign, can.steer, can.qc, can.billing, can.deliver)):
        return base
    async with db.read() as session:  # reads only: no write lock taken (SQLite), nothing committed
        uow = UnitOfWork(session, me.actor, db.clock.now())
        work = await _work(uow, me.org_id, d.session.id) if can.assign and base.open else ()
        steps = [StepId(int(w.value.split(":", 1)[1])) for w in work if not w.card][:1]
        people = tuple(await candidates(uow, steps)) if work else ()
        quote, templates, parts = (await _quote(uow, me.org_id, d.session.id) if can.billing
                                   else (None, (), ()))
        invoice = await _invoice(uow, me.org_id, d.session.id) if can.billing else None
        block = None
        if status is S.COMPLETED:
            block = await invoice_block(uow.session, me.org_id, await uow.get(RepairSession, d.session.id))
    return Panel(can, status, base.open, work, people, quote, templates, parts, invoice, block)


async def _work(uow: UnitOfWork, org_id: OrgId, session_id: SessionId) -> tuple[Work, ...]:
    cards = (await uow.session.scalars(select(JobCard).where(
        JobCard.organization_id == org_id, JobCard.session_id == session_id,
        JobCard.status.not_in([s.value for s in CLOSED_JOB_CARD_STATUSES])).order_by(JobCard.id))).all()
    out = [Work(f"card:{c.id}", c.title_en, c.title_ar, True) for c in cards
           if await open_steps_of(uow, JobCardId(c.id))]
    steps = [s for s in await session_steps(uow.session, org_id, session_id)
             if s.status in OPEN_STEP_STATUSES]
    out += [Work(f"step:{s.step_id}", s.name_en, s.name_ar, False) for s in steps]
    return tuple(out)


async def _quote(uow: UnitOfWork, org_id: OrgId, session_id: SessionId
                 ) -> tuple[QuoteView | None, tuple[TemplateRow, ...], tuple[PartToQuote, ...]]:
    qid = (await uow.session.execute(select(Quote.id).where(
        Quote.organization_id == org_id, Quote.session_id == session_id)
        .order_by(Quote.version.desc()).limit(1))).scalar_one_or_none()
    if qid is None:
        return None, (), ()
    view = await quote_view(uow.session, org_id, QuoteId(qid))
    templates = tuple(await active_templates(uow.session, org_id))
    return view, templates, await parts_to_quote(uow, qid, session_id)


async def parts_to_quote(uow: UnitOfWork, quote_id: int, session_id: int) -> tuple[PartToQuote, ...]:
    """The session's parts (not returned) whose reservation is not on the quote yet."""
    on_quote = select(QuoteLine.reservation_id).where(
        QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote_id,
        QuoteLine.reservation_id.is_not(None))
    rows = (await uow.session.execute(
        select(Reservation, InventoryItem).join(InventoryItem, InventoryItem.id == Reservation.item_id)
        .where(Reservation.organization_id == uow.org_id, Reservation.session_id == session_id,
               Reservation.status != ReservationStatus.RETURNED.value, Reservation.id.not_in(on_quote))
        .order_by(Reservation.id))).all()
    return tuple(PartToQuote(r.id, i.name_en, i.name_ar, f"{r.quantity.normalize():f}") for r, i in rows)


async def _invoice(uow: UnitOfWork, org_id: OrgId, session_id: SessionId) -> InvoiceView | None:
    found = (await uow.session.execute(select(Invoice.id).where(
        Invoice.organization_id == org_id, Invoice.session_id == session_id,
        Invoice.status != InvoiceStatus.VOID.value)
        .order_by(Invoice.id.desc()).limit(1))).scalar_one_or_none()
    return None if found is None else await invoice_view(uow.session, org_id, InvoiceId(found))

"""Setting the scene for billing tests: a session with job cards and parts,
quotes sent and approved, issued invoices. Sessions and job cards go through
the real services; parts are written as rows (the inventory services are
tested on their own)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from garagebot.core.actor import Actor
from garagebot.core.billing.enums import LineDecision, PayerKind
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.ledger import Payer
from garagebot.core.billing.quote_flow import decide_whole_quote, send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.billing.views import PayerLedger, payer_ledger
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import ClientId, InvoiceId, JobCardId, OrgId, QuoteId, SessionId
from garagebot.core.inventory.states import ReservationSource, ReservationStatus
from garagebot.core.models import (
    AccountCredit,
    AuditEntry,
    InventoryItem,
    Invoice,
    OutboxRow,
    Payment,
    RepairSession,
    Reservation,
    StockLocation,
)
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from garagebot.core.work.jobcards import add_free_job_card
from garagebot.core.work.templates import StepSpec
from tests.conftest import Staff

D = Decimal
_rng = random.Random()


@dataclass(frozen=True)
class Visit:
    session_id: SessionId
    client_id: ClientId
    number: str
    phone: str


async def open_visit(
    db: Database, staff: Staff, *, status: SessionStatus = SessionStatus.DIAGNOSING, phone: str | None = None
) -> Visit:
    """A session of a new car (of a new client, unless ``phone`` is a known
    client's), moved to ``status`` (NEW or DIAGNOSING)."""
    phone = phone or f"079{_rng.randrange(10**6, 10**7)}"
    plate = f"{_rng.randrange(10, 99)}-{_rng.randrange(10**4, 10**5)}"
    async with db.unit_of_work(staff.advisor) as uow:
        sid = await open_session(uow, phone=phone, plate=plate, complaint="Brakes squeal")
        if status is not SessionStatus.NEW:
            await change_status(uow, sid, status)
    async with db.read() as s:
        rs = (await s.execute(select(RepairSession).where(RepairSession.id == sid))).scalar_one()
        return Visit(sid, ClientId(rs.client_id), rs.number, phone)


async def add_job(
    db: Database, staff: Staff, visit: Visit, title: str, steps: Sequence[tuple[int, Decimal | None]]
) -> JobCardId:
    """A job card whose steps have (estimated minutes, flat price or None)."""
    specs = [
        StepSpec(name_en=f"{title} {i}", name_ar=f"خطوة {i}", estimated_minutes=m, flat_price=p)
        for i, (m, p) in enumerate(steps, start=1)
    ]
    async with db.unit_of_work(staff.advisor) as uow:
        return await add_free_job_card(
            uow, visit.session_id, title_en=title, title_ar=f"عمل {title}", steps=specs
        )


async def add_part(
    db: Database,
    org: OrgId,
    visit: Visit,
    name: str,
    quantity: Decimal,
    unit_price: Decimal,
    status: ReservationStatus = ReservationStatus.RESERVED,
) -> int:
    """A part reserved (or consumed …) for the session, at ``unit_price``."""
    async with db.raw_transaction() as s:
        location = (
            await s.execute(
                select(StockLocation.id).where(
                    StockLocation.organization_id == org, StockLocation.code == "MAIN"
                )
            )
        ).scalar_one_or_none()
        if location is None:
            loc = StockLocation(
                organization_id=org,
                code="MAIN",
                name_en="Main",
                name_ar="الرئيسي",
                is_default=True,
                active=True,
                created_at=db.clock.now(),
            )
            s.add(loc)
            await s.flush()
            location = loc.id
        item = InventoryItem(
            organization_id=org,
            sku=f"SKU-{_rng.randrange(10**9)}",
            name_en=name,
            name_ar=f"قطعة {name}",
            unit="pcs",
            cost=unit_price / 2,
            price=unit_price,
            created_at=db.clock.now(),
            updated_at=db.clock.now(),
        )
        s.add(item)
        await s.flush()
        res = Reservation(
            organization_id=org,
            session_id=visit.session_id,
            item_id=item.id,
            location_id=location,
            quantity=quantity,
            status=status.value,
            source=ReservationSource.STOCK.value,
            unit_cost=unit_price / 2,
            unit_price=unit_price,
            created_at=db.clock.now(),
        )
        s.add(res)
        await s.flush()
        return res.id


async def approved_quote(db: Database, staff: Staff, visit: Visit) -> QuoteId:
    """Quote the session, send it, and approve every line."""
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        await send_quote(uow, qid)
        await decide_whole_quote(uow, qid, LineDecision.APPROVED, key=f"approve-{qid}")
    return qid


async def invoiced_visit(
    db: Database,
    staff: Staff,
    *,
    labour_minutes: int = 60,
    part_price: Decimal | None = None,
    issue: bool = True,
) -> tuple[Visit, InvoiceId]:
    """A session with one job (and optionally a part), quoted, approved and invoiced."""
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(labour_minutes, None)])
    if part_price is not None:
        await add_part(db, staff.org, visit, "Pads", D(1), part_price)
    await approved_quote(db, staff, visit)
    async with db.unit_of_work(staff.advisor) as uow:
        inv = await create_invoice(uow, visit.session_id)
        if issue:
            await issue_invoice(uow, inv)
    return visit, inv


async def audit_actions(db: Database, org: OrgId, entity: str) -> list[str]:
    async with db.read() as s:
        return list(
            (
                await s.scalars(
                    select(AuditEntry.action)
                    .where(AuditEntry.organization_id == org, AuditEntry.entity == entity)
                    .order_by(AuditEntry.seq)
                )
            ).all()
        )


async def outbox_topics(db: Database, org: OrgId) -> list[str]:
    async with db.read() as s:
        return list(
            (
                await s.scalars(
                    select(OutboxRow.topic).where(OutboxRow.organization_id == org).order_by(OutboxRow.id)
                )
            ).all()
        )


async def count(db: Database, org_column: InstrumentedAttribute[int], org: OrgId) -> int:
    """Rows of one garage in the table of ``org_column`` (its organization_id)."""
    async with db.read() as s:
        return int((await s.execute(select(func.count()).where(org_column == org))).scalar_one())


async def ledger(db: Database, org: OrgId, kind: PayerKind, payer_id: int) -> PayerLedger:
    async with db.read() as s:
        return await payer_ledger(s, org, Payer(kind, payer_id), "JOD")


def assert_balanced(book: PayerLedger) -> None:
    """The money invariants: allocations + credit = payments, and every
    allocation is on an invoice's paid amount."""
    assert book.allocated + book.credit == book.payments
    assert book.unallocated == book.credit
    assert book.invoiced_paid == book.allocated


def system(org: OrgId) -> Actor:
    return Actor.system(org)


@dataclass(frozen=True)
class MoneyState:
    """Everything a payment can change, to compare before and after a reversal."""

    invoices: tuple[tuple[int, Decimal, str], ...]
    payments: tuple[tuple[int, Decimal, str], ...]
    credit: Decimal


async def money_state(db: Database, org: OrgId, kind: PayerKind, payer_id: int) -> MoneyState:
    async with db.read() as s:
        invoices = (
            await s.execute(
                select(Invoice.id, Invoice.paid_amount, Invoice.status)
                .where(
                    Invoice.organization_id == org,
                    Invoice.payer_kind == kind.value,
                    Invoice.payer_id == payer_id,
                )
                .order_by(Invoice.id)
            )
        ).all()
        payments = (
            await s.execute(
                select(Payment.id, Payment.unallocated, Payment.status)
                .where(
                    Payment.organization_id == org,
                    Payment.payer_kind == kind.value,
                    Payment.payer_id == payer_id,
                    Payment.status == "ACTIVE",
                )
                .order_by(Payment.id)
            )
        ).all()
        credit = (
            await s.execute(
                select(AccountCredit.balance).where(
                    AccountCredit.organization_id == org,
                    AccountCredit.payer_kind == kind.value,
                    AccountCredit.payer_id == payer_id,
                )
            )
        ).scalar_one_or_none()
    return MoneyState(
        tuple((int(i), Decimal(p), str(st)) for i, p, st in invoices),
        tuple((int(i), Decimal(u), str(st)) for i, u, st in payments),
        Decimal(credit if credit is not None else 0),
    )

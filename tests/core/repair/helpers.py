"""Helpers for the repair tests: open sessions, drive them along the machine,
and read what the database holds (rows, audit entries, outbox events)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.enums import JobCardStatus, SessionStatus, StepStatus
from garagebot.core.ids import OrgId, QcItemId, SessionId
from garagebot.core.inventory.states import ReservationSource, ReservationStatus
from garagebot.core.models import (
    AuditEntry,
    Client,
    Counter,
    Invoice,
    JobCard,
    MediaFile,
    OutboxRow,
    RepairSession,
    Request,
    SessionQcItem,
    SessionStatusChange,
    Step,
    Vehicle,
)
from garagebot.core.models.inventory import InventoryItem, Reservation, StockLocation
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.qc import tick_qc_item
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff

S = SessionStatus
VALID_VIN = "1HGCM82633A004352"


def phone(n: int) -> str:
    """A valid Jordanian mobile number, typed the local way."""
    return f"079{n:07d}"


def plate(n: int) -> str:
    return f"{10 + n % 80}-{n:05d}"


async def open_direct(
    db: Database, actor: Actor, n: int = 1, *, complaint: str = "Brakes squeal", **kwargs: object
) -> SessionId:
    params: dict[str, object] = {"phone": phone(n), "plate": plate(n), "complaint": complaint, **kwargs}
    async with db.unit_of_work(actor) as uow:
        return await open_session(uow, **params)  # type: ignore[arg-type]


async def move(
    db: Database, actor: Actor, sid: SessionId, *path: SessionStatus, note: str | None = None
) -> None:
    """Change status along ``path``, one unit of work per step."""
    for target in path:
        async with db.unit_of_work(actor) as uow:
            await change_status(uow, sid, target, note=note)


async def qc_item_ids(db: Database, org: OrgId, sid: SessionId) -> list[QcItemId]:
    async with db.read() as s:
        stmt = (
            select(SessionQcItem.id)
            .where(SessionQcItem.organization_id == org, SessionQcItem.session_id == sid)
            .order_by(SessionQcItem.position)
        )
        return [QcItemId(i) for i in (await s.scalars(stmt)).all()]


async def tick_all(db: Database, actor: Actor, org: OrgId, sid: SessionId) -> None:
    for item in await qc_item_ids(db, org, sid):
        async with db.unit_of_work(actor) as uow:
            await tick_qc_item(uow, item)


async def to_ready(db: Database, staff: Staff, sid: SessionId) -> None:
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    await tick_all(db, staff.lead, staff.org, sid)
    await move(db, staff.advisor, sid, S.READY_FOR_PICKUP)


async def to_completed(db: Database, staff: Staff, sid: SessionId) -> None:
    await to_ready(db, staff, sid)
    await move(db, staff.advisor, sid, S.COMPLETED)


async def session_row(db: Database, sid: SessionId) -> RepairSession:
    async with db.read() as s:
        row = await s.get(RepairSession, sid)
        assert row is not None
        return row


async def add_steps(db: Database, org: OrgId, sid: SessionId, statuses: Sequence[StepStatus]) -> int:
    """A job card with one step per status (written directly: work services are another module's)."""
    async with db.raw_transaction() as s:
        card = JobCard(
            organization_id=org, session_id=sid, title_en="Brake pads", title_ar="فحمات الفرامل",
            status=JobCardStatus.IN_PROGRESS.value, position=1, created_at=db.clock.now(),
        )
        s.add(card)
        await s.flush()
        for position, status in enumerate(statuses, start=1):
            s.add(Step(
                organization_id=org, job_card_id=card.id, session_id=sid, position=position,
                name_en=f"Step {position}", name_ar=f"الخطوة {position}", status=status.value,
            ))
        return card.id


async def add_reservation(db: Database, org: OrgId, sid: SessionId, status: ReservationStatus) -> int:
    """A part reserved on the session (written directly: inventory services are another module's)."""
    now = db.clock.now()
    async with db.raw_transaction() as s:
        store = StockLocation(organization_id=org, code=f"S{sid}-{status.value}", name_en="Main",
                              name_ar="الرئيسي", is_default=False, active=True, created_at=now)
        item = InventoryItem(organization_id=org, sku=f"PAD-{sid}-{status.value}", name_en="Brake pads",
                             name_ar="فحمات فرامل", unit="pcs", cost=Decimal("12.500"),
                             price=Decimal("20.000"), created_at=now, updated_at=now)
        s.add_all([store, item])
        await s.flush()
        res = Reservation(
            organization_id=org, session_id=sid, item_id=item.id, location_id=store.id,
            quantity=Decimal("1.000"), status=status.value, source=ReservationSource.STOCK.value,
            unit_cost=Decimal("12.500"), unit_price=Decimal("20.000"), created_at=now,
        )
        s.add(res)
        await s.flush()
        return res.id


async def add_media(db: Database, org: OrgId, kind: str, session_id: int | None) -> int:
    async with db.raw_transaction() as s:
        media = MediaFile(
            organization_id=org, session_id=session_id, kind=kind, content_type="image/png",
            storage_key=f"{org}/sig-{session_id}-{kind}.png", size_bytes=10, sha256="0" * 64,
            created_at=db.clock.now(),
        )
        s.add(media)
        await s.flush()
        return media.id


async def audit_actions(db: Database, org: OrgId, entity: str, entity_id: object) -> list[str]:
    async with db.read() as s:
        stmt = (
            select(AuditEntry.action)
            .where(AuditEntry.organization_id == org, AuditEntry.entity == entity,
                   AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.seq)
        )
        return list((await s.scalars(stmt)).all())


async def events(db: Database, org: OrgId, topic: str | None = None) -> list[OutboxRow]:
    async with db.read() as s:
        stmt = select(OutboxRow).where(OutboxRow.organization_id == org).order_by(OutboxRow.id)
        if topic is not None:
            stmt = stmt.where(OutboxRow.topic == topic)
        return list((await s.scalars(stmt)).all())


async def history(db: Database, sid: SessionId) -> list[tuple[str | None, str]]:
    async with db.read() as s:
        stmt = (
            select(SessionStatusChange.from_status, SessionStatusChange.to_status)
            .where(SessionStatusChange.session_id == sid)
            .order_by(SessionStatusChange.id)
        )
        return [(r[0], r[1]) for r in (await s.execute(stmt)).all()]


async def footprint(db: Database, org: OrgId) -> dict[str, int]:
    """How many rows of each kind the garage has: to show nothing was half-written."""
    models = {
        "client": Client, "vehicle": Vehicle, "request": Request, "session": RepairSession,
        "history": SessionStatusChange, "qc": SessionQcItem, "audit": AuditEntry, "outbox": OutboxRow,
        "counter": Counter,
    }
    async with db.read() as s:
        counts = {
            name: int((await s.execute(
                select(func.count()).select_from(model).where(model.organization_id == org)  # type: ignore[attr-defined]
            )).scalar_one())
            for name, model in models.items()
        }
        taken = select(func.coalesce(func.sum(Counter.value), 0)).where(Counter.organization_id == org)
        counts["numbers_taken"] = int((await s.execute(taken)).scalar_one())
        return counts


async def paid_invoice(db: Database, org: OrgId, sid: SessionId, total: Decimal = Decimal("10.000")) -> None:
    """A paid invoice for the session, written as a row (billing is tested on its
    own): what delivery needs."""
    async with db.raw_transaction() as s:
        rs = await s.get(RepairSession, sid)
        assert rs is not None
        zero = Decimal("0.000")
        s.add(Invoice(
            organization_id=org, number=f"INV-T-{sid}", session_id=sid, client_id=rs.client_id,
            payer_kind="CLIENT", payer_id=rs.client_id, billing_mode="quoted", status="PAID", currency="JOD",
            subtotal=total, discount_total=zero, net_total=total, tax_total=zero, total=total,
            paid_amount=total,
            issued_at=db.clock.now(), created_at=db.clock.now(),
        ))


async def to_deliverable(db: Database, staff: Staff, sid: SessionId) -> None:
    """COMPLETED, with its invoice paid: ready to hand over on the client's PIN."""
    await to_completed(db, staff, sid)
    await paid_invoice(db, staff.org, sid)

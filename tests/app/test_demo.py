"""The demo garage: seeded through the real services, complete, bilingual, idempotent."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from garagebot.app import demo_data as data
from garagebot.app.demo import DemoIdentities, seed_demo
from garagebot.core.actor import Actor
from garagebot.core.audit import verify_chain
from garagebot.core.billing.enums import InvoiceStatus, QuoteStatus
from garagebot.core.db import Base, make_engine
from garagebot.core.enums import Channel, RequestStatus, Role, SessionStatus
from garagebot.core.garage_config import import_config, parse_config, read_config, to_yaml
from garagebot.core.models import (
    AuditEntry,
    CashbookEntry,
    Client,
    FleetAccount,
    InventoryItem,
    Invoice,
    MediaFile,
    Organization,
    OutboxRow,
    PurchaseOrder,
    Quote,
    QuoteApproval,
    QuoteDecision,
    RepairSession,
    Request,
    ServiceTemplate,
    Step,
    StockLevel,
    Supplier,
    TemplateChecklistItem,
    TemplateStep,
    TimeLog,
    User,
    UserSkill,
    Vehicle,
)
from garagebot.core.normalize import phone_e164, plate, vin
from garagebot.core.uow import Database
from tests.conftest import START, new_garage
from tests.fakes import FakeClock, MemoryFileStorage
from tests.infra import PG_ADMIN_URL, _recreate_pg_database, pg_url, unavailable

ARABIC = range(0x0600, 0x0700)

# Seeding replays two weeks of a garage through the services (a few seconds);
# the read-only checks below share one seeded database per engine.
pytestmark = pytest.mark.asyncio(loop_scope="module")

Seeded = tuple[Database, DemoIdentities, MemoryFileStorage]


def has_arabic(text: str) -> bool:
    return any(ord(ch) in ARABIC for ch in text)


@asynccontextmanager
async def fresh_database(engine: str, folder: Path, clock: FakeClock) -> AsyncIterator[Database]:
    """A new, empty database on ``engine`` (the shared test databases always
    have garages in them, and the demo only seeds an empty one)."""
    name = None
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / f'demo-{uuid.uuid4().hex[:8]}.db'}"
    else:
        name = f"garagebot_demo_{uuid.uuid4().hex[:10]}"
        try:
            await _recreate_pg_database(name)
        except OSError as exc:
            unavailable(f"PostgreSQL at {PG_ADMIN_URL} ({exc})", "start it")
        url = pg_url(name)
    schema = make_engine(url)
    async with schema.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await schema.dispose()
    db = Database(url, clock=clock)
    try:
        yield db
    finally:
        await db.dispose()
        if name is not None:
            conn = await asyncpg.connect(PG_ADMIN_URL)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def demo_clock() -> FakeClock:
    return FakeClock(START)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def seeded(engine: str, demo_clock: FakeClock,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Seeded]:
    async with fresh_database(engine, tmp_path_factory.mktemp("demo"), demo_clock) as db:
        storage = MemoryFileStorage()
        identities = await seed_demo(db, storage)
        yield db, identities, storage


async def test_the_demo_garage_is_bilingual_in_amman_and_has_staff_in_every_role(
    seeded: Seeded,
) -> None:
    db, ids, _ = seeded
    assert ids.created
    assert ids.org_id is not None
    async with db.read() as s:
        org = (await s.execute(select(Organization))).scalar_one()
        users = (await s.execute(select(User).where(User.organization_id == org.id))).scalars().all()
        skills = (await s.execute(select(UserSkill.user_id, UserSkill.skill).where(
            UserSkill.organization_id == org.id))).all()
    assert (org.name_en, org.timezone, org.currency) == ("Al-Nour Auto Service", "Asia/Amman", "JOD")
    assert has_arabic(org.name_ar)
    assert {Role(u.role) for u in users} == set(Role)
    assert {u.telegram_user_id for u in users} == {p.telegram_user_id for p in data.STAFF}
    assert all(u.phone and u.phone.startswith("+9627") for u in users)
    technicians = [u.id for u in users if u.role == Role.TECHNICIAN]
    assert len(technicians) >= 2
    assert all(any(uid == t for uid, _ in skills) for t in technicians)


async def test_the_demo_has_30_clients_and_40_vehicles_with_valid_phones_plates_and_vins(
    seeded: Seeded,
) -> None:
    db, ids, _ = seeded
    async with db.read() as s:
        clients = (await s.execute(
            select(Client).where(Client.organization_id == ids.org_id))).scalars().all()
        vehicles = (await s.execute(
            select(Vehicle).where(Vehicle.organization_id == ids.org_id))).scalars().all()
    assert len(clients) == 30
    assert len(vehicles) == 40
    assert all(phone_e164(c.phone) == c.phone and c.phone.startswith("+9627") for c in clients)
    assert {c.locale for c in clients} == {"ar", "en"}
    assert any(has_arabic(c.name) for c in clients)
    assert any(not has_arabic(c.name) for c in clients)
    assert all(plate(v.plate) == v.plate for v in vehicles)
    with_vin = [v for v in vehicles if v.vin]
    assert len(with_vin) >= 10
    assert all(vin(v.vin) == v.vin for v in with_vin if v.vin)
    assert {"Toyota", "Hyundai", "Kia", "Mitsubishi", "Nissan", "Mercedes-Benz"} <= {v.make for v in vehicles}


async def test_the_demo_has_sessions_in_every_status_numbered_without_gaps_per_day(
    seeded: Seeded,
) -> None:
    db, ids, storage = seeded
    async with db.read() as s:
        sessions = (await s.execute(select(RepairSession).where(
            RepairSession.organization_id == ids.org_id))).scalars().all()
        running = (await s.execute(select(func.count(TimeLog.id)).where(
            TimeLog.organization_id == ids.org_id, TimeLog.ended_at.is_(None)))).scalar_one()
        photos = (await s.execute(select(func.count(MediaFile.id)).where(
            MediaFile.organization_id == ids.org_id))).scalar_one()
        assigned_open = (await s.execute(select(func.count(Step.id)).where(
            Step.organization_id == ids.org_id, Step.status == "NOT_STARTED",
            Step.assignee_id.is_not(None)))).scalar_one()
    assert {SessionStatus(r.status) for r in sessions} == set(SessionStatus)
    assert len(sessions) == ids.sessions == len(data.VISITS)
    per_day: Counter[str] = Counter()
    for r in sorted(sessions, key=lambda r: r.number):
        day = r.number[4:12]
        per_day[day] += 1
        assert r.number == f"SES-{day}-{per_day[day]:03d}"
    assert len(per_day) > 1  # the replay spreads them over several days
    assert all(START - r.opened_at < dt.timedelta(days=15) for r in sessions)
    assert all(r.opened_at <= START for r in sessions)
    assert running >= 2  # cars on the lifts have a timer running
    assert photos >= 1  # required photos were attached …
    assert storage.files  # … and stored behind the port
    assert assigned_open > 0  # the lead planned who does the waiting steps


async def test_the_demo_templates_have_steps_and_checklists_in_english_and_arabic(
    seeded: Seeded,
) -> None:
    db, ids, _ = seeded
    async with db.read() as s:
        templates = (await s.execute(select(ServiceTemplate).where(
            ServiceTemplate.organization_id == ids.org_id))).scalars().all()
        steps = (await s.execute(select(TemplateStep).where(
            TemplateStep.organization_id == ids.org_id))).scalars().all()
        items = (await s.execute(select(TemplateChecklistItem).where(
            TemplateChecklistItem.organization_id == ids.org_id))).scalars().all()
    assert {t.code for t in templates} == {"oil_service", "brake_pads", "ac_service", "diagnosis",
                                           "timing_belt"}
    assert all(t.name_en and not has_arabic(t.name_en) and has_arabic(t.name_ar) for t in templates)
    assert all(not has_arabic(s.name_en) and has_arabic(s.name_ar) for s in steps)
    assert {t.id for t in templates} == {s.template_id for s in steps}
    assert any(s.parallel_group is not None for s in steps)
    assert any(s.assembly for s in steps)
    assert any(s.required_skill for s in steps)
    assert items
    assert all(not has_arabic(i.text_en) and has_arabic(i.text_ar) for i in items)


async def test_the_demo_is_audited_and_its_audit_chain_verifies(
    seeded: Seeded,
) -> None:
    db, ids, _ = seeded
    assert ids.org_id is not None
    async with db.read() as s:
        assert await verify_chain(s, ids.org_id) is None
        entries = (await s.execute(select(AuditEntry.entity, AuditEntry.at).where(
            AuditEntry.organization_id == ids.org_id).order_by(AuditEntry.seq))).all()
        events = (await s.execute(select(func.count(OutboxRow.id)).where(
            OutboxRow.organization_id == ids.org_id))).scalar_one()
    assert {"organization", "user", "client", "vehicle", "repair_session", "job_card",
            "service_template", "time_log"} <= {e for e, _ in entries}
    assert [at for _, at in entries] == sorted(at for _, at in entries)  # the replay only moves forward
    assert events > 0


async def test_seeding_twice_changes_nothing_and_names_the_same_people(
    seeded: Seeded, demo_clock: FakeClock,
) -> None:
    db, first, _ = seeded
    assert db.clock is demo_clock  # the replay clock was put back
    async with db.read() as s:
        before = (await s.execute(select(func.count(AuditEntry.id)))).scalar_one()
    again = await seed_demo(db, MemoryFileStorage())
    async with db.read() as s:
        after = (await s.execute(select(func.count(AuditEntry.id)))).scalar_one()
        orgs = (await s.execute(select(func.count(Organization.id)))).scalar_one()
    assert (before, orgs) == (after, 1)
    assert not again.created
    assert again.org_id == first.org_id
    assert again.staff == first.staff
    assert again.sessions == first.sessions
    assert again.lines()[0].startswith("The demo garage already exists")


async def test_a_database_with_another_garage_is_not_seeded(engine: str, tmp_path: Path) -> None:
    async with fresh_database(engine, tmp_path, FakeClock(START)) as db:
        await new_garage(db)
        identities = await seed_demo(db, MemoryFileStorage())
        async with db.read() as s:
            orgs = (await s.execute(select(func.count(Organization.id)))).scalar_one()
    assert orgs == 1
    assert identities == DemoIdentities(False, None)
    assert "not seeded" in identities.lines()[0]


async def test_the_printed_identities_list_every_telegram_id_and_phone(
    seeded: Seeded,
) -> None:
    _, ids, _ = seeded
    text = "\n".join(ids.lines())
    assert "Al-Nour Auto Service" in text
    for person in data.STAFF:
        assert str(person.telegram_user_id) in text
        assert person.phone in text
    assert ids.person("lead").role is Role.LEAD_TECHNICIAN


async def test_every_demo_phone_plate_and_vin_is_valid_as_typed() -> None:
    assert len({c.phone for c in data.CLIENTS} | {p.phone for p in data.STAFF}) == 41
    for number in [c.phone for c in data.CLIENTS] + [p.phone for p in data.STAFF]:
        assert phone_e164(number) == number
    assert len({plate(v.plate) for v in data.VEHICLES}) == 40
    for v in data.VEHICLES:
        assert v.vin is None or vin(v.vin) == v.vin


async def test_the_demo_garage_is_set_up_from_its_bundled_configuration_file(seeded: Seeded) -> None:
    db, ids, _ = seeded
    assert ids.org_id is not None
    bundled = resources.files("garagebot.app").joinpath("demo_garage.yaml").read_text(encoding="utf-8")
    parsed, problems = parse_config(bundled)
    assert problems == []
    async with db.unit_of_work(Actor.system(ids.org_id, Channel.CLI)) as uow:
        assert to_yaml(await read_config(uow)) == to_yaml(parsed)
        assert (await import_config(uow, bundled)).changed == ()  # it is what the garage has
    async with db.read() as s:
        imported = (await s.execute(select(func.count(AuditEntry.id)).where(
            AuditEntry.organization_id == ids.org_id, AuditEntry.action == "config_import"))).scalar_one()
    assert imported == 1
    assert ids.templates == 5


async def test_the_demo_has_stock_some_of_it_low_suppliers_and_orders_received_and_awaited(
    seeded: Seeded,
) -> None:
    db, ids, _ = seeded
    async with db.read() as s:
        levels = (await s.execute(
            select(InventoryItem.sku, InventoryItem.min_level, StockLevel.on_hand, StockLevel.reserved)
            .join(StockLevel, StockLevel.item_id == InventoryItem.id)
            .where(InventoryItem.organization_id == ids.org_id))).all()
        suppliers = (await s.execute(select(func.count(Supplier.id)).where(
            Supplier.organization_id == ids.org_id))).scalar_one()
        orders = Counter((await s.scalars(select(PurchaseOrder.status).where(
            PurchaseOrder.organization_id == ids.org_id))).all())
    assert len([sku for sku, _, on_hand, _ in levels if on_hand > 0]) >= 6
    low = {sku for sku, minimum, on_hand, reserved in levels if on_hand - reserved < minimum}
    assert {"BF-DOT4", "AF-CAB"} <= low  # below their minimum: the inventory staff's alerts
    assert any(reserved > 0 for *_, reserved in levels)  # parts held for cars in the workshop
    assert suppliers >= 2
    assert orders == Counter({"RECEIVED": 1, "SENT": 1})  # the opening stock; the part a car waits for


async def test_the_demo_has_quotes_in_every_state_decided_by_clients_one_signed(seeded: Seeded) -> None:
    db, ids, _ = seeded
    async with db.read() as s:
        quotes = Counter((await s.scalars(select(Quote.status).where(
            Quote.organization_id == ids.org_id))).all())
        decisions = (await s.execute(select(QuoteDecision.actor_kind, QuoteDecision.channel).where(
            QuoteDecision.organization_id == ids.org_id))).all()
        signed = (await s.execute(select(QuoteApproval.signer_name, MediaFile.kind).join(
            MediaFile, MediaFile.id == QuoteApproval.signature_media_id).where(
            QuoteApproval.organization_id == ids.org_id))).all()
    assert {QuoteStatus(q) for q in quotes} >= set(QuoteStatus) - {QuoteStatus.SUPERSEDED}
    assert {("client", "whatsapp"), ("client", "web")} <= set(decisions)
    assert signed
    assert all(kind == "signature" and name for name, kind in signed)


async def test_the_demo_has_invoices_paid_part_paid_open_and_on_a_fleet_account_and_a_cashbook(
    seeded: Seeded,
) -> None:
    db, ids, _ = seeded
    async with db.read() as s:
        invoices = (await s.execute(select(Invoice.status, Invoice.payer_kind).where(
            Invoice.organization_id == ids.org_id))).all()
        fleets = (await s.execute(select(func.count(FleetAccount.id)).where(
            FleetAccount.organization_id == ids.org_id))).scalar_one()
        cash = Counter((await s.scalars(select(CashbookEntry.kind).where(
            CashbookEntry.organization_id == ids.org_id))).all())
    statuses = {InvoiceStatus(status) for status, _ in invoices}
    assert {InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.ISSUED} <= statuses
    assert ("ISSUED", "FLEET") in {(status, kind) for status, kind in invoices}
    assert fleets == 1
    assert cash["EXPENSE"] >= 3
    assert cash["INCOME"] >= 1


async def test_no_timer_runs_for_days_and_every_car_awaiting_approval_has_a_sent_quote(
    seeded: Seeded,
) -> None:
    db, ids, _ = seeded
    async with db.read() as s:
        running = (await s.scalars(select(TimeLog.started_at).where(
            TimeLog.organization_id == ids.org_id, TimeLog.ended_at.is_(None)))).all()
        waiting = (await s.scalars(select(RepairSession.id).where(
            RepairSession.organization_id == ids.org_id,
            RepairSession.status == SessionStatus.AWAITING_CLIENT_APPROVAL.value))).all()
        sent = set((await s.scalars(select(Quote.session_id).where(
            Quote.organization_id == ids.org_id, Quote.status == QuoteStatus.SENT.value))).all())
        requests = (await s.execute(select(Request.status, Request.confirmed_at).where(
            Request.organization_id == ids.org_id))).all()
    assert running
    assert all(START - started < dt.timedelta(hours=1) for started in running)
    assert waiting
    assert set(waiting) <= sent
    assert {status for status, _ in requests} == {RequestStatus.OPEN}
    assert sorted(confirmed is not None for _, confirmed in requests) == [False, True]  # one confirmed



async def test_the_demo_owner_and_manager_sign_in_to_the_console_with_the_printed_passwords(
    seeded: Seeded,
) -> None:
    from garagebot.app.demo import CONSOLE_SIGN_INS, console_lines
    from garagebot.core.console.sessions import Device
    from garagebot.core.console.signin import sign_in_with_password

    db, ids, _ = seeded
    printed = "\n".join(console_lines("http://127.0.0.1:8080"))
    assert printed.startswith("Web console: http://127.0.0.1:8080/")
    for key, login, password in CONSOLE_SIGN_INS:
        assert login in printed
        assert password in printed
        new = await sign_in_with_password(db, login, password, Device(f"demo-{key}", "127.0.0.1", "test"))
        assert new.user_id == ids.person(key).user_id
